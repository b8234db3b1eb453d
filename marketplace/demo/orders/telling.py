"""A story told through the services, each step at its time: the order is
placed, then the demo treasurer confirms its transfer and pays refunds
back; members prepare, ship or hand over their parts (taking the cash of
cash orders) or cancel them; the shopper cancels an unpaid order; the
expiry job cancels an overdue transfer."""

from datetime import datetime, timedelta

from marketplace.demo.orders.cast import Cast
from marketplace.demo.orders.placing import place
from marketplace.demo.orders.stories import End, Goal, Story
from marketplace.orders import fulfilment
from marketplace.orders.models import Order

MEMBER_CANCEL_REASONS = (
    "Maaf, stok habis dan bahan baku baru datang minggu depan.",
    "Maaf, produksi libur karena ada hajatan keluarga.",
    "Pembeli minta dibatalkan lewat WhatsApp.",
    "Maaf, kami tidak bisa mengantar minggu ini; kendaraan sedang diperbaiki.",
)
SHOPPER_CANCEL_REASONS = ("Salah pilih varian.", "Jadi beli langsung di toko.", "")
TRANSFER_NOTES = ("Mutasi BRI", "Mutasi BNI", "Mutasi BRI, transfer dari Bank Jateng", "")


def tell(cast: Cast, story: Story) -> Order | None:
    """Place the story's order and take it as far as the story goes, each
    step at its time; None when its shops cannot sell it (out of stock)."""
    rng, now = cast.rng, cast.now
    placed = _seconds(now - story.age)
    order = place(cast, story, placed)
    if order is None:
        return None
    span = now - placed
    if story.end == End.EXPIRES:
        fulfilment.expire_order(
            order=order, now=order.expires_at + timedelta(minutes=rng.randint(3, 40))
        )
        return order
    if story.end == End.SHOPPER_CANCELS:
        fulfilment.cancel_order(
            order=order,
            by=story.shopper,
            reason=rng.choice(SHOPPER_CANCEL_REASONS),
            now=_seconds(placed + min(timedelta(minutes=rng.randint(10, 90)), span / 2)),
        )
        return order

    paid = _seconds(placed + min(timedelta(hours=rng.uniform(0.5, 6)), span / 5))
    done = _seconds(paid + min(timedelta(days=rng.uniform(0.5, 4)), (now - paid) * 0.7))
    cancelled = _seconds(paid + (done - paid) * rng.uniform(0.2, 0.6))
    refunded = _seconds(cancelled + (now - cancelled) * rng.uniform(0.3, 0.8))
    if not story.cash and any(part.goal != Goal.UNPAID for part in story.parts):
        fulfilment.confirm_transfer(
            order=order,
            amount=order.total,
            by=cast.treasurer,
            note=rng.choice(TRANSFER_NOTES),
            now=paid,
        )
    parts = {part.member_id: part for part in order.seller_orders}
    # Cancellations first: a part refunded while another is still open
    # leaves the order partially refunded.
    for step in sorted(story.parts, key=lambda part: part.goal != Goal.CANCELLED):
        part = parts[step.member.id]
        if step.goal == Goal.CANCELLED:
            fulfilment.cancel_part(
                part=part,
                member=step.member,
                reason=rng.choice(MEMBER_CANCEL_REASONS),
                restock=rng.random() < 0.7,
                now=cancelled,
            )
            if story.refund_paid and part.refund_amount:
                fulfilment.mark_refund_paid(part=part, by=cast.treasurer, now=refunded)
            continue
        if step.goal.value >= Goal.PROCESSING.value:
            fulfilment.start_processing(part=part, member=step.member)
        if step.goal.value >= Goal.DISPATCHED.value:
            fulfilment.dispatch(part=part, member=step.member)
        if step.goal == Goal.COMPLETED:
            fulfilment.complete(
                part=part,
                member=step.member,
                hold_days=cast.hold_days,
                cash_received=part.total if story.cash else None,
                now=done,
            )
    return order


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
