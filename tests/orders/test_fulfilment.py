"""The order money rules at the service level (orders.fulfilment and
orders.settlement): what each action writes, what the ledger says after it,
and that a refused action writes nothing at all: no status, no receipt, no
ledger entry, no email."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from math import floor

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.core.clock import as_utc
from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances, problems, transactions_about
from marketplace.ledger.services import close_month, month_of
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import NotYours, PaymentMismatch
from marketplace.orders.models import CommissionFact, OrderLine, PaymentReceipt
from marketplace.orders.settlement import available_account, pending_account
from marketplace.orders.status import (
    InvalidTransition,
    OrderStatus,
    SellerOrderStatus,
)
from tests import factories
from tests.orders.flows import (
    DEADLINE,
    MONDAY,
    books_balance,
    count,
    emails,
    entries,
    is_posted,
    member,
    paid_order,
    refused,
    state,
    treasurer,
    two_part_order,
    walk_to_dispatched,
)
from tests.orders.helpers import cart_with, checkout, shopper, stock_of, variant

pytestmark = pytest.mark.usefixtures("app_context")

# Both members of two_part_order: 45_000 and 22_500 at the default 5 %.
KERIPIK_COMMISSION = 2_250
GULA_COMMISSION = 1_125


def half_up(amount: int, bps: int) -> int:
    """bps basis points of amount, rounded half up: worked out in fractions,
    apart from core.money."""
    return floor(Fraction(amount * bps, 10_000) + Fraction(1, 2))


# --- confirm_transfer ----------------------------------------------------------------


def test_the_exact_amount_pays_the_order_and_posts_the_sale(app):
    order = two_part_order()
    keripik, gula = order.seller_orders
    bendahara = treasurer()
    db.session.commit()

    fulfilment.confirm_transfer(
        order=order, amount=order.total, by=bendahara, note="  BRI 02/03 09.12  ", now=MONDAY
    )
    db.session.commit()

    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert [part.status for part in order.seller_orders] == [SellerOrderStatus.NEW] * 2
    assert all(part.paid_at is not None for part in order.seller_orders)
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.key, receipt.amount, receipt.method) == (
        f"order:{order.id}",
        order.total,
        "bank_transfer",
    )
    assert (receipt.recorded_by_id, receipt.note, receipt.seller_order_id) == (
        bendahara.id,
        "BRI 02/03 09.12",
        None,
    )
    # 2_250 splits 1_125/675/450; 1_125 splits 563/337/225 (the tie goes to empowerment).
    assert entries(f"order:{order.id}:sale") == {
        "cash:bank": order.total,
        pending_account(keripik.member_id): -(45_000 - KERIPIK_COMMISSION),
        pending_account(gula.member_id): -(22_500 - GULA_COMMISSION + 8_000),
        "income:commission:empowerment": -(1_125 + 563),
        "income:commission:central": -(675 + 337),
        "income:commission:kecamatan:sokaraja": -(450 + 225),
        "income:transfer-code": -order.unique_code,
    }
    assert books_balance() and problems() == []


def test_a_paid_order_tells_the_shopper_and_each_member(app):
    order = two_part_order()
    sent_before = len(emails())
    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer(), now=MONDAY)
    db.session.commit()

    assert emails()[sent_before:] == [
        (order.buyer.email, f"Pembayaran {order.code} diterima"),
        (order.seller_orders[0].member.user.email, f"Pesanan baru {order.code}"),
        (order.seller_orders[1].member.user.email, f"Pesanan baru {order.code}"),
    ]


@pytest.mark.parametrize(
    ("amount_of", "words"),
    [
        (lambda total: total - 1, "kurang Rp1"),
        (lambda total: total + 1_000, "lebih Rp1.000"),
        (lambda total: total - total % 1_000, "kurang"),  # the unique code left off
        (lambda total: 0, "tidak sama dengan tagihan"),
        (lambda total: float(total), "rupiah bulat"),
        (lambda total: str(total), "rupiah bulat"),
        (lambda total: True, "rupiah bulat"),
    ],
    ids=["one-short", "too-much", "no-unique-code", "zero", "float", "text", "bool"],
)
def test_any_amount_but_the_exact_total_is_refused_and_writes_nothing(app, amount_of, words):
    order = two_part_order()
    bendahara = treasurer()
    db.session.commit()

    message = refused(
        lambda: fulfilment.confirm_transfer(
            order=order, amount=amount_of(order.total), by=bendahara, now=MONDAY
        ),
        PaymentMismatch,
    )

    assert words in message and "tidak ditandai lunas" in message
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert count(PaymentReceipt) == 0


def test_a_paid_order_cannot_be_confirmed_again(app):
    order = paid_order()
    message = refused(
        lambda: fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer()),
        InvalidTransition,
    )
    assert message == (
        f"Pesanan {order.code} tidak sedang menunggu transfer (status: Sudah dibayar)."
    )
    assert count(PaymentReceipt) == 1


def test_a_cancelled_order_cannot_be_confirmed(app):
    order = two_part_order()
    fulfilment.cancel_order(order=order, by=order.buyer)
    bendahara = treasurer()
    db.session.commit()
    message = refused(
        lambda: fulfilment.confirm_transfer(order=order, amount=order.total, by=bendahara),
        InvalidTransition,
    )
    assert "tidak sedang menunggu transfer (status: Dibatalkan)" in message


def test_a_cash_order_is_not_confirmed_by_the_treasurer(app):
    order = two_part_order(payment_method="cash")
    bendahara = treasurer()
    db.session.commit()
    message = refused(
        lambda: fulfilment.confirm_transfer(order=order, amount=order.total, by=bendahara),
        InvalidTransition,
    )
    assert message == f"Pesanan {order.code} dibayar tunai kepada penjual, bukan lewat transfer."
    assert [part.status for part in order.seller_orders] == [SellerOrderStatus.NEW] * 2


# --- the member moves a part along -----------------------------------------------------


@pytest.mark.parametrize(
    ("index", "status", "subject"),
    [
        (0, SellerOrderStatus.READY_FOR_PICKUP, "siap diambil"),
        (1, SellerOrderStatus.SHIPPED, "sedang diantar"),
    ],
    ids=["pickup", "delivery"],
)
def test_dispatch_is_ready_for_pickup_or_shipped_by_the_delivery_choice(
    app, index, status, subject
):
    order = paid_order()
    part = order.seller_orders[index]
    fulfilment.start_processing(part=part, member=part.member)
    db.session.commit()
    sent_before = len(emails())

    fulfilment.dispatch(part=part, member=part.member)
    db.session.commit()

    assert part.status == status
    assert emails()[sent_before:] == [(order.buyer.email, f"Pesanan {order.code} {subject}")]


def test_a_cash_part_dispatched_reminds_the_shopper_of_the_cash(app):
    order = two_part_order(payment_method="cash")
    part = order.seller_orders[1]
    walk_to_dispatched(part)

    last = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert last.subject == f"Pesanan {order.code} sedang diantar"
    assert "Siapkan uang tunai Rp30.500." in last.body_text


def test_moves_out_of_turn_or_on_another_members_part_are_refused(app):
    order = two_part_order()
    unpaid = order.seller_orders[0]
    message = refused(
        lambda: fulfilment.start_processing(part=unpaid, member=unpaid.member), InvalidTransition
    )
    assert message == (
        "Pesanan ini menunggu pembayaran; tidak bisa diubah menjadi “Sedang disiapkan”."
    )

    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    first, second = order.seller_orders
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


# --- complete --------------------------------------------------------------------------


def test_a_completed_transfer_part_moves_its_share_from_pending_to_available(app):
    order = paid_order()
    keripik, gula = order.seller_orders
    walk_to_dispatched(keripik)
    fulfilment.complete(part=keripik, member=keripik.member, now=MONDAY + timedelta(days=1))
    db.session.commit()

    share = 45_000 - KERIPIK_COMMISSION
    assert keripik.status == SellerOrderStatus.COMPLETED and keripik.completed_at is not None
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
    keripik, gula = order.seller_orders
    assert order.total == 75_500 and order.unique_code == 0
    walk_to_dispatched(keripik)

    fulfilment.complete(part=keripik, member=keripik.member, cash_received=45_000)
    db.session.commit()

    assert keripik.status == SellerOrderStatus.COMPLETED and keripik.paid_at is not None
    assert order.status == OrderStatus.PENDING_PAYMENT  # gula is not paid yet
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.key, receipt.seller_order_id, receipt.amount, receipt.method) == (
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
    fulfilment.complete(part=gula, member=gula.member, cash_received=30_500)
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
    gula = order.seller_orders[1]
    walk_to_dispatched(gula)

    message = refused(
        lambda: fulfilment.complete(part=gula, member=gula.member, cash_received=received),
        PaymentMismatch,
    )

    assert message.startswith("Tulis uang tunai yang diterima: tepat Rp30.500.")
    assert gula.status == SellerOrderStatus.SHIPPED and gula.paid_at is None


def test_release_waits_for_the_payout_hold(app):
    order = paid_order()
    part = order.seller_orders[0]
    walk_to_dispatched(part)
    fulfilment.complete(part=part, member=part.member, hold_days=3, now=MONDAY)
    db.session.commit()
    share = 45_000 - KERIPIK_COMMISSION
    assert part.payable_released_at is None
    assert balance(pending_account(part.member_id)) == share

    assert fulfilment.release_due(hold_days=3, now=MONDAY + timedelta(days=2, hours=23)) == 0
    assert not is_posted(f"seller-order:{part.id}:release")
    assert fulfilment.release_due(hold_days=3, now=MONDAY + timedelta(days=3)) == 1
    db.session.commit()
    assert balances(f"payable:member:{part.member_id}") == {
        pending_account(part.member_id): 0,
        available_account(part.member_id): share,
    }
    assert fulfilment.release_due(hold_days=3, now=MONDAY + timedelta(days=9)) == 0
    assert fulfilment.release_payable(part=part) is False
    assert books_balance()


def test_release_due_leaves_cash_and_unfinished_parts_alone(app):
    cash = two_part_order(payment_method="cash")
    walk_to_dispatched(cash.seller_orders[0])
    fulfilment.complete(
        part=cash.seller_orders[0], member=cash.seller_orders[0].member, cash_received=45_000
    )
    paid = paid_order()
    walk_to_dispatched(paid.seller_orders[1])  # shipped, not completed
    db.session.commit()

    assert fulfilment.release_due(hold_days=0, now=MONDAY + timedelta(days=30)) == 0
    assert cash.seller_orders[0].payable_released_at is None


# --- cancel_part -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_member_cancelling_must_give_a_reason(app, reason):
    order = paid_order()
    part = order.seller_orders[0]
    message = refused(lambda: fulfilment.cancel_part(part=part, member=part.member, reason=reason))
    assert message == "Tulis alasan pembatalan untuk pembeli."


def _to_status(part, status):
    """Bring `part` of a paid order to `status`."""
    if status == SellerOrderStatus.CANCELLED:
        fulfilment.cancel_part(part=part, member=part.member, reason="Habis")
    if status in (
        SellerOrderStatus.READY_FOR_PICKUP,
        SellerOrderStatus.COMPLETED,
    ):
        walk_to_dispatched(part)
    if status == SellerOrderStatus.COMPLETED:
        fulfilment.complete(part=part, member=part.member)
    db.session.commit()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (SellerOrderStatus.READY_FOR_PICKUP, "Pesanan ini siap diambil"),
        (SellerOrderStatus.COMPLETED, "Pesanan ini selesai"),
        (SellerOrderStatus.CANCELLED, "Pesanan ini dibatalkan"),
    ],
)
def test_only_a_new_or_processing_part_can_be_cancelled(app, status, words):
    order = paid_order()
    part = order.seller_orders[0]
    _to_status(part, status)

    message = refused(
        lambda: fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis"),
        InvalidTransition,
    )
    assert message.startswith(words)
    assert "baru atau sedang disiapkan" in message


def test_an_unpaid_transfer_part_cannot_be_cancelled_by_its_member(app):
    order = two_part_order()
    part = order.seller_orders[0]
    message = refused(
        lambda: fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis"),
        InvalidTransition,
    )
    assert message.startswith("Pesanan ini menunggu pembayaran")
    assert part.status == SellerOrderStatus.AWAITING_PAYMENT


def test_cancelled_parts_are_refunded_and_the_unique_code_goes_with_the_last(app):
    order = paid_order()
    keripik, gula = order.seller_orders
    fulfilment.start_processing(part=gula, member=gula.member)
    db.session.commit()
    sent_before = len(emails())

    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="  Stok habis  ")
    db.session.commit()

    assert keripik.status == SellerOrderStatus.CANCELLED and keripik.cancel_reason == "Stok habis"
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
    keripik = order.seller_orders[0]
    variant_id = keripik.lines[0].variant_id
    assert stock_of(variant_id) == 7

    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Rusak", restock=restock)
    db.session.commit()

    assert stock_of(variant_id) == (10 if restock else 7)
    assert keripik.refund_amount == 45_000  # refunded either way


def test_a_partially_refunded_order_completes_when_the_other_parts_finish(app):
    order = paid_order()
    keripik, gula = order.seller_orders
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
    keripik, gula = order.seller_orders
    _to_status(keripik, SellerOrderStatus.COMPLETED)

    fulfilment.cancel_part(part=gula, member=gula.member, reason="Kurir tidak ada")
    db.session.commit()

    assert gula.refund_amount == 30_500
    assert order.status == OrderStatus.COMPLETED
    assert sum(balances("income").values()) == KERIPIK_COMMISSION + order.unique_code
    assert books_balance()


def test_an_unpaid_cash_part_cancelled_refunds_nothing(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.seller_orders
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
    keripik, gula = order.seller_orders
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    walk_to_dispatched(gula)
    fulfilment.complete(part=gula, member=gula.member, cash_received=30_500)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED and order.paid_at is not None
    assert sum(balances("income").values()) == GULA_COMMISSION
    assert books_balance()


# --- the shopper cancels; the expiry job --------------------------------------------


def test_the_shopper_cancels_a_cash_order_before_anyone_prepares_it(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.seller_orders
    sent_before = len(emails())

    fulfilment.cancel_order(order=order, by=order.buyer, reason="Salah pesan")
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "Salah pesan"
    assert [part.status for part in order.seller_orders] == [SellerOrderStatus.CANCELLED] * 2
    assert stock_of(keripik.lines[0].variant_id) == 10 and stock_of(gula.lines[0].variant_id) == 5
    assert emails()[sent_before:] == [
        (order.buyer.email, f"Pesanan {order.code} dibatalkan"),
        (keripik.member.user.email, f"Pesanan {order.code} dibatalkan pembeli"),
        (gula.member.user.email, f"Pesanan {order.code} dibatalkan pembeli"),
    ]
    assert balances() == {}


def test_a_cash_order_cannot_be_cancelled_by_the_shopper_once_a_member_started(app):
    order = two_part_order(payment_method="cash")
    gula = order.seller_orders[1]
    fulfilment.start_processing(part=gula, member=gula.member)
    db.session.commit()

    message = refused(
        lambda: fulfilment.cancel_order(order=order, by=order.buyer), InvalidTransition
    )

    assert message.startswith("Penjual sudah mulai menyiapkan pesanan ini.")
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("payment_method", ["bank_transfer", "cash"])
def test_nobody_else_cancels_a_shoppers_order(app, payment_method):
    order = two_part_order(payment_method=payment_method)
    stranger = shopper()
    db.session.commit()
    assert refused(lambda: fulfilment.cancel_order(order=order, by=stranger)) == (
        "Pesanan ini bukan milik Anda."
    )


def test_a_cancelled_order_cannot_be_cancelled_again(app):
    order = two_part_order()
    fulfilment.cancel_order(order=order, by=order.buyer)
    db.session.commit()
    message = refused(
        lambda: fulfilment.cancel_order(order=order, by=order.buyer), InvalidTransition
    )
    assert message == f"Pesanan {order.code} sudah dibatalkan."


def test_an_unpaid_transfer_past_its_deadline_expires_once(app):
    order = two_part_order()
    keripik, gula = order.seller_orders
    after = DEADLINE
    sent_before = len(emails())

    assert fulfilment.expire_order(order=order, now=after) is True
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Batas waktu pembayaran lewat."
    assert [part.status for part in order.seller_orders] == [SellerOrderStatus.CANCELLED] * 2
    assert stock_of(keripik.lines[0].variant_id) == 10 and stock_of(gula.lines[0].variant_id) == 5
    assert emails()[sent_before:] == [(order.buyer.email, f"Pesanan {order.code} dibatalkan")]

    before = (stock_of(keripik.lines[0].variant_id), len(emails()))
    assert fulfilment.expire_order(order=order, now=after + timedelta(days=1)) is False
    db.session.commit()
    assert (stock_of(keripik.lines[0].variant_id), len(emails())) == before


def _not_due(kind):
    if kind == "early":
        order = two_part_order()
        return order, DEADLINE - timedelta(seconds=1)
    if kind == "paid":
        order = paid_order()
    elif kind == "cancelled":
        order = two_part_order()
        fulfilment.cancel_order(order=order, by=order.buyer)
    else:
        order = two_part_order(payment_method="cash")
    db.session.commit()
    return order, DEADLINE + timedelta(days=7)


@pytest.mark.parametrize("kind", ["early", "paid", "cancelled", "cash"])
def test_only_a_due_unpaid_transfer_expires(app, kind):
    order, when = _not_due(kind)
    status = order.status
    before = state()
    assert fulfilment.expire_order(order=order, now=when) is False
    assert state() == before
    db.session.rollback()
    assert order.status == status


# --- refunds paid back -------------------------------------------------------------


def test_a_refund_is_paid_back_once(app):
    order = paid_order()
    keripik = order.seller_orders[0]
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    bendahara = treasurer()
    db.session.commit()

    fulfilment.mark_refund_paid(part=keripik, by=bendahara)
    db.session.commit()

    assert keripik.refund_paid_at is not None
    assert entries(f"seller-order:{keripik.id}:refund-paid") == {
        "payable:shopper-refunds": 45_000,
        "cash:bank": -45_000,
    }
    assert balance("payable:shopper-refunds") == 0
    assert balance("cash:bank") == order.total - 45_000
    assert (
        refused(lambda: fulfilment.mark_refund_paid(part=keripik, by=bendahara))
        == "Pengembalian dana ini sudah dicatat."
    )
    assert books_balance()


def test_nothing_to_pay_back_for_a_part_without_refund(app):
    order = paid_order()
    bendahara = treasurer()
    db.session.commit()
    assert (
        refused(lambda: fulfilment.mark_refund_paid(part=order.seller_orders[0], by=bendahara))
        == "Tidak ada dana yang perlu dikembalikan untuk bagian pesanan ini."
    )


# --- commission: exact, snapshotted, by the right rule, to the right funds -----------


@pytest.mark.parametrize(
    ("price", "quantity", "bps"),
    [
        (333, 3, 333),
        (12_345, 7, 250),
        (1, 1, 5_000),
        (99_999, 2, 1),
        (10, 3, 10_000),
        (4_999, 1, 0),
        (7, 11, 4_545),
    ],
)
def test_commission_and_member_share_add_up_to_each_line_exactly(app, price, quantity, bps):
    first = member(commission_bps=bps)
    second = member(kecamatan="wangon")  # the default rate, another chapter
    priced = variant(price=price, stock=50, member=first)
    plain = variant(price=price + 1, stock=50, member=second)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (priced, quantity), (plain, quantity)))
    db.session.commit()
    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
    db.session.commit()

    sale = entries(f"order:{order.id}:sale")
    for part in order.seller_orders:  # one line each: the part's postings are the line's
        (line,) = part.lines
        rate = bps if part.member_id == first.id else 500
        assert line.commission_rate_bps == rate
        assert line.commission == half_up(line.line_total, rate)
        assert 0 <= line.commission <= line.line_total
        member_share = -sale.get(pending_account(part.member_id), 0) - part.delivery_fee
        assert line.commission + member_share == line.line_total
    commission = -sum(v for code, v in sale.items() if code.startswith("income:commission:"))
    assert commission == sum(line.commission for line in db.session.scalars(select(OrderLine)))
    assert sale["cash:bank"] == order.total
    assert -sale.get("income:transfer-code", 0) == order.unique_code
    assert books_balance()


@pytest.mark.parametrize(
    "shares",
    [
        {"empowerment": 50, "central": 30, "kecamatan": 20},
        {"empowerment": 1, "central": 1, "kecamatan": 1},
        {"empowerment": 33, "central": 33, "kecamatan": 34},
        {"empowerment": 70, "central": 0, "kecamatan": 30},
    ],
)
@pytest.mark.parametrize("commission", [1, 2, 999, 1_001, 12_347])
def test_the_fund_split_adds_up_to_the_commission_exactly(make_app, shares, commission):
    app = make_app(COMMISSION_SHARES=shares, COMMISSION_DEFAULT_BPS=10_000)
    with app.app_context():
        seller = member(kecamatan="kembaran")
        # at 100 % the commission is the price
        sold = variant(price=commission, stock=3, member=seller)
        buyer = shopper()
        order = checkout(buyer, cart_with(buyer, (sold, 1)))
        db.session.commit()
        fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
        db.session.commit()

        sale = entries(f"order:{order.id}:sale")
        funds = {
            "empowerment": -sale.get("income:commission:empowerment", 0),
            "central": -sale.get("income:commission:central", 0),
            "kecamatan": -sale.get("income:commission:kecamatan:kembaran", 0),
        }
        assert sum(funds.values()) == commission == order.seller_orders[0].commission_total
        total_share = sum(shares.values())
        for fund, amount in funds.items():  # each within a rupiah of its exact share
            assert abs(Fraction(amount) - Fraction(commission * shares[fund], total_share)) < 1
        assert books_balance()


def test_the_kecamatan_fund_is_the_members_chapter(app):
    order = paid_order(
        first=member(kecamatan="wangon"), second=member(kecamatan="purwokerto-barat")
    )
    _keripik, gula = order.seller_orders
    assert balances("income:commission:kecamatan") == {
        "income:commission:kecamatan:wangon": 450,
        "income:commission:kecamatan:purwokerto-barat": 225,
    }
    # the shopper's own kecamatan (Sokaraja) earns nothing from it
    assert balance("income:commission:kecamatan:sokaraja") == 0
    fulfilment.cancel_part(part=gula, member=gula.member, reason="Habis")
    db.session.commit()
    assert balances("income:commission:kecamatan") == {
        "income:commission:kecamatan:wangon": 450,
        "income:commission:kecamatan:purwokerto-barat": 0,
    }


def test_commission_rate_is_the_members_else_the_categorys_else_the_default(app):
    kerajinan = factories.category("kerajinan")
    kerajinan.commission_bps = 300
    own_rate = member(commission_bps=1_000)
    plain = member()
    rated_craft = variant(price=10_000, stock=5, member=own_rate)
    rated_craft.product.category = kerajinan
    craft = variant(price=10_000, stock=5, member=plain)
    craft.product.category = kerajinan
    food = variant(price=10_000, stock=5, member=plain)  # makanan-minuman: no rate of its own
    buyer = shopper()
    checkout(buyer, cart_with(buyer, (rated_craft, 1), (craft, 1), (food, 1)))
    db.session.commit()

    rates = {
        line.variant_id: (line.commission_rate_bps, line.commission)
        for line in db.session.scalars(select(OrderLine))
    }
    assert rates == {
        rated_craft.id: (1_000, 1_000),  # the member's own rate wins over the category's
        craft.id: (300, 300),  # the category's rate
        food.id: (500, 500),  # the default (COMMISSION_DEFAULT_BPS)
    }


def test_rates_and_shares_changed_after_checkout_change_nothing(app):
    order = two_part_order()
    keripik, gula = order.seller_orders
    # The admin raises every rate, and the shares change, before the shopper pays.
    keripik.member.commission_bps = 2_000
    factories.category("makanan-minuman").commission_bps = 1_500
    current_app.config["COMMISSION_DEFAULT_BPS"] = 900
    current_app.config["COMMISSION_SHARES"] = {"empowerment": 10, "central": 10, "kecamatan": 80}
    db.session.commit()

    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    walk_to_dispatched(keripik)
    fulfilment.complete(part=keripik, member=keripik.member)
    fulfilment.cancel_part(part=gula, member=gula.member, reason="Habis")
    db.session.commit()

    assert keripik.commission_total == KERIPIK_COMMISSION
    assert balances("income:commission") == {
        "income:commission:empowerment": 1_125,
        "income:commission:central": 675,
        "income:commission:kecamatan:sokaraja": 450,
    }
    assert balance(available_account(keripik.member_id)) == 45_000 - KERIPIK_COMMISSION
    assert gula.refund_amount == 30_500
    assert books_balance()


def test_a_shopper_cancelling_a_cash_order_tells_only_the_members_still_preparing(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.seller_orders
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Tutup", restock=False)
    db.session.commit()
    sent_before = len(emails())

    fulfilment.cancel_order(order=order, by=order.buyer)
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED
    assert emails()[sent_before:] == [
        (order.buyer.email, f"Pesanan {order.code} dibatalkan"),
        (gula.member.user.email, f"Pesanan {order.code} dibatalkan pembeli"),
    ]
    # The part its member cancelled keeps its own choice: not restocked.
    assert stock_of(keripik.lines[0].variant_id) == 7 and stock_of(gula.lines[0].variant_id) == 5


def test_the_shopper_hears_when_the_refund_is_paid_back(app):
    order = paid_order()
    keripik = order.seller_orders[0]
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    db.session.commit()
    sent_before = len(emails())

    fulfilment.mark_refund_paid(part=keripik, by=treasurer())
    db.session.commit()

    assert emails()[sent_before:] == [
        (order.buyer.email, f"Dana pesanan {order.code} sudah dikembalikan")
    ]


def test_a_free_cash_part_completes_without_a_receipt_or_posting(app):
    seller = member(accepts_cash=True)
    sample = variant(price=0, stock=3, member=seller, name="Contoh")
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (sample, 1)), payment_method="cash")
    db.session.commit()
    part = order.seller_orders[0]
    walk_to_dispatched(part)

    fulfilment.complete(part=part, member=seller, cash_received=0)
    db.session.commit()

    assert order.status == OrderStatus.COMPLETED
    assert count(PaymentReceipt) == 0 and balances() == {}


def test_a_payment_dated_in_a_closed_month_posts_late_into_the_open_month(app):
    order = two_part_order()
    bendahara = treasurer()
    db.session.commit()
    close_month(month=date(2026, 2, 1), closed_by=bendahara)
    db.session.commit()

    fulfilment.confirm_transfer(
        order=order, amount=order.total, by=bendahara, now=datetime(2026, 2, 27, 3, 0, tzinfo=UTC)
    )
    db.session.commit()

    (sale,) = transactions_about("order", order.id)
    assert as_utc(sale.occurred_at) > datetime(2026, 3, 1, tzinfo=UTC)
    assert sale.memo.endswith("(terlambat: terjadi 27/02/2026, bukunya sudah ditutup)")
    facts = db.session.scalars(select(CommissionFact).where(CommissionFact.order_id == order.id))
    assert {fact.month for fact in facts} == {month_of(as_utc(sale.occurred_at))}
    assert balance("cash:bank") == order.total and problems() == []


def test_order_emails_share_the_layout_with_the_lines_and_a_button(app):
    order = paid_order()
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject == f"Pembayaran {order.code} diterima")
    ).one()
    public_url = current_app.config["PUBLIC_URL"]
    assert f'href="{public_url}/pesanan/{order.code}"' in email.body_html
    assert ">Lihat pesanan</a>" in email.body_html
    assert "(250 g) × 3: Rp45.000</li>" in email.body_html
    assert "Ongkos antar: Rp8.000" in email.body_html
    assert "Salam,<br>Pasar Aspikmas — Aspikmas Kabupaten Banyumas" in email.body_html
