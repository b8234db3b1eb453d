"""A member's order actions at the service level (orders.fulfilment): their
part prepared, sent or ready, completed (taking the cash of a cash order:
exactly the part's total), or cancelled with a reason (refunded when paid,
the unique code with the order's last part); the order's status follows
its parts. A refused action writes nothing: no status, no receipt, no
ledger entry, no email."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import NotYours, PaymentMismatch
from marketplace.orders.settlement import available_account, pending_account
from marketplace.orders.status import (
    InvalidTransition,
    OrderPartStatus,
    OrderStatus,
)
from marketplace.payments import bank_transfer, cash
from marketplace.payments.models import PaymentReceipt
from tests.orders.flows import (
    MONDAY,
    books_balance,
    count,
    emails,
    entries,
    member,
    paid_order,
    refused,
    treasurer,
    two_part_order,
    walk_to_dispatched,
)
from tests.orders.helpers import cart_with, checkout, shopper, stock_of, variant

pytestmark = pytest.mark.usefixtures("app_context")

# Both members of two_part_order: 45_000 and 22_500 at the default 5 %.
KERIPIK_COMMISSION = 2_250
GULA_COMMISSION = 1_125


@pytest.mark.parametrize(
    ("index", "status", "subject"),
    [
        (0, OrderPartStatus.READY_FOR_PICKUP, "siap diambil"),
        (1, OrderPartStatus.SHIPPED, "sedang diantar"),
    ],
    ids=["pickup", "delivery"],
)
def test_dispatch_is_ready_for_pickup_or_shipped_by_the_delivery_choice(
    app, index, status, subject
):
    order = paid_order()
    part = order.parts[index]
    fulfilment.start_processing(part=part, member=part.member)
    db.session.commit()
    sent_before = len(emails())

    fulfilment.dispatch(part=part, member=part.member)
    db.session.commit()

    assert part.status == status
    assert emails()[sent_before:] == [(order.buyer.email, f"Pesanan {order.code} {subject}")]


def test_a_cash_part_dispatched_reminds_the_shopper_of_the_cash(app):
    order = two_part_order(payment_method="cash")
    part = order.parts[1]
    walk_to_dispatched(part)

    last = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert last.subject == f"Pesanan {order.code} sedang diantar"
    assert "Siapkan uang tunai Rp30.500." in last.body_text


def test_moves_out_of_turn_or_on_another_members_part_are_refused(app):
    order = two_part_order()
    unpaid = order.parts[0]
    message = refused(
        lambda: fulfilment.start_processing(part=unpaid, member=unpaid.member), InvalidTransition
    )
    assert message == (
        "Pesanan ini menunggu pembayaran; tidak bisa diubah menjadi “Sedang disiapkan”."
    )

    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    first, second = order.parts
    assert (
        refused(lambda: fulfilment.dispatch(part=first, member=first.member), InvalidTransition)
        == "Pesanan ini pesanan baru; tidak bisa diubah menjadi “Siap diambil”."
    )
    assert (
        refused(lambda: fulfilment.complete(part=first, member=first.member), InvalidTransition)
        == "Pesanan ini pesanan baru; tidak bisa diubah menjadi “Selesai”."
    )
    for action in (fulfilment.start_processing, fulfilment.dispatch):
        assert refused(
            lambda action=action: action(part=first, member=second.member), NotYours
        ) == ("Pesanan ini bukan untuk toko Anda.")
    assert refused(
        lambda: fulfilment.cancel_part(part=first, member=second.member, reason="Habis"), NotYours
    )


def test_a_completed_transfer_part_moves_its_share_from_pending_to_available(app):
    order = paid_order()
    keripik, gula = order.parts
    walk_to_dispatched(keripik)
    fulfilment.complete(part=keripik, member=keripik.member, now=MONDAY + timedelta(days=1))
    db.session.commit()

    share = 45_000 - KERIPIK_COMMISSION
    assert keripik.status == OrderPartStatus.COMPLETED and keripik.completed_at is not None
    assert keripik.payable_released_at is not None
    assert entries(f"seller-order:{keripik.id}:release") == {
        pending_account(keripik.member_id): share,
        available_account(keripik.member_id): -share,
    }
    assert balances(f"payable:member:{keripik.member_id}") == {
        pending_account(keripik.member_id): 0,
        available_account(keripik.member_id): share,
    }
    assert order.status == OrderStatus.PAID  # the other part is still open

    walk_to_dispatched(gula)
    fulfilment.complete(part=gula, member=gula.member)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED and order.completed_at is not None
    assert balance(available_account(gula.member_id)) == 22_500 - GULA_COMMISSION + 8_000
    assert books_balance()


def test_cash_taken_pays_the_part_and_the_member_owes_the_commission(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    assert order.total == 75_500 and order.unique_code == 0
    walk_to_dispatched(keripik)

    cash.confirm(order=order, part=keripik, amount=45_000, by=keripik.member.user)
    db.session.commit()

    assert keripik.status == OrderPartStatus.COMPLETED and keripik.paid_at is not None
    assert order.status == OrderStatus.PENDING_PAYMENT  # gula is not paid yet
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.key, receipt.part_id, receipt.amount, receipt.method) == (
        f"part:{keripik.id}",
        keripik.id,
        45_000,
        "cash",
    )
    assert receipt.recorded_by_id == keripik.member.user_id
    assert entries(f"seller-order:{keripik.id}:cash-sale") == {
        available_account(keripik.member_id): KERIPIK_COMMISSION,
        "income:commission:empowerment": -1_125,
        "income:commission:central": -675,
        "income:commission:kecamatan:sokaraja": -450,
    }
    # A negative payable: the member owes the association.
    assert balances(f"payable:member:{keripik.member_id}") == {
        available_account(keripik.member_id): -KERIPIK_COMMISSION
    }
    assert balance("cash:bank") == 0

    walk_to_dispatched(gula)
    cash.confirm(order=order, part=gula, amount=30_500, by=gula.member.user)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED
    assert order.paid_at is not None and order.completed_at is not None
    assert balance(available_account(gula.member_id)) == -GULA_COMMISSION
    assert sum(balances("income").values()) == KERIPIK_COMMISSION + GULA_COMMISSION
    assert books_balance()


@pytest.mark.parametrize(
    "received",
    [30_499, 30_501, 22_500, None, 30_500.0, "30500"],
    ids=["short", "over", "without-delivery", "missing", "float", "text"],
)
def test_cash_received_must_be_exactly_the_part_total(app, received):
    order = two_part_order(payment_method="cash")
    gula = order.parts[1]
    walk_to_dispatched(gula)

    message = refused(
        lambda: cash.confirm(order=order, part=gula, amount=received, by=gula.member.user),
        PaymentMismatch,
    )

    assert message.startswith("Tulis uang tunai yang diterima: tepat Rp30.500.")
    assert gula.status == OrderPartStatus.SHIPPED and gula.paid_at is None


def test_a_free_cash_part_completes_without_a_receipt_or_posting(app):
    seller = member(accepts_cash=True)
    sample = variant(price=0, stock=3, member=seller, name="Contoh")
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (sample, 1)), payment_method="cash")
    db.session.commit()
    part = order.parts[0]
    walk_to_dispatched(part)

    cash.confirm(order=order, part=part, amount=0, by=seller.user)
    db.session.commit()

    assert order.status == OrderStatus.COMPLETED
    assert count(PaymentReceipt) == 0 and balances() == {}


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_member_cancelling_must_give_a_reason(app, reason):
    order = paid_order()
    part = order.parts[0]
    message = refused(lambda: fulfilment.cancel_part(part=part, member=part.member, reason=reason))
    assert message == "Tulis alasan pembatalan untuk pembeli."


def _to_status(part, status):
    """Bring `part` of a paid order to `status`."""
    if status == OrderPartStatus.CANCELLED:
        fulfilment.cancel_part(part=part, member=part.member, reason="Habis")
    if status in (
        OrderPartStatus.READY_FOR_PICKUP,
        OrderPartStatus.COMPLETED,
    ):
        walk_to_dispatched(part)
    if status == OrderPartStatus.COMPLETED:
        fulfilment.complete(part=part, member=part.member)
    db.session.commit()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (OrderPartStatus.READY_FOR_PICKUP, "Pesanan ini siap diambil"),
        (OrderPartStatus.COMPLETED, "Pesanan ini selesai"),
    ],
)
def test_only_a_new_or_processing_part_can_be_cancelled(app, status, words):
    order = paid_order()
    part = order.parts[0]
    _to_status(part, status)

    message = refused(
        lambda: fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis"),
        InvalidTransition,
    )
    assert message.startswith(words)
    assert "baru atau sedang disiapkan" in message


def test_an_unpaid_transfer_part_cannot_be_cancelled_by_its_member(app):
    order = two_part_order()
    part = order.parts[0]
    message = refused(
        lambda: fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis"),
        InvalidTransition,
    )
    assert message.startswith("Pesanan ini menunggu pembayaran")
    assert part.status == OrderPartStatus.AWAITING_PAYMENT


def test_cancelled_parts_are_refunded_and_the_unique_code_goes_with_the_last(app):
    order = paid_order()
    keripik, gula = order.parts
    fulfilment.start_processing(part=gula, member=gula.member)
    db.session.commit()
    sent_before = len(emails())

    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="  Stok habis  ")
    db.session.commit()

    assert keripik.status == OrderPartStatus.CANCELLED and keripik.cancel_reason == "Stok habis"
    assert keripik.refund_amount == 45_000 and keripik.refund_paid_at is None
    assert keripik.refund_unique_code == 0
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert entries(f"seller-order:{keripik.id}:refund") == {
        pending_account(keripik.member_id): 45_000 - KERIPIK_COMMISSION,
        "income:commission:empowerment": 1_125,
        "income:commission:central": 675,
        "income:commission:kecamatan:sokaraja": 450,
        "payable:shopper-refunds": -45_000,
    }
    assert emails()[sent_before:] == [
        (order.buyer.email, f"Bagian pesanan {order.code} dibatalkan penjual"),
        (keripik.member.user.email, f"Pesanan {order.code} dibatalkan"),
    ]

    fulfilment.cancel_part(part=gula, member=gula.member, reason="Tutup sementara")
    db.session.commit()

    assert gula.refund_amount == 30_500 + order.unique_code
    assert gula.refund_unique_code == order.unique_code  # stored, not inferred from amounts
    assert entries(f"seller-order:{gula.id}:refund")["income:transfer-code"] == order.unique_code
    assert order.status == OrderStatus.REFUNDED and order.refund_total == order.total
    assert balance("payable:shopper-refunds") == order.total
    assert all(amount == 0 for amount in balances("income").values())
    assert all(amount == 0 for amount in balances("payable:member").values())
    assert balance("cash:bank") == order.total
    assert books_balance()


@pytest.mark.parametrize("restock", [True, False])
def test_restock_gives_the_quantities_back_or_not(app, restock):
    order = paid_order()
    keripik = order.parts[0]
    variant_id = keripik.lines[0].variant_id
    assert stock_of(variant_id) == 7

    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Rusak", restock=restock)
    db.session.commit()

    assert stock_of(variant_id) == (10 if restock else 7)
    assert keripik.refund_amount == 45_000  # refunded either way


def test_a_partially_refunded_order_completes_when_the_other_parts_finish(app):
    order = paid_order()
    keripik, gula = order.parts
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    db.session.commit()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED

    walk_to_dispatched(gula)
    fulfilment.complete(part=gula, member=gula.member)
    db.session.commit()

    assert order.status == OrderStatus.COMPLETED
    # The code stays income: the order was not refunded in full.
    assert sum(balances("income").values()) == GULA_COMMISSION + order.unique_code
    assert balance("payable:shopper-refunds") == 45_000
    assert books_balance()


def test_cancelling_the_last_open_part_beside_a_completed_one_keeps_the_code(app):
    order = paid_order()
    keripik, gula = order.parts
    _to_status(keripik, OrderPartStatus.COMPLETED)

    fulfilment.cancel_part(part=gula, member=gula.member, reason="Kurir tidak ada")
    db.session.commit()

    assert gula.refund_amount == 30_500
    assert order.status == OrderStatus.COMPLETED
    assert sum(balances("income").values()) == KERIPIK_COMMISSION + order.unique_code
    assert books_balance()


def test_an_unpaid_cash_part_cancelled_refunds_nothing(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    db.session.commit()
    assert keripik.refund_amount == 0 and order.status == OrderStatus.PENDING_PAYMENT
    assert count(PaymentReceipt) == 0 and balances() == {}
    assert stock_of(keripik.lines[0].variant_id) == 10

    fulfilment.cancel_part(part=gula, member=gula.member, reason="Tutup")
    db.session.commit()
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert balances() == {}


def test_a_cash_order_whose_other_part_is_cancelled_completes_when_paid(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    walk_to_dispatched(gula)
    cash.confirm(order=order, part=gula, amount=30_500, by=gula.member.user)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED and order.paid_at is not None
    assert sum(balances("income").values()) == GULA_COMMISSION
    assert books_balance()
