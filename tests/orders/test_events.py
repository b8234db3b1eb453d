"""An order's history (orders.events): each status change of the order or
of a part writes exactly one event of the right kind, by the one who acted
(None for the system), in the same transaction; a refused change writes
none; events are never changed or deleted; the order pages show them, with
who did what."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from marketplace.accounts.models import Role
from marketplace.core.clock import as_utc
from marketplace.extensions import db
from marketplace.orders import fulfilment, payables
from marketplace.orders.events import OrderEvent, OrderEventImmutable
from marketplace.orders.models import Order
from marketplace.orders.status import InvalidTransition, OrderEventKind
from marketplace.payments import bank_transfer, cash
from tests import factories
from tests.orders.flows import (
    DEADLINE,
    MONDAY,
    count,
    paid_order,
    refused,
    two_part_order,
    walk_to_dispatched,
)

pytestmark = pytest.mark.usefixtures("app_context")

K = OrderEventKind


def history(order: Order) -> list[tuple]:
    """(part or None, kind, actor id, from status, note, amount), oldest first."""
    parts = {part.id: index for index, part in enumerate(order.parts)}
    rows = db.session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order.id)
        .order_by(OrderEvent.occurred_at, OrderEvent.id)
    )
    return [
        (
            parts.get(event.part_id) if event.part_id else None,
            event.kind,
            event.actor_id,
            event.from_status,
            event.note,
            event.amount,
        )
        for event in rows
    ]


def bendahara(name: str = "Sri Wahyuni"):
    return factories.UserFactory(name=name, roles=[Role.TREASURER])


def test_a_transfer_order_walked_to_the_end_records_each_change_once_by_who_did_it(app):
    order = two_part_order()
    keripik, gula = order.parts
    sri = bendahara()
    bank_transfer.confirm(order=order, amount=order.total, by=sri, now=MONDAY)
    for part, at in ((keripik, MONDAY + timedelta(hours=1)), (gula, MONDAY + timedelta(hours=2))):
        fulfilment.start_processing(part=part, member=part.member, now=at)
        fulfilment.dispatch(part=part, member=part.member, now=at + timedelta(minutes=1))
        fulfilment.complete(part=part, member=part.member, now=at + timedelta(minutes=2))
    db.session.commit()

    first, second = keripik.member.user_id, gula.member.user_id
    share_first, share_second = keripik.member_share, gula.member_share
    assert history(order) == [
        (None, K.ORDER_PAID, sri.id, "pending_payment", "", None),
        (0, K.PART_PAID, sri.id, "awaiting_payment", "", None),
        (1, K.PART_PAID, sri.id, "awaiting_payment", "", None),
        (0, K.PART_PROCESSING, first, "new", "", None),
        (0, K.PART_READY_FOR_PICKUP, first, "processing", "", None),
        (0, K.PART_COMPLETED, first, "ready_for_pickup", "", None),
        (0, K.PAYABLE_RELEASED, None, None, "", share_first),  # no hold: the system
        (1, K.PART_PROCESSING, second, "new", "", None),
        (1, K.PART_SHIPPED, second, "processing", "", None),
        (1, K.PART_COMPLETED, second, "shipped", "", None),
        (None, K.ORDER_COMPLETED, second, "paid", "", None),  # the last part finished it
        (1, K.PAYABLE_RELEASED, None, None, "", share_second),
    ]
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.kind == K.ORDER_PAID)).one()
    assert as_utc(event.occurred_at) == MONDAY  # UTC, the moment the service was given
    assert not event.is_backfilled


def test_a_members_cancel_and_the_refund_sent_back_are_recorded(app):
    order = paid_order()
    keripik = order.parts[0]
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Stok habis", now=MONDAY)
    sri = bendahara()
    fulfilment.mark_refund_paid(part=keripik, by=sri, now=MONDAY + timedelta(days=1))
    db.session.commit()

    member = keripik.member.user_id
    assert history(order)[3:] == [
        (0, K.PART_CANCELLED, member, "new", "Stok habis", 45_000),
        (None, K.ORDER_PARTIALLY_REFUNDED, member, "paid", "", None),
        (0, K.REFUND_PAID, sri.id, None, "", 45_000),
    ]


def test_a_cash_order_is_paid_by_its_members_as_they_finish(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    fulfilment.cancel_part(part=gula, member=gula.member, reason="Tutup", now=MONDAY)
    walk_to_dispatched(keripik)
    cash.confirm(order=keripik.order, part=keripik, amount=keripik.total, by=keripik.member.user)
    db.session.commit()

    member = keripik.member.user_id
    assert [row[:3] for row in history(order)] == [
        (1, K.PART_CANCELLED, gula.member.user_id),
        (0, K.PART_PROCESSING, member),
        (0, K.PART_READY_FOR_PICKUP, member),
        (0, K.PART_COMPLETED, member),
        (None, K.ORDER_PAID, member),
        (None, K.ORDER_COMPLETED, member),
    ]
    assert history(order)[3][5] == keripik.total  # the cash taken


def test_the_shopper_cancels_and_the_expiry_job_cancels_as_the_system(app):
    mine = two_part_order()
    fulfilment.cancel_order(order=mine, by=mine.buyer, reason="Salah pesan", now=MONDAY)
    overdue = two_part_order()
    fulfilment.expire_order(order=overdue, now=DEADLINE)
    db.session.commit()

    buyer = mine.buyer_id
    assert history(mine) == [
        (None, K.ORDER_CANCELLED, buyer, "pending_payment", "Salah pesan", None),
        (0, K.PART_CANCELLED, buyer, "awaiting_payment", "", None),
        (1, K.PART_CANCELLED, buyer, "awaiting_payment", "", None),
    ]
    expired = "Batas waktu pembayaran lewat."
    assert history(overdue) == [
        (None, K.ORDER_CANCELLED, None, "pending_payment", expired, None),
        (0, K.PART_CANCELLED, None, "awaiting_payment", "", None),
        (1, K.PART_CANCELLED, None, "awaiting_payment", "", None),
    ]


def test_refused_changes_write_no_event(app):
    order = two_part_order()
    keripik = order.parts[0]
    # `refused` compares everything an action writes, events included.
    refused(lambda: fulfilment.start_processing(part=keripik, member=keripik.member))
    refused(lambda: fulfilment.complete(part=keripik, member=keripik.member), InvalidTransition)
    refused(
        lambda: fulfilment.cancel_part(part=keripik, member=keripik.member, reason="x"),
        InvalidTransition,
    )
    paid = paid_order()
    before = count(OrderEvent)
    refused(lambda: bank_transfer.confirm(order=paid, amount=paid.total, by=bendahara()))
    refused(lambda: fulfilment.cancel_order(order=paid, by=paid.buyer), InvalidTransition)
    part = paid.parts[0]
    refused(lambda: fulfilment.dispatch(part=part, member=part.member), InvalidTransition)
    assert count(OrderEvent) == before
    assert not payables.release_payable(part=part)
    assert count(OrderEvent) == before


def test_events_are_never_changed_or_deleted(app):
    order = paid_order()
    event = db.session.scalars(select(OrderEvent)).first()
    event.note = "diubah"
    with pytest.raises(OrderEventImmutable, match="Riwayat pesanan tidak boleh diubah"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(OrderEvent)).first())
    with pytest.raises(OrderEventImmutable):
        db.session.flush()
    db.session.rollback()
    for statement in (update(OrderEvent).values(note="x"), delete(OrderEvent)):
        with pytest.raises(OrderEventImmutable):
            db.session.execute(statement)
        db.session.rollback()
    # The database refuses too, whatever the ORM is told.
    for sql in ("UPDATE order_events SET note = 'x'", "DELETE FROM order_events"):
        with pytest.raises(DBAPIError, match="Riwayat pesanan tidak boleh diubah"):
            db.session.connection().execute(text(sql))
        db.session.rollback()
    assert count(OrderEvent) == len(history(order)) == 3


# --- the timeline says who did what --------------------------------------------------


def test_the_shoppers_page_says_who_moved_each_part(client, login_as):
    order = two_part_order()
    login_as(order.buyer)
    keripik, gula = order.parts
    bank_transfer.confirm(order=order, amount=order.total, by=bendahara(), now=MONDAY)
    fulfilment.start_processing(part=gula, member=gula.member)
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    fulfilment.mark_refund_paid(part=keripik, by=bendahara("Sri Wahyuni"))
    db.session.commit()

    page = client.get(f"/pesanan/{order.code}").get_data(as_text=True)
    assert f"oleh {gula.member.shop_name}" in page
    assert f"oleh {keripik.member.shop_name}" in page
    assert "oleh Bendahara Sri" in page  # the refund sent back


def test_the_members_page_says_the_treasurer_confirmed_the_transfer(client, login_as):
    order = two_part_order()
    bank_transfer.confirm(order=order, amount=order.total, by=bendahara("Sri Wahyuni"))
    db.session.commit()
    part = order.parts[0]
    login_as(part.member.user)
    page = client.get(f"/kelola/pesanan/{part.id}").get_data(as_text=True)
    assert "Pembayaran diterima bendahara" in page and "oleh Bendahara Sri" in page


def test_an_expired_order_shows_the_system_cancelled_it(client, login_as):
    order = two_part_order()
    login_as(order.buyer)
    fulfilment.expire_order(order=order, now=DEADLINE)
    db.session.commit()
    page = client.get(f"/pesanan/{order.code}").get_data(as_text=True)
    assert page.count("oleh sistem") == 2  # each part


def test_the_shopper_cancelling_shows_as_the_shopper(client, login_as):
    order = two_part_order()
    login_as(order.buyer)
    fulfilment.cancel_order(order=order, by=order.buyer)
    db.session.commit()
    page = client.get(f"/pesanan/{order.code}").get_data(as_text=True)
    assert page.count("oleh pembeli") == 2  # each part
