"""The bank-transfer provider (payments.bank_transfer): the treasurer's
confirmation checks the amount, writes the receipt and has orders mark the
order paid (`fulfilment.mark_paid`, which knows nothing of receipts). A
refused confirmation writes nothing. The whole flow's rules are in
tests/orders/test_fulfilment_treasurer.py."""

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import PaymentMismatch
from marketplace.orders.status import InvalidTransition, OrderStatus, PaymentMethod
from marketplace.payments import bank_transfer
from marketplace.payments.models import PaymentReceipt
from tests.orders.flows import MONDAY, count, is_posted, refused, treasurer, two_part_order

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_exact_total_pays_the_order_and_writes_one_receipt(app):
    order = two_part_order()
    bendahara = treasurer()

    receipt = bank_transfer.confirm(
        order=order, amount=order.total, by=bendahara, note="  BRI 2 Maret  ", now=MONDAY
    )
    db.session.commit()

    assert order.status == OrderStatus.PAID
    assert db.session.scalars(select(PaymentReceipt)).one() is receipt
    assert (receipt.key, receipt.part_id, receipt.method, receipt.amount, receipt.note) == (
        f"order:{order.id}",
        None,
        PaymentMethod.BANK_TRANSFER,
        order.total,
        "BRI 2 Maret",
    )
    assert receipt.recorded_by_id == bendahara.id
    assert is_posted(f"order:{order.id}:sale")
    assert count(AuditEvent) == 1


@pytest.mark.parametrize("off_by", [-1, 1, -2_000])
def test_a_wrong_amount_writes_nothing(app, off_by):
    order = two_part_order()

    message = refused(
        lambda: bank_transfer.confirm(
            order=order, amount=order.total + off_by, by=treasurer(), now=MONDAY
        ),
        PaymentMismatch,
    )

    assert "Pesanan tidak ditandai lunas" in message
    assert count(PaymentReceipt) == 0 and count(AuditEvent) == 0
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not is_posted(f"order:{order.id}:sale")


def test_a_transfer_pays_the_whole_order_not_a_part(app):
    order = two_part_order()
    refused(
        lambda: bank_transfer.confirm(
            order=order, amount=order.total, by=treasurer(), part=order.parts[0]
        ),
        InvalidTransition,
    )
    assert count(PaymentReceipt) == 0


@pytest.mark.parametrize("method", [PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER])
def test_orders_mark_paid_only_by_the_orders_own_non_cash_method(app, method):
    """`mark_paid` is the orders' side: a cash order is paid part by part on
    handover, and a provider may not pay an order chosen for another."""
    order = two_part_order(
        payment_method="cash" if method == PaymentMethod.BANK_TRANSFER else "bank_transfer"
    )
    refused(
        lambda: fulfilment.mark_paid(order=order, by=treasurer(), method=method, now=MONDAY),
        InvalidTransition,
    )
