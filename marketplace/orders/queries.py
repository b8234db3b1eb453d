"""Reads of orders: each returns a Select for the caller to run or paginate."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from marketplace.orders.models import Order, OrderStatus, PaymentMethod, SellerOrder


def orders_of_buyer(buyer_id: int) -> Select:
    return (
        select(Order)
        .where(Order.buyer_id == buyer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .options(selectinload(Order.seller_orders).selectinload(SellerOrder.member))
    )


def order_of_buyer(code: str, buyer_id: int) -> Select:
    """The buyer's order with this code; someone else's order is not found."""
    return (
        select(Order)
        .where(Order.code == code, Order.buyer_id == buyer_id)
        .options(
            selectinload(Order.seller_orders).selectinload(SellerOrder.lines),
            selectinload(Order.seller_orders).selectinload(SellerOrder.member),
        )
    )


def last_kecamatan_id(buyer_id: int) -> Select:
    """Where the buyer's last order went: the default for the next one."""
    return (
        select(Order.kecamatan_id)
        .where(Order.buyer_id == buyer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(1)
    )


def expired_order_ids(now: datetime) -> Select:
    """Unpaid bank transfers whose deadline has passed, oldest first."""
    return (
        select(Order.id)
        .where(
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
            Order.expires_at <= now,
        )
        .order_by(Order.expires_at, Order.id)
    )
