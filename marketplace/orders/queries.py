"""Reads of orders: each returns a Select for the caller to run or paginate."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.members.models import Member, MemberStatus
from marketplace.orders.events import OrderEvent
from marketplace.orders.models import Cart, CartLine, Order, OrderPart
from marketplace.orders.status import OrderPartStatus, OrderStatus, PaymentMethod

# Orders waiting for the treasurer to see their transfer (Order.is_awaiting_transfer).
AWAITING_TRANSFER = (
    Order.status == OrderStatus.PENDING_PAYMENT,
    Order.payment_method == PaymentMethod.BANK_TRANSFER,
)


def orders_of_buyer(buyer_id: int) -> Select:
    return (
        select(Order)
        .where(Order.buyer_id == buyer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .options(selectinload(Order.parts).selectinload(OrderPart.member))
    )


def order_of_buyer(code: str, buyer_id: int) -> Select:
    """The buyer's order with this code; someone else's order is not found."""
    return (
        select(Order)
        .where(Order.code == code, Order.buyer_id == buyer_id)
        .options(
            joinedload(Order.kecamatan),
            selectinload(Order.parts).selectinload(OrderPart.lines),
            selectinload(Order.parts).selectinload(OrderPart.member),
        )
    )


def order_events(order_id: int) -> Select:
    """An order's history, oldest first, with who acted and their roles (the
    timeline names the association's people by role)."""
    return (
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id)
        .order_by(OrderEvent.occurred_at, OrderEvent.id)
        .options(selectinload(OrderEvent.actor).selectinload(User.role_rows))
    )


@cache
def last_order_of() -> Select:
    """The last order of `buyer_id` (bound): where it went is where the next
    one starts (its recipient, number, address and kecamatan). Built once,
    as every checkout page asks it."""
    return (
        select(Order)
        .where(Order.buyer_id == bindparam("buyer_id"))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .options(joinedload(Order.kecamatan))
        .limit(1)
    )


def expired_order_ids(now: datetime) -> Select:
    """Unpaid bank transfer and card orders whose deadline has passed, oldest
    first (a card order's Stripe session closed by then: its webhook, if it
    came, cancelled it already)."""
    return (
        select(Order.id)
        .where(
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.payment_method != PaymentMethod.CASH,
            Order.expires_at <= now,
        )
        .order_by(Order.expires_at, Order.id)
    )


# --- a member's parts (/kelola/pesanan) ----------------------------------------------


def _seen_by_member():
    """A member sees a part once there is something to do: a cash part from
    the start, a transfer part once the treasurer confirmed the payment (an
    unpaid transfer that expired or was cancelled never reached them)."""
    return (OrderPart.status != OrderPartStatus.AWAITING_PAYMENT) & (
        (Order.payment_method == PaymentMethod.CASH) | OrderPart.paid_at.is_not(None)
    )


def parts_of_member(member_id: int, statuses: Iterable[OrderPartStatus] = ()) -> Select:
    """The member's parts, newest order first, with their order and lines;
    only those in `statuses` when given."""
    statement = (
        select(OrderPart)
        .join(OrderPart.order)
        .where(OrderPart.member_id == member_id, _seen_by_member())
        .order_by(Order.placed_at.desc(), OrderPart.id.desc())
        .options(
            contains_eager(OrderPart.order).joinedload(Order.kecamatan),
            selectinload(OrderPart.lines),
        )
    )
    statuses = list(statuses)
    if statuses:
        statement = statement.where(OrderPart.status.in_(statuses))
    return statement


def part_counts_of_member(member_id: int) -> Select:
    """(status, how many) of the parts the member sees."""
    return (
        select(OrderPart.status, func.count(OrderPart.id))
        .join(OrderPart.order)
        .where(OrderPart.member_id == member_id, _seen_by_member())
        .group_by(OrderPart.status)
    )


def part_of_member(member_id: int, part_id: int) -> Select:
    """One of the member's parts with its order, lines and the buyer; anyone
    else's part (or one they cannot see yet) is not found."""
    return (
        select(OrderPart)
        .join(OrderPart.order)
        .where(OrderPart.id == part_id, OrderPart.member_id == member_id, _seen_by_member())
        .options(
            contains_eager(OrderPart.order).joinedload(Order.kecamatan),
            selectinload(OrderPart.lines),
        )
    )


def new_part_count(user_id: int) -> Select:
    """How many new parts wait for the member of this user (the nav badge)."""
    return (
        select(func.count(OrderPart.id))
        .join(Member, Member.id == OrderPart.member_id)
        .where(Member.user_id == user_id, OrderPart.status == OrderPartStatus.NEW)
    )


@cache
def top_bar() -> Select[tuple[int, MemberStatus | None]]:
    """The top bar's two facts about the logged-in user `user_id` (bound), in
    one statement: how many pieces their cart holds (the badge) and their
    membership's status (None: they never applied). Built once, as it runs
    on every page they open (see `accounts.sessions._live_login`)."""
    user_id: BindParameter[int] = bindparam("user_id")
    cart_pieces = (
        select(func.coalesce(func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user_id)
    )
    membership = select(Member.status).where(Member.user_id == user_id)
    return select(cart_pieces.scalar_subquery(), membership.scalar_subquery())
