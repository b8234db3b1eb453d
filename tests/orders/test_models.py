from datetime import UTC, datetime

import pytest

from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import InvalidTransition, OrderPartStatus, OrderStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "goal"),
    [
        (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID),
        (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED),
        (OrderStatus.PAID, OrderStatus.COMPLETED),
        (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED),
    ],
)
def test_order_allowed_transitions(start, goal):
    order = Order(status=start)
    order.set_status(goal, by=None, at=NOW)
    assert order.status == goal


@pytest.mark.parametrize(
    ("start", "goal"),
    [
        (OrderStatus.PAID, OrderStatus.CANCELLED),
        (OrderStatus.CANCELLED, OrderStatus.PAID),
        (OrderStatus.COMPLETED, OrderStatus.PENDING_PAYMENT),
    ],
)
def test_order_refused_transitions_say_why_in_indonesian(start, goal):
    order = Order(status=start)
    with pytest.raises(InvalidTransition, match="Status tidak bisa diubah"):
        order.set_status(goal, by=None, at=NOW)
    assert order.status == start


def test_part_walks_to_completed_and_cannot_go_back():
    part = OrderPart(status=OrderPartStatus.AWAITING_PAYMENT)
    for step in ("new", "processing", "ready_for_pickup", "completed"):
        part.set_status(OrderPartStatus(step), by=None, at=NOW)
    with pytest.raises(InvalidTransition, match="Pesanan ini selesai; tidak bisa diubah"):
        part.set_status(OrderPartStatus.CANCELLED, by=None, at=NOW)
    shipped = OrderPart(status=OrderPartStatus.SHIPPED)
    with pytest.raises(InvalidTransition):
        shipped.set_status(OrderPartStatus.CANCELLED, by=None, at=NOW)
