"""What happens to each order of the demo. Every order is a `Story`: who
buys from which members, how it is paid, how long ago it was placed, and
how far each member's part gets. The stories the demo logins need are
written out (`written_stories`); more orders, for busier shops and
histories, are drawn from the cast's random stream (`drawn_stories`)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from marketplace.accounts.models import User
from marketplace.core.clock import WIB, as_utc
from marketplace.demo.orders.cast import Cast
from marketplace.members.models import Member


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
    card: bool = False  # paid by card through Stripe (never cash)
    # From payment to completion (a cancellation falls 20-60 % of the way); None: 0.5-4 days.
    pace: timedelta | None = None


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
        Goal.UNPAID,
        Goal.NEW,
        Goal.PROCESSING,
        Goal.DISPATCHED,
        Goal.COMPLETED,
        Goal.CANCELLED,
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
        card: bool = False,
    ) -> None:
        """One story; parts without a member (no shop fits) are left out."""
        found = tuple(Part(m, goal, delivery) for m, goal, delivery in parts if m is not None)
        if found:
            stories.append(Story(buyer, found, age, cash, end, refund_paid, card=card))

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

    # Card payments through Stripe (its webhook paid them, its fee posted):
    # the demo shopper's on its way, a new one for the demo member's shop,
    # finished ones of two shops, and one still on Stripe's payment page.
    add(me, [(shop, D, True)], timedelta(days=1, hours=6), card=True)
    add(anyone(), [(shop, N, False)], timedelta(hours=hours * 0.2), card=True)
    buyer = anyone()
    first = seller(buyer)
    add(buyer, [(first, C, False), (seller(buyer, besides=(first,)), C, False)],
        timedelta(days=10), card=True)
    buyer = anyone()
    add(buyer, [(seller(buyer), C, False)], timedelta(days=23), card=True)
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(hours=hours * 0.05), card=True)
    # fmt: on
    return stories


def drawn_stories(cast: Cast, *, scale: float = 1.0) -> list[Story]:
    """About fourteen months of orders ending now, for the histories, the
    busier shops and the treasurer's charts: each month's count follows
    `monthly_orders` (times `scale`: a demo with fewer members sells less),
    from members approved by then. Older ones mostly finished, a few
    cancelled, expired or refunded; recent ones still on their way. One
    refund comes in the month after its sale, as refunds do."""
    rng = cast.rng
    stories = []
    first = _months_back(month_start(cast.now), HISTORY_MONTHS - 1)
    for start in _months(first, cast.now):
        end = min(_next(start), cast.now - timedelta(hours=6))
        share = max(end - start, timedelta(0)) / (_next(start) - start)  # this month: so far
        for _ in range(round(monthly_orders(start, first) * scale * share)):
            placed = start + (end - start) * rng.random()
            story = _drawn_story(cast, cast.now - placed)
            if story is not None:
                stories.append(story)
    late = _refund_next_month(cast, _months_back(month_start(cast.now), 4))
    if late is not None:
        stories.append(late)
    return stories


def _drawn_story(cast: Cast, age: timedelta) -> Story | None:
    rng = cast.rng
    placed = cast.now - age
    buyer = cast.demo_shopper if rng.random() < 0.08 else rng.choice(cast.others())
    cash = rng.random() < 0.25
    own = cast.member.approved_at is not None and as_utc(cast.member.approved_at) <= placed
    first: Member | None
    if own and rng.random() < 0.12:
        first = cast.member
    else:
        first = cast.seller(buyer, cash=cash, at=placed)
    members: list[Member | None] = [first]
    if rng.random() < 0.3:
        members.append(cast.seller(buyer, cash=cash, besides=(first,), at=placed))
    found = [m for m in members if m is not None]
    if not found:
        return None
    draw = rng.random()
    end = End.LIVE
    if age > timedelta(days=7):
        goals = [Goal.COMPLETED] * len(found)
        if draw < 0.05:
            end = End.SHOPPER_CANCELS
        elif draw < 0.11 and not cash:
            end = End.EXPIRES
        elif draw < 0.15:
            goals[0] = Goal.CANCELLED
    else:
        goals = [
            rng.choice((Goal.NEW, Goal.PROCESSING, Goal.DISPATCHED, Goal.COMPLETED)) for _ in found
        ]
    return Story(
        shopper=buyer,
        parts=tuple(
            Part(m, goal, delivery=rng.random() < 0.5) for m, goal in zip(found, goals, strict=True)
        ),
        age=age,
        cash=cash,
        end=end,
        # Old refunds have all been sent back; some recent ones are still owed.
        refund_paid=age > timedelta(days=30) or rng.random() < 0.6,
    )


def _refund_next_month(cast: Cast, month: datetime) -> Story | None:
    """A transfer paid on the last evening of `month` whose member cancels
    two days later: the sale is in `month`, its refund in the next."""
    placed = _next(month) - timedelta(hours=5)
    buyer = cast.rng.choice(cast.others())
    member = cast.seller(buyer, at=placed)
    if member is None:
        return None
    return Story(
        shopper=buyer,
        parts=(Part(member, Goal.CANCELLED),),
        age=cast.now - placed,
        refund_paid=True,
        pace=timedelta(days=8),
    )


# --- the shape of the year -----------------------------------------------------------

HISTORY_MONTHS = 14
BUSIEST_MONTH = 28  # orders in a month with no festival, at the end of the history
# Idul Fitri (Lebaran): the month before it (Ramadan) and the month of it are the
# busiest of the year for kue kering, sirup and hampers.
LEBARAN = {
    2024: date(2024, 4, 10),
    2025: date(2025, 3, 31),
    2026: date(2026, 3, 20),
    2027: date(2027, 3, 10),
    2028: date(2028, 2, 27),
    2029: date(2029, 2, 14),
    2030: date(2030, 2, 4),
}
RAMADAN = timedelta(days=30)


def season(month: datetime) -> float:
    """How busy a calendar month is against an ordinary one: Ramadan and
    Lebaran, then the year end (Christmas, New Year and school holidays)."""
    lebaran = LEBARAN.get(month.year)
    if lebaran is not None and (lebaran.year, lebaran.month) == (month.year, month.month):
        return 1.9
    if lebaran is not None:
        fast = lebaran - RAMADAN
        if (fast.year, fast.month) == (month.year, month.month):
            return 1.4
    return {12: 1.5, 11: 1.1, 1: 0.85}.get(month.month, 1.0)


def monthly_orders(month: datetime, first: datetime) -> float:
    """Orders to draw in `month` (its first moment): the shop grows from
    about a third of its size at `first` to all of it, times the season."""
    months = (month.year - first.year) * 12 + month.month - first.month
    growth = 0.35 + 0.65 * months / (HISTORY_MONTHS - 1)
    return BUSIEST_MONTH * growth * season(month)


def month_start(moment: datetime) -> datetime:
    """The first moment of the Banyumas month `moment` falls in, in WIB
    (so that its `month` is the Banyumas month)."""
    local = moment.astimezone(WIB)
    return datetime(local.year, local.month, 1, tzinfo=WIB)


def _next(start: datetime) -> datetime:
    local = start.astimezone(WIB)
    year, month = local.year + local.month // 12, local.month % 12 + 1
    return datetime(year, month, 1, tzinfo=WIB)


def _months_back(start: datetime, count: int) -> datetime:
    local = start.astimezone(WIB)
    index = local.year * 12 + local.month - 1 - count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=WIB)


def _months(first: datetime, until: datetime) -> list[datetime]:
    months = []
    while first < until:
        months.append(first)
        first = _next(first)
    return months
