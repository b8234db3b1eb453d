"""Reads of orders: each returns a Select for the caller to run or paginate."""

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from marketplace.orders.models import Order, SellerOrder


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
