"""Bank transfer, the default provider: the shopper sends the order's total
(its unique code included) to the association's account, and the treasurer
confirms the amount that arrived. Exactly the total or nothing is written;
the receipt is this module's, the order's side (paid, parts to their
members, the sale posted, the emails) is `orders.fulfilment.mark_paid`."""

from datetime import UTC, datetime

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.core.money import format_rupiah
from marketplace.core.whatsapp import format_whatsapp
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import REASON_LENGTH, PaymentMismatch
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import flush_change
from marketplace.orders.status import InvalidTransition, PaymentMethod
from marketplace.payments.errors import RefundNotSupported
from marketplace.payments.models import PaymentReceipt

METHOD = PaymentMethod.BANK_TRANSFER


def start(*, order: Order) -> str | None:
    """Nothing to send the shopper to: the order's page shows the
    association's account, the order code and the total to transfer."""
    return None


def confirm(
    *,
    order: Order,
    amount: int,
    by: User,
    part: OrderPart | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PaymentReceipt:
    """The treasurer (`by`) saw `amount` arrive for `order`: it becomes paid,
    its parts go to their members as new orders, and the sale is posted. Any
    amount but the order's exact total is refused and nothing is written. A
    transfer pays the whole order: `part` must be empty."""
    now = now or datetime.now(UTC)
    fulfilment.lock_order(order)
    if order.payment_method == PaymentMethod.CASH:
        raise InvalidTransition(
            f"Pesanan {order.code} dibayar tunai kepada penjual, bukan lewat transfer."
        )
    if not order.is_awaiting_transfer or part is not None:
        raise InvalidTransition(
            f"Pesanan {order.code} tidak sedang menunggu transfer (status: {order.status_label})."
        )
    if type(amount) is not int:  # a float, a bool or a text is no amount of rupiah
        raise PaymentMismatch(
            f"Jumlah diterima harus rupiah bulat, tepat {format_rupiah(order.total)}. "
            "Pesanan tidak ditandai lunas."
        )
    if amount != order.total:
        difference = amount - order.total
        words = "lebih" if difference > 0 else "kurang"
        raise PaymentMismatch(
            f"Jumlah diterima {format_rupiah(amount)} tidak sama dengan tagihan "
            f"{format_rupiah(order.total)} ({words} {format_rupiah(abs(difference))}). "
            "Pesanan tidak ditandai lunas. Periksa mutasi rekening, atau hubungi pembeli "
            f"di WhatsApp {format_whatsapp(order.contact_whatsapp)}."
        )
    previous = order.status
    note = note.strip()[:REASON_LENGTH]
    fulfilment.mark_paid(order=order, by=by, method=METHOD, now=now)
    receipt = PaymentReceipt(
        key=f"order:{order.id}",
        order_id=order.id,
        method=METHOD,
        amount=amount,
        recorded_by_id=by.id,
        received_at=now,
        note=note,
    )
    db.session.add(receipt)
    flush_change()
    audit.record(
        actor=by,
        action=AuditAction.TRANSFER_CONFIRMED,
        subject=("order", order.id),
        summary=f"Transfer {format_rupiah(amount)} untuk pesanan {order.code} dikonfirmasi",
        before={"status": previous},
        after={"status": order.status, "amount": amount, "note": note},
    )
    return receipt


def refund(*, part: OrderPart, by: User | None, now: datetime | None = None) -> None:
    """Not through the provider: a cancelled paid part's refund is owed to
    the shopper, and the treasurer sends it back by hand and records it
    (`orders.fulfilment.mark_refund_paid`)."""
    raise RefundNotSupported(
        "Pengembalian dana transfer bank dikirim bendahara ke rekening pembeli, lalu dicatat "
        "di halaman pengembalian dana."
    )
