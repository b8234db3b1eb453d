"""Cash on pickup or delivery: the shopper pays the member on handover, and
the member confirms the cash taken (exactly their part's total) as they
complete the part. The receipt is this module's; the order's side (the part
paid and completed, the order following its parts, the commission the
member now owes) is `orders.fulfilment.complete`, in the same transaction:
both are written or neither."""

from datetime import UTC, datetime

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import REASON_LENGTH, NotYours
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import flush_change
from marketplace.orders.status import InvalidTransition, PaymentMethod
from marketplace.payments.errors import PaymentError, RefundNotSupported
from marketplace.payments.models import PaymentReceipt

METHOD = PaymentMethod.CASH


def start(*, order: Order) -> str | None:
    """Nothing to send the shopper to: they pay the member on handover."""
    return None


def confirm(
    *,
    order: Order,
    amount: int | None,
    by: User,
    part: OrderPart | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PaymentReceipt | None:
    """The member (`by`) handed over `part` of `order` and took `amount` in
    cash, exactly the part's total: the part is completed and paid, and the
    receipt `part:<id>` is written (none for a free part: no cash changed
    hands). A wrong amount, someone else's part or a part not ready is
    refused and nothing is written."""
    if part is None or part.order_id != order.id:
        raise PaymentError("Uang tunai dicatat untuk satu bagian pesanan milik penjualnya.")
    member = db.session.scalar(select(Member).where(Member.user_id == by.id))
    if member is None:
        raise NotYours()
    if order.payment_method != METHOD:
        raise InvalidTransition(f"Pesanan {order.code} tidak dibayar tunai.")
    now = now or datetime.now(UTC)
    fulfilment.complete(part=part, member=member, cash_received=amount, now=now)
    if not amount:  # a free part (price 0) has no cash to record
        return None
    receipt = PaymentReceipt(
        key=f"part:{part.id}",
        order_id=order.id,
        part_id=part.id,
        method=METHOD,
        amount=amount,
        recorded_by_id=by.id,
        received_at=now,
        note=note.strip()[:REASON_LENGTH],
    )
    db.session.add(receipt)
    flush_change()
    return receipt


def refund(*, part: OrderPart, by: User | None, now: datetime | None = None) -> None:
    """Not through the provider: a cash part is paid on handover, after
    which it can no longer be cancelled; what is owed back is sent by the
    treasurer by hand (`orders.fulfilment.mark_refund_paid`)."""
    raise RefundNotSupported(
        "Uang tunai tidak dikembalikan lewat sistem: bendahara mengirimnya sendiri kepada "
        "pembeli, lalu mencatatnya di halaman pengembalian dana."
    )
