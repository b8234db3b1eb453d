"""What happens to each order of the demo. Every order is a `Story`: who
buys from which members, how it is paid, how long ago it was placed, and
how far each member's part gets. The stories the demo logins need are
written out (`written_stories`); more orders, for busier shops and
histories, are drawn from the cast's random stream (`drawn_stories`)."""

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from marketplace.accounts.models import User
from marketplace.demo.orders.cast import Cast
from marketplace.members.models import Member

DRAWN_ORDERS = 34


class Goal(Enum):
    """How far one member's part of an order gets."""

    UNPAID = 0  # a transfer nobody confirmed (a cash part is `new` already)
    NEW = 1
    PROCESSING = 2
    DISPATCHED = 3  # shipped (delivery) or ready for pickup
    COMPLETED = 4
    CANCELLED = 5  # by the member; refunded when it was paid


class End(Enum):
    """What happens to the order as a whole."""

    LIVE = "live"  # its parts follow their goals
    SHOPPER_CANCELS = "shopper cancels"  # before paying (cash: before preparation)
    EXPIRES = "expires"  # a transfer past its deadline, cancelled by the job


@dataclass(frozen=True)
class Part:
    member: Member
    goal: Goal
    delivery: bool = False  # delivered when the member delivers there, else picked up


@dataclass(frozen=True)
class Story:
    shopper: User
    parts: tuple[Part, ...]
    age: timedelta  # placed this long before `now`
    cash: bool = False
    end: End = End.LIVE
    refund_paid: bool = False  # the treasurer has sent the refunds back


def written_stories(cast: Cast) -> list[Story]:
    """The orders the demo logins need: the demo shopper's in several
    states; the demo member's parts in every tab of their fulfilment page;
    transfers awaiting the treasurer and refunds owed; every status of an
    order and of a part."""
    hours = cast.rules.payment_hours
    me, shop = cast.demo_shopper, cast.member
    seller = cast.seller
    # The goals, short, for the table below.
    U, N, P, D, C, X = (
        Goal.UNPAID, Goal.NEW, Goal.PROCESSING, Goal.DISPATCHED, Goal.COMPLETED, Goal.CANCELLED
    )
    stories: list[Story] = []

    def add(
        buyer: User,
        parts: list[tuple[Member | None, Goal, bool]],
        age: timedelta,
        *,
        cash: bool = False,
        end: End = End.LIVE,
        refund_paid: bool = False,
    ) -> None:
        """One story; parts without a member (no shop fits) are left out."""
        found = tuple(Part(m, goal, delivery) for m, goal, delivery in parts if m is not None)
        if found:
            stories.append(Story(buyer, found, age, cash, end, refund_paid))

    def anyone(near: Member | None = None) -> User:
        """Another shopper; one `near` delivers to, when there is one."""
        others = cast.others()
        if near is not None:
            others = [o for o in others if cast.delivers_to(near, o)] or others
        return cast.rng.choice(others)

    # fmt: off
    # The demo shopper: awaiting a transfer (fresh and overdue), on its way,
    # finished (transfer and cash), cancelled, expired, partly refunded, cash.
    add(me, [(shop, U, False), (seller(me), U, False)], timedelta(hours=hours * 0.1))
    add(me, [(seller(me), U, False)], timedelta(hours=hours + 5))
    add(me, [(shop, D, True)], timedelta(days=2, hours=3))
    add(me, [(shop, C, False), (seller(me, delivering=True), C, True)], timedelta(days=19))
    add(me, [(seller(me, cash=True), C, False)], timedelta(days=41), cash=True)
    add(me, [(seller(me), U, False)], timedelta(days=9, hours=2), end=End.SHOPPER_CANCELS)
    add(me, [(seller(me), U, False)], timedelta(days=14, hours=5), end=End.EXPIRES)
    add(me, [(shop, P, False), (seller(me), X, False)], timedelta(days=4, hours=1))
    add(me, [(shop, N, False)], timedelta(hours=20), cash=True)

    # The demo member's shop: parts in every tab (new, processing, shipped,
    # ready for pickup, finished, cancelled), paid by transfer and in cash.
    add(anyone(), [(shop, N, False)], timedelta(hours=hours * 0.6))
    buyer = anyone()
    add(buyer, [(shop, N, True), (seller(buyer), P, False)], timedelta(days=1, hours=2))
    add(anyone(), [(shop, D, False)], timedelta(days=1, hours=8))
    add(anyone(), [(shop, P, False)], timedelta(days=2, hours=4), cash=True)
    add(anyone(near=shop), [(shop, D, True)], timedelta(days=3), cash=True)
    add(anyone(), [(shop, X, False)], timedelta(days=8), refund_paid=True)
    add(anyone(near=shop), [(shop, C, True)], timedelta(days=12), cash=True)
    add(anyone(), [(shop, C, False)], timedelta(days=26))
    buyer = anyone()
    add(buyer, [(shop, C, False), (seller(buyer), C, False)], timedelta(days=33))

    # The treasurer: transfers to confirm (one more overdue, for `flask
    # orders expire-unpaid`), refunds owed and refunds paid back.
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(hours=hours * 0.25))
    buyer = anyone()
    first = seller(buyer)
    add(buyer, [(first, U, False), (seller(buyer, besides=(first,)), U, False)],
        timedelta(hours=hours * 0.4))
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(hours=hours + 2))
    buyer = anyone()
    add(buyer, [(seller(buyer), X, False)], timedelta(days=5, hours=4))
    buyer = anyone()
    first = seller(buyer)
    add(buyer, [(first, X, False), (seller(buyer, besides=(first,)), D, False)],
        timedelta(days=6), refund_paid=True)
    buyer = anyone()
    add(buyer, [(seller(buyer), X, False)], timedelta(days=16), refund_paid=True)

    # Cash orders a member turns back or the shopper cancels; an old expiry.
    buyer = anyone()
    add(buyer, [(seller(buyer, cash=True), X, False)], timedelta(days=3, hours=5), cash=True)
    buyer = anyone()
    add(buyer, [(seller(buyer, cash=True), N, False)], timedelta(days=2), cash=True,
        end=End.SHOPPER_CANCELS)
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(days=21), end=End.EXPIRES)
    # fmt: on
    return stories


