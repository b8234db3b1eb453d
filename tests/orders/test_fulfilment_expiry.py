"""The expiry job (orders.fulfilment.expire_order): an unpaid bank transfer
past its deadline is cancelled once and its stock goes back; anything else
is left alone."""

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.status import (
    OrderPartStatus,
    OrderStatus,
)
from tests.orders.flows import (
    DEADLINE,
    emails,
    paid_order,
    state,
    two_part_order,
)
from tests.orders.helpers import stock_of

pytestmark = pytest.mark.usefixtures("app_context")


def test_an_unpaid_transfer_past_its_deadline_expires_once(app):
    order = two_part_order()
    keripik, gula = order.parts
    after = DEADLINE
    sent_before = len(emails())

    assert fulfilment.expire_order(order=order, now=after) is True
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Batas waktu pembayaran lewat."
    assert [part.status for part in order.parts] == [OrderPartStatus.CANCELLED] * 2
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
