import pytest

from marketplace.orders.models import Order, SellerOrder
from marketplace.orders.status import InvalidTransition, OrderStatus, SellerOrderStatus


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
    order.set_status(goal)
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
        order.set_status(goal)
    assert order.status == start


def test_seller_order_walks_to_completed_and_cannot_go_back():
    part = SellerOrder(status=SellerOrderStatus.AWAITING_PAYMENT)
    for step in ("new", "processing", "ready_for_pickup", "completed"):
        part.set_status(SellerOrderStatus(step))
    with pytest.raises(InvalidTransition):
        part.set_status(SellerOrderStatus.CANCELLED)
    shipped = SellerOrder(status=SellerOrderStatus.SHIPPED)
    with pytest.raises(InvalidTransition):
        shipped.set_status(SellerOrderStatus.CANCELLED)