def drawn_stories(cast: Cast, count: int) -> list[Story]:
    """More orders over the last ten weeks, for the histories and the busier
    shops: older ones mostly finished, recent ones still on their way."""
    rng = cast.rng
    stories = []
    for _ in range(count):
        buyer = cast.demo_shopper if rng.random() < 0.08 else rng.choice(cast.others())
        age = timedelta(days=rng.uniform(2, 70), hours=rng.uniform(0, 23))
        cash = rng.random() < 0.25
        first = cast.member if rng.random() < 0.15 else cast.seller(buyer, cash=cash)
        members = [first]
        if rng.random() < 0.3:
            members.append(cast.seller(buyer, cash=cash, besides=(first,)))
        found = [m for m in members if m is not None]
        if not found:
            continue
        draw = rng.random()
        end = End.LIVE
        if age > timedelta(days=7):
            goals = [Goal.COMPLETED] * len(found)
            if draw < 0.06:
                end = End.SHOPPER_CANCELS
            elif draw < 0.13 and not cash:
                end = End.EXPIRES
            elif draw < 0.18:
                goals[0] = Goal.CANCELLED
        else:
            goals = [
                rng.choice((Goal.NEW, Goal.PROCESSING, Goal.DISPATCHED, Goal.COMPLETED))
                for _ in found
            ]
        stories.append(
            Story(
                shopper=buyer,
                parts=tuple(
                    Part(m, goal, delivery=rng.random() < 0.5) for m, goal in zip(found, goals)
                ),
                age=age,
                cash=cash,
                end=end,
                refund_paid=rng.random() < 0.7,
            )
        )
    return stories
