"""What has happened to one member's part of an order, as steps the order
pages show (the shopper's and the member's): placed, paid, prepared, sent
or ready, completed, or cancelled with its reason and refund. Each step
that has happened is read from the order's events (`events`, queried by
`queries.order_events`), with its time and who did it ("oleh Bendahara
Sri", the member's shop, "pembeli", "sistem"); which steps lie ahead
follows the part's status. The order's own row gives only when it was
placed (not an event: checkout is no status change)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from marketplace.accounts.models import ROLE_LABELS, Role
from marketplace.core.money import format_rupiah
from marketplace.orders.events import OrderEvent
from marketplace.orders.models import OrderPart
from marketplace.orders.status import (
    DeliveryMethod,
    OrderEventKind,
    OrderPartStatus,
    PaymentMethod,
)

PREPARED = frozenset(
    {
        OrderPartStatus.PROCESSING,
        OrderPartStatus.SHIPPED,
        OrderPartStatus.READY_FOR_PICKUP,
        OrderPartStatus.COMPLETED,
    }
)
SENT = frozenset(
    {OrderPartStatus.SHIPPED, OrderPartStatus.READY_FOR_PICKUP, OrderPartStatus.COMPLETED}
)
DISPATCHED = frozenset({OrderEventKind.PART_SHIPPED, OrderEventKind.PART_READY_FOR_PICKUP})
# Who acts for the association, by the first role they hold in this order.
STAFF_ROLES = (Role.TREASURER, Role.ADMIN)


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    at: datetime | None = None
    note: str = ""
    tone: str = "success"  # success, danger (cancelled), warning (money still owed)
    by: str = ""  # who did it, for "oleh ..."; empty when nobody knows
    # Which step: placed, paid, processing, sent, completed, cancelled,
    # refunded (the member's WhatsApp message for it: orders.chat).
    key: str = ""


def who(event: OrderEvent, part: OrderPart) -> str:
    """Who did it, in the words of the order pages: the member by their shop,
    the shopper as "pembeli", the association's people by role and first
    name ("Bendahara Sri"), "sistem" for the jobs; "" when the event was
    recorded from older data that did not say."""
    actor = event.actor
    if actor is None:
        return "" if event.is_backfilled else "sistem"
    if actor.id == part.member.user_id:
        return part.member.shop_name
    if actor.id == part.order.buyer_id:
        return "pembeli"
    first_name = actor.name.split()[0] if actor.name.strip() else actor.name
    for role in STAFF_ROLES:
        if actor.has_role(role):
            return f"{ROLE_LABELS[role]} {first_name}"
    return first_name


def _refund(part: OrderPart, sent_back: OrderEvent | None) -> list[Step]:
    """The refund's step: sent back (by the treasurer, or to the card by
    Stripe), or still to come (again, when a card refund failed)."""
    if not part.refund_amount:
        return []
    amount = format_rupiah(part.refund_amount)
    card = part.order.payment_method == PaymentMethod.STRIPE
    if sent_back is not None and part.refund_paid_at is not None:
        return [
            Step(
                f"Dana {amount} sudah dikembalikan ke kartu lewat Stripe"
                if card
                else f"Dana {amount} sudah dikembalikan",
                True,
                sent_back.occurred_at,
                by="Stripe" if card and sent_back.actor_id is None else who(sent_back, part),
                key="refunded",
            )
        ]
    label = (
        f"Dana {amount} sedang dikembalikan ke kartu lewat Stripe"
        if card
        else f"Dana {amount} akan dikembalikan bendahara"
    )
    return [Step(label, False, tone="warning", key="refunded")]


def part_timeline(
    part: OrderPart, events: Iterable[OrderEvent], *, order_steps: bool = True
) -> list[Step]:
    """The steps of `part`, in order, from `events` (the order's; those of
    other parts are skipped); steps not reached yet have done=False.
    `order_steps=False` leaves out what the whole order shares (placed, and a
    transfer paid), for a page that shows them once above all its parts."""
    order = part.order
    status = OrderPartStatus(part.status)
    is_cash = order.payment_method == PaymentMethod.CASH
    # The latest of each kind (a kind happens once per part).
    seen = {event.kind: event for event in events if event.part_id == part.id}

    def step(
        key: str,
        label: str,
        kinds: Iterable[OrderEventKind],
        done: bool,
        *,
        note: str = "",
        tone: str = "success",
    ) -> Step:
        found = next((seen[kind] for kind in kinds if kind in seen), None)
        if found is None:
            return Step(label, done, note=note, tone=tone, key=key)
        return Step(
            label, done, found.occurred_at, note=note, tone=tone, by=who(found, part), key=key
        )

    steps: list[Step] = []
    if order_steps:
        steps.append(Step("Pesanan dibuat", True, order.placed_at, key="placed"))
        if not is_cash:
            paid = OrderEventKind.PART_PAID in seen
            steps.append(step("paid", order.payment_received, [OrderEventKind.PART_PAID], paid))
    if status == OrderPartStatus.CANCELLED:
        cancelled = seen.get(OrderEventKind.PART_CANCELLED)
        steps.append(
            step(
                "cancelled",
                "Dibatalkan",
                [OrderEventKind.PART_CANCELLED],
                True,
                note=cancelled.note if cancelled is not None else "",
                tone="danger",
            )
        )
        return steps + _refund(part, seen.get(OrderEventKind.REFUND_PAID))
    sent = "Diantar penjual" if part.delivery_method == DeliveryMethod.DELIVERY else "Siap diambil"
    steps += [
        step(
            "processing",
            "Disiapkan penjual",
            [OrderEventKind.PART_PROCESSING],
            status in PREPARED,
        ),
        step("sent", sent, DISPATCHED, status in SENT),
        step(
            "completed",
            "Selesai, tunai diterima penjual" if is_cash else "Selesai",
            [OrderEventKind.PART_COMPLETED],
            status == OrderPartStatus.COMPLETED,
        ),
    ]
    return steps
