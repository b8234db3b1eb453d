"""The shopper cancels their own unpaid order (orders.fulfilment): before a
member starts preparing it, once, and nobody else can; the stock goes back
and the members still preparing hear of it."""

import pytest

from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.orders import fulfilment
from marketplace.orders.status import (
    InvalidTransition,
    OrderPartStatus,
    OrderStatus,
)
from tests.orders.flows import (
    emails,
    refused,
    two_part_order,
)
from tests.orders.helpers import shopper, stock_of

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_shopper_cancels_a_cash_order_before_anyone_prepares_it(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
    sent_before = len(emails())

    fulfilment.cancel_order(order=order, by=order.buyer, reason="Salah pesan")
    db.session.commit()

    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "Salah pesan"
    assert [part.status for part in order.parts] == [OrderPartStatus.CANCELLED] * 2
    assert stock_of(keripik.lines[0].variant_id) == 10 and stock_of(gula.lines[0].variant_id) == 5
    assert emails()[sent_before:] == [
        (order.buyer.email, f"Pesanan {order.code} dibatalkan"),
        (keripik.member.user.email, f"Pesanan {order.code} dibatalkan pembeli"),
        (gula.member.user.email, f"Pesanan {order.code} dibatalkan pembeli"),
    ]
    assert balances() == {}


def test_a_cash_order_cannot_be_cancelled_by_the_shopper_once_a_member_started(app):
    order = two_part_order(payment_method="cash")
    gula = order.parts[1]
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


def test_a_shopper_cancelling_a_cash_order_tells_only_the_members_still_preparing(app):
    order = two_part_order(payment_method="cash")
    keripik, gula = order.parts
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
