"""What has happened to one member's part of an order, as steps the order
pages show (the shopper's and the member's): placed, paid, prepared, sent
or ready, completed, or cancelled with its reason and refund. Built from
the part's own columns, each step with its time."""

from dataclasses import dataclass
from datetime import datetime

from marketplace.core.money import format_rupiah
from marketplace.orders.models import SellerOrder
from marketplace.orders.status import DeliveryMethod, PaymentMethod, SellerOrderStatus

PREPARED = frozenset(
    {
        SellerOrderStatus.PROCESSING,
        SellerOrderStatus.SHIPPED,
        SellerOrderStatus.READY_FOR_PICKUP,
        SellerOrderStatus.COMPLETED,
    }
)
SENT = frozenset(
    {SellerOrderStatus.SHIPPED, SellerOrderStatus.READY_FOR_PICKUP, SellerOrderStatus.COMPLETED}
)


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    at: datetime | None = None
    note: str = ""
    tone: str = "success"  # success, danger (cancelled), warning (money still owed)


def _refund(part: SellerOrder) -> list[Step]:
    if not part.refund_amount:
        return []
    amount = format_rupiah(part.refund_amount)
    if part.refund_paid_at is not None:
        return [Step(f"Dana {amount} sudah dikembalikan", True, part.refund_paid_at)]
    return [Step(f"Dana {amount} akan dikembalikan bendahara", False, tone="warning")]


def part_timeline(part: SellerOrder, *, order_steps: bool = True) -> list[Step]:
    """The steps of `part`, in order; those not reached yet have done=False.
    `order_steps=False` leaves out what the whole order shares (placed, and a
    transfer paid), for a page that shows them once above all its parts."""
    order = part.order
    status = SellerOrderStatus(part.status)
    is_cash = order.payment_method == PaymentMethod.CASH
    steps = []
    if order_steps:
        steps.append(Step("Pesanan dibuat", True, order.placed_at))
        if not is_cash:
            steps.append(
                Step("Pembayaran diterima bendahara", part.paid_at is not None, part.paid_at)
            )
    if status == SellerOrderStatus.CANCELLED:
        steps.append(
            Step("Dibatalkan", True, part.cancelled_at, note=part.cancel_reason, tone="danger")
        )
        return steps + _refund(part)
    sent = "Diantar penjual" if part.delivery_method == DeliveryMethod.DELIVERY else "Siap diambil"
    steps += [
        Step("Disiapkan penjual", status in PREPARED, part.processing_at),
        Step(sent, status in SENT, part.dispatched_at),
        Step(
            "Selesai, tunai diterima penjual" if is_cash else "Selesai",
            status == SellerOrderStatus.COMPLETED,
            part.completed_at,
        ),
    ]
    return steps
