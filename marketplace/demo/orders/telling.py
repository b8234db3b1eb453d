"""A story told through the services, each step at its time: the order is
placed, then the demo treasurer confirms its transfer and pays refunds
back, or Stripe's webhook pays a card order (`card.py`); members prepare,
ship or hand over their parts (taking the cash of cash orders) or cancel
them; the shopper cancels an unpaid order; the expiry job cancels an
overdue transfer."""

import heapq
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from functools import partial
from operator import itemgetter

from marketplace.core.clock import as_utc
from marketplace.demo.orders import card
from marketplace.demo.orders.cast import Cast
from marketplace.demo.orders.placing import place
from marketplace.demo.orders.stories import End, Goal, Story
from marketplace.orders import fulfilment, payables
from marketplace.orders.models import Order, OrderPart
from marketplace.payments import bank_transfer, cash

MEMBER_CANCEL_REASONS = (
    "Maaf, stok habis dan bahan baku baru datang minggu depan.",
    "Maaf, produksi libur karena ada hajatan keluarga.",
    "Pembeli minta dibatalkan lewat WhatsApp.",
    "Maaf, kami tidak bisa mengantar minggu ini; kendaraan sedang diperbaiki.",
)
SHOPPER_CANCEL_REASONS = ("Salah pilih varian.", "Jadi beli langsung di toko.", "")
TRANSFER_NOTES = ("Mutasi BRI", "Mutasi BNI", "Mutasi BRI, transfer dari Bank Jateng", "")


def tell_in_time_order(cast: Cast, stories: list[Story]) -> int:
    """Tell every story, the steps of all of them in the order of their
    times, as they would have happened: a transfer's unique code is drawn
    among the transfers awaiting at that moment, stock is taken day by day,
    and the ledger's postings come in date order. Returns how many orders
    were placed."""
    queue: list[tuple[datetime, int, Generator[datetime, None, Order | None]]] = []
    for number, story in enumerate(stories):
        steps = tell(cast, story)
        heapq.heappush(queue, (next(steps), number, steps))
    placed = 0
    while queue:
        _, number, steps = heapq.heappop(queue)
        try:
            heapq.heappush(queue, (next(steps), number, steps))
        except StopIteration as told:
            placed += told.value is not None
    return placed


def tell(cast: Cast, story: Story) -> Generator[datetime, None, Order | None]:
    """Place the story's order and take it as far as the story goes: yields
    the time of each step before taking it (`tell_in_time_order` runs the
    steps of all stories in time order); returns the order, or None when its
    shops cannot sell it (out of stock)."""
    rng, now = cast.rng, cast.now
    placed = _seconds(now - story.age)
    yield placed
    order = place(cast, story, placed)
    if order is None:
        return None
    span = now - placed
    if story.end == End.EXPIRES:
        expired = _seconds(as_utc(order.expires_at) + timedelta(minutes=rng.randint(3, 40)))
        yield expired
        fulfilment.expire_order(order=order, now=expired)
        return order
    if story.end == End.SHOPPER_CANCELS:
        cancelled = _seconds(placed + min(timedelta(minutes=rng.randint(10, 90)), span / 2))
        yield cancelled
        fulfilment.cancel_order(
            order=order, by=story.shopper, reason=rng.choice(SHOPPER_CANCEL_REASONS), now=cancelled
        )
        return order
    for moment, step in sorted(_steps(cast, story, order, placed), key=itemgetter(0)):
        yield moment
        step()
    return order


Step = tuple[datetime, Callable[[], object]]


def _steps(cast: Cast, story: Story, order: Order, placed: datetime) -> list[Step]:
    """The story's steps after checkout, each with its time: the transfer
    confirmed; each part cancelled (and its refund sent back) or prepared,
    sent and finished (and its money released after the hold)."""
    rng, now = cast.rng, cast.now
    span = now - placed
    paid = _seconds(placed + min(timedelta(hours=rng.uniform(0.5, 6)), span / 5))
    pace = story.pace or timedelta(days=rng.uniform(0.5, 4))
    done = _seconds(paid + min(pace, (now - paid) * 0.7))
    cancelled = _seconds(paid + (done - paid) * rng.uniform(0.2, 0.6))
    refunded = _seconds(
        cancelled
        + min(timedelta(days=rng.uniform(1, 5)), (now - cancelled) * rng.uniform(0.3, 0.8))
    )
    steps: list[Step] = []
    if story.card:
        card.open_session(order, rng)  # the shopper went to Stripe's page
        if any(part.goal != Goal.UNPAID for part in story.parts):
            steps.append((paid, partial(card.pay, order, rng, paid)))
    elif not story.cash and any(part.goal != Goal.UNPAID for part in story.parts):
        note = rng.choice(TRANSFER_NOTES)
        steps.append(
            (
                paid,
                partial(
                    bank_transfer.confirm,
                    order=order,
                    amount=order.total,
                    by=cast.treasurer,
                    note=note,
                    now=paid,
                ),
            )
        )
    parts = {part.member_id: part for part in order.parts}
    for step in story.parts:
        part, member = parts[step.member.id], step.member
        if step.goal == Goal.CANCELLED:
            steps.append(
                (
                    cancelled,
                    partial(
                        fulfilment.cancel_part,
                        part=part,
                        member=member,
                        reason=rng.choice(MEMBER_CANCEL_REASONS),
                        restock=rng.random() < 0.7,
                        now=cancelled,
                    ),
                )
            )
            if story.refund_paid:
                steps.append((refunded, partial(_send_refund_back, cast, part, refunded)))
            continue
        if step.goal.value >= Goal.PROCESSING.value:
            moment = _seconds(paid + (done - paid) * 0.2)
            steps.append(
                (moment, partial(fulfilment.start_processing, part=part, member=member, now=moment))
            )
        if step.goal.value >= Goal.DISPATCHED.value:
            moment = _seconds(paid + (done - paid) * 0.7)
            steps.append(
                (moment, partial(fulfilment.dispatch, part=part, member=member, now=moment))
            )
        if step.goal == Goal.COMPLETED:
            steps.append(
                (
                    done,
                    partial(
                        cash.confirm,
                        order=order,
                        part=part,
                        amount=part.total,
                        by=member.user,
                        now=done,
                    )
                    if story.cash
                    else partial(
                        fulfilment.complete,
                        part=part,
                        member=member,
                        hold_days=cast.hold_days,
                        now=done,
                    ),
                )
            )
            released = done + timedelta(days=cast.hold_days)
            if cast.hold_days > 0 and released <= now:
                steps.append((released, partial(payables.release_payable, part=part, now=released)))
    return steps


def _send_refund_back(cast: Cast, part: OrderPart, when: datetime) -> None:
    if part.refund_amount:
        fulfilment.mark_refund_paid(part=part, by=cast.treasurer, now=when)


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
