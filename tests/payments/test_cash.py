"""The cash provider (payments.cash): the member's completion with the cash
taken writes the receipt `part:<id>` in the same transaction as the order's
side (`fulfilment.complete`); a refusal writes neither. The whole flow's
rules are in tests/orders/test_fulfilment_member.py."""

import pytest

from marketplace.extensions import db
from marketplace.orders.fulfilment import NotYours, PaymentMismatch
from marketplace.orders.status import InvalidTransition, OrderPartStatus
from marketplace.payments import cash
from marketplace.payments.errors import PaymentError
from marketplace.payments.models import PaymentReceipt
from tests.orders.flows import count, refused, treasurer, two_part_order, walk_to_dispatched

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_receipt_is_written_with_the_completion(app):
    order = two_part_order(payment_method="cash")
    keripik = order.parts[0]
    walk_to_dispatched(keripik)

    receipt = cash.confirm(order=order, part=keripik, amount=45_000, by=keripik.member.user)
    db.session.commit()

    assert keripik.status == OrderPartStatus.COMPLETED and keripik.paid_at is not None
    assert receipt is not None and receipt.key == f"part:{keripik.id}"
    assert count(PaymentReceipt) == 1


def test_a_wrong_amount_completes_nothing_and_writes_no_receipt(app):
    order = two_part_order(payment_method="cash")
    keripik = order.parts[0]
    walk_to_dispatched(keripik)
    refused(
        lambda: cash.confirm(order=order, part=keripik, amount=44_999, by=keripik.member.user),
        PaymentMismatch,
    )
    assert keripik.status == OrderPartStatus.READY_FOR_PICKUP  # picked up: not completed


def test_only_the_parts_own_member_takes_its_cash(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    walk_to_dispatched(keripik)
    refused(
        lambda: cash.confirm(order=order, part=keripik, amount=45_000, by=gula.member.user),
        NotYours,
    )
    refused(
        lambda: cash.confirm(order=order, part=keripik, amount=45_000, by=treasurer()), NotYours
    )


def test_cash_is_taken_for_a_part_of_a_cash_order(app):
    order = two_part_order(payment_method="cash")
    keripik = order.parts[0]
    with pytest.raises(PaymentError):
        cash.confirm(order=order, amount=75_500, by=keripik.member.user)
    transfer = two_part_order()
    part = transfer.parts[0]
    refused(
        lambda: cash.confirm(order=transfer, part=part, amount=part.total, by=part.member.user),
        InvalidTransition,
    )
    assert count(PaymentReceipt) == 0
