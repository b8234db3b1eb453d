"""Migration 0011_order_events gives the orders placed before it their
history, from the columns they had then: the same events the services
write now (by the same people, where the old rows say who), marked
backfilled; and its downgrade puts the columns back from the events."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.status import OrderEventKind
from marketplace.payments import cash as cash_payment
from tests.orders.flows import DEADLINE, MONDAY, paid_order, treasurer, two_part_order

pytestmark = pytest.mark.usefixtures("app_context")

MIGRATION = Path(__file__).parents[2] / "migrations/versions/0011_order_events.py"


def migration():
    spec = importlib.util.spec_from_file_location("order_events_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def events() -> list[tuple]:
    rows = db.session.execute(
        sa.text(
            "SELECT order_id, seller_order_id, kind, actor_id, occurred_at, from_status, note,"
            " amount, is_backfilled FROM order_events"
        )
    ).all()
    return sorted((tuple(row) for row in rows), key=lambda row: (row[0], row[1] or 0, row[2]))


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def test_the_backfill_writes_the_events_the_services_wrote(app):
    # Every way an order moves: finished, a part cancelled and refunded
    # (partly, then wholly), cash paid on handover, the shopper's cancel,
    # the expiry job, cash parts all cancelled by their members.
    finished = paid_order()
    for index, part in enumerate(finished.parts):
        fulfilment.start_processing(part=part, member=part.member, now=at(1 + index))
        fulfilment.dispatch(part=part, member=part.member, now=at(2 + index))
        fulfilment.complete(part=part, member=part.member, now=at(3 + index))
    refunded = paid_order()
    first, second = refunded.parts
    fulfilment.cancel_part(part=first, member=first.member, reason="Habis", now=at(1))
    fulfilment.start_processing(part=second, member=second.member, now=at(2))
    fulfilment.cancel_part(part=second, member=second.member, reason="Tutup", now=at(3))
    fulfilment.mark_refund_paid(part=first, by=treasurer(), now=at(4))
    cash = two_part_order(payment_method="cash")
    first, second = cash.parts
    fulfilment.cancel_part(part=second, member=second.member, reason="Libur", now=at(1))
    fulfilment.start_processing(part=first, member=first.member, now=at(2))
    fulfilment.dispatch(part=first, member=first.member, now=at(3))
    cash_payment.confirm(
        order=first.order, part=first, amount=first.total, by=first.member.user, now=at(4)
    )
    mine = two_part_order()
    fulfilment.cancel_order(order=mine, by=mine.buyer, reason="Salah", now=at(1))
    fulfilment.expire_order(order=two_part_order(), now=DEADLINE)
    dropped = two_part_order(payment_method="cash")
    for index, part in enumerate(dropped.parts):
        fulfilment.cancel_part(part=part, member=part.member, reason="Tutup", now=at(index + 1))
    two_part_order()  # still unpaid: no events
    db.session.commit()
    live = events()
    db.session.remove()

    downgrade(revision="0010_dated_entries")
    restored = db.session.execute(
        sa.text("SELECT processing_at, dispatched_at FROM seller_orders ORDER BY id")
    ).all()
    assert sum(row.processing_at is not None for row in restored) == 4
    assert sum(row.dispatched_at is not None for row in restored) == 3
    db.session.remove()
    upgrade()

    backfilled = events()
    assert all(row[-1] for row in backfilled)
    # What the old rows cannot say: who sent a refund back.
    expected = [
        (*row[:3], None if row[2] == OrderEventKind.REFUND_PAID else row[3], *row[4:-1], True)
        for row in live
    ]
    assert backfilled == expected


def test_backfill_of_rows_in_the_old_shape():
    """The pure function the migration runs, on rows as they were: who
    recorded the transfer is known from its receipt, the member from the
    part, the refund's sender from nothing."""
    when = [datetime(2026, 3, 2, hour, tzinfo=UTC) for hour in range(8)]
    order = {
        "id": 7,
        "buyer_id": 3,
        "payment_method": "bank_transfer",
        "paid_at": when[0],
        "completed_at": None,
        "cancelled_at": None,
        "cancel_reason": "",
    }
    shared = {"order_id": 7, "subtotal": 10_000, "delivery_fee": 0, "commission_total": 500}
    cancelled = {
        **shared,
        "id": 11,
        "member_id": 1,
        "delivery_method": "pickup",
        "cancel_reason": "Stok habis",
        "paid_at": when[0],
        "processing_at": when[1],
        "dispatched_at": None,
        "completed_at": None,
        "cancelled_at": when[2],
        "refund_amount": 10_000,
        "refund_paid_at": when[3],
        "payable_released_at": None,
    }
    shipped = {
        **cancelled,
        "id": 12,
        "member_id": 2,
        "delivery_method": "delivery",
        "cancel_reason": "",
        "dispatched_at": when[4],
        "cancelled_at": None,
        "refund_amount": 0,
        "refund_paid_at": None,
    }
    found = migration().backfill_events(
        order, [cancelled, shipped], member_users={1: 21, 2: 22}, transfer_by=9
    )
    assert [
        (row["seller_order_id"], row["kind"], row["actor_id"], row["from_status"], row["amount"])
        for row in found
    ] == [
        (None, "order.paid", 9, "pending_payment", None),
        (11, "part.paid", 9, "awaiting_payment", None),
        (12, "part.paid", 9, "awaiting_payment", None),
        (11, "part.processing", 21, "new", None),
        (12, "part.processing", 22, "new", None),
        (None, "order.partially_refunded", 21, "paid", None),
        (11, "part.cancelled", 21, "processing", 10_000),
        (11, "part.refund_paid", None, None, 10_000),
        (12, "part.shipped", 22, "processing", None),
    ]
    assert all(row["is_backfilled"] and row["order_id"] == 7 for row in found)
    assert next(row for row in found if row["kind"] == "part.cancelled")["note"] == "Stok habis"
