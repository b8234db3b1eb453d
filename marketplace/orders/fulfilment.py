"""Order states after checkout: a payment provider marks the order paid
(`mark_paid`: the treasurer confirmed a bank transfer, see
`payments.bank_transfer`), a member prepares, ships or hands over their part
(and takes the cash for a cash order; its receipt is `payments.cash`'s), or
cancels it; the expiry job cancels unpaid transfers; the
treasurer pays refunds back. Each service locks the order row first (so
two parts of one order, or a payment and the expiry job, change it one
after another), checks the transition, writes the state, posts to the
ledger through `settlement` and queues the emails, all in the caller's one
transaction. Services flush and raise an OrderError; they never commit.
Each status change goes through the model's `set_status()` with who did it
(`by`: the treasurer, the member's user, the shopper; None for the expiry
job), which records the order's event. A member's share released for
payout: `payables`. Past 350 lines on purpose: its services, grouped by
who acts, share the row lock and the settling of the order's status from
its parts, and are read together when a rule of the order changes."""

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.core.clock import as_utc
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders import notify, payables, settlement
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import (
    flush_change,
    line_quantities,
    order_quantities,
    release_stock,
)
from marketplace.orders.status import (
    PAYMENT_METHOD_LABELS,
    DeliveryMethod,
    InvalidTransition,
    OrderError,
    OrderPartStatus,
    OrderStatus,
    PaymentMethod,
    refuse_order_transition,
    refuse_part_transition,
)

REASON_LENGTH = 500


class PaymentMismatch(OrderError):
    """The amount received is not the amount the order asks for."""


class NotYours(OrderError):
    def __init__(self) -> None:
        super().__init__("Pesanan ini bukan untuk toko Anda.")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def lock_order(order: Order) -> Order:
    """Take the order's row lock (PostgreSQL; SQLite has one writer) and
    reload it and its parts as committed, so the checks that follow see what
    another transaction may have just written. The rows must be fetched:
    the ORM refreshes the objects as it reads them, not when the query runs.
    The parts come with their lines and their members (whom every change
    tells, and whose payables it moves)."""
    return db.session.scalars(_locked_order(), {"order_id": order.id}).one()


@cache
def _locked_order() -> Select[tuple[Order]]:
    """Built once, bound `order_id` (see `catalog.queries`): every change of
    an order or a part takes this lock."""
    return (
        select(Order)
        .where(Order.id == bindparam("order_id"))
        .with_for_update(of=Order)
        .options(
            selectinload(Order.parts).options(
                selectinload(OrderPart.lines), joinedload(OrderPart.member)
            )
        )
        .execution_options(populate_existing=True)
    )


def _settle_order_status(order: Order, *, by: User, now: datetime) -> None:
    """The order's status follows its parts (after `by`, a member, moved
    theirs): all cancelled (refunded when they had been paid), all finished,
    some refunded, or paid. Moves only to a status it is not in already."""
    parts = order.parts
    live = [part for part in parts if part.status != OrderPartStatus.CANCELLED]
    if order.status == OrderStatus.PENDING_PAYMENT:
        if not live:
            order.set_status(OrderStatus.CANCELLED, by=by, at=now)
            return
        if any(part.paid_at is None for part in live):
            return
        order.set_status(OrderStatus.PAID, by=by, at=now)
    if not live:
        goal = OrderStatus.REFUNDED
    elif all(part.status == OrderPartStatus.COMPLETED for part in live):
        goal = OrderStatus.COMPLETED
    elif len(live) < len(parts) and any(part.refund_amount for part in parts):
        goal = OrderStatus.PARTIALLY_REFUNDED
    else:
        return
    if order.status != goal:
        order.set_status(goal, by=by, at=now)


# --- the treasurer -------------------------------------------------------------


def mark_paid(
    *, order: Order, by: User | None, method: PaymentMethod, now: datetime | None = None
) -> Order:
    """A payment provider took the whole order's money by `method` (it
    checked the amount and recorded it): the order becomes paid, its parts
    go to their members as new orders, the sale is posted and the shopper
    and members are told. The caller holds the order's lock (`lock_order`).
    Nothing here knows how the money came; `by` is None when no person
    confirmed it (Stripe's webhook). A cash order is paid part by part on
    handover (`complete`), never here."""
    now = _now(now)
    if method == PaymentMethod.CASH or order.payment_method != method:
        raise InvalidTransition(
            f"Pesanan {order.code} tidak dibayar lewat {PAYMENT_METHOD_LABELS[method]}."
        )
    order.set_status(OrderStatus.PAID, by=by, at=now)
    for part in order.parts:
        part.set_status(OrderPartStatus.NEW, by=by, at=now)
    flush_change()
    settlement.post_transfer_sale(order=order, by=by, when=now)
    notify.order_paid(order)
    return order


def mark_refund_paid(
    *,
    part: OrderPart,
    by: User | None,
    reference: str | None = None,
    now: datetime | None = None,
) -> OrderPart:
    """The shopper has a cancelled part's money back: the treasurer
    transferred it from the bank (`by`), or the card provider confirmed its
    refund `reference` (`by` None; `payments.stripe_refunds`). A card
    part's money goes back only through the provider, never by hand here."""
    now = _now(now)
    lock_order(part.order)
    if not part.refund_amount:
        raise OrderError("Tidak ada dana yang perlu dikembalikan untuk bagian pesanan ini.")
    if part.refund_paid_at is not None:
        raise OrderError("Pengembalian dana ini sudah dicatat.")
    card = part.order.payment_method == PaymentMethod.STRIPE
    if card != (reference is not None):
        raise OrderError(
            "Dana pesanan kartu dikembalikan lewat Stripe, bukan dicatat dengan tangan."
            if card
            else "Pesanan ini tidak dibayar dengan kartu."
        )
    part.mark_refund_paid(by=by, at=now, note=f"Stripe {reference}" if reference else "")
    flush_change()
    settlement.post_refund_paid(part=part, by=by, when=now, reference=reference)
    words = f"ke kartu lewat Stripe ({reference})" if reference else "ditransfer bendahara"
    audit.record(
        actor=by,
        action=AuditAction.REFUND_PAID,
        subject=("order", part.order_id),
        summary=(
            f"Pengembalian {format_rupiah(part.refund_amount)} untuk pesanan {part.order.code} "
            f"({part.member.shop_name}) dibayar {words}"
        ),
        before={"refund_paid": False},
        after={"refund_paid": True, "amount": part.refund_amount, "part": part.id},
    )
    notify.refund_paid(part)
    return part


def mark_refund_returned(
    *, part: OrderPart, reference: str, reason: str, now: datetime | None = None
) -> OrderPart:
    """The card provider's refund `reference`, confirmed before, failed
    after all (`reason`, its words): the money is back in the provider's
    balance and owed to the shopper again, for the treasurer to send once
    more. The caller holds the order's lock."""
    now = _now(now)
    if part.refund_paid_at is None:
        raise OrderError("Pengembalian dana ini belum tercatat dibayar.")
    part.mark_refund_returned(
        at=now, note=f"Pengembalian lewat Stripe {reference} gagal: {reason}"[:REASON_LENGTH]
    )
    flush_change()
    settlement.post_refund_returned(part=part, reference=reference, when=now)
    audit.record(
        actor=None,
        action=AuditAction.REFUND_RETURNED,
        subject=("order", part.order_id),
        summary=(
            f"Pengembalian {format_rupiah(part.refund_amount)} untuk pesanan {part.order.code} "
            f"({part.member.shop_name}) lewat Stripe gagal: terutang lagi"
        ),
        before={"refund_paid": True},
        after={"refund_paid": False, "amount": part.refund_amount, "part": part.id},
    )
    notify.refund_returned(part)
    return part


# --- the shopper and the expiry job ---------------------------------------------------


def cancel_order(*, order: Order, by: User, reason: str = "", now: datetime | None = None) -> Order:
    """The shopper cancels their own order before it is paid (and, for cash,
    before a member started preparing it): it and its parts are cancelled
    and the stock goes back, once, however many cancels race."""
    now = _now(now)
    if order.buyer_id != by.id:
        raise OrderError("Pesanan ini bukan milik Anda.")
    lock_order(order)
    if order.status == OrderStatus.CANCELLED:
        raise InvalidTransition(f"Pesanan {order.code} sudah dibatalkan.")
    if not order.is_cancellable:
        if order.status == OrderStatus.PENDING_PAYMENT:
            raise InvalidTransition(
                "Penjual sudah mulai menyiapkan pesanan ini. Hubungi penjual lewat WhatsApp "
                "bila ingin membatalkan."
            )
        raise refuse_order_transition(OrderStatus(order.status), OrderStatus.CANCELLED)
    order.set_status(
        OrderStatus.CANCELLED,
        by=by,
        at=now,
        note=reason.strip()[:REASON_LENGTH] or "Dibatalkan pembeli.",
    )
    # A part a member cancelled already gave its stock back (or kept it).
    open_parts = [part for part in order.parts if part.is_open]
    for part in open_parts:
        part.set_status(OrderPartStatus.CANCELLED, by=by, at=now)
    flush_change()
    release_stock(quantities=line_quantities(line for part in open_parts for line in part.lines))
    notify.order_cancelled(order, parts=open_parts, expired=False)
    return order


def expire_order(*, order: Order, now: datetime | None = None) -> bool:
    """Cancel an unpaid bank transfer or card order past its deadline and give its
    stock back. False when it is no longer due (paid, cancelled, or its
    deadline not reached), so the job can run twice at once."""
    now = _now(now)
    lock_order(order)
    if as_utc(order.expires_at) > now:
        return False
    return close_unpaid(order=order, now=now)


def close_unpaid(
    *, order: Order, note: str = "Batas waktu pembayaran lewat.", now: datetime | None = None
) -> bool:
    """Cancel an unpaid order whose payment can no longer come (its deadline
    passed, or the provider closed it: a card session expired or failed) and
    give its stock back, once. False when it is no longer awaiting payment
    (paid, cancelled). The caller holds the order's lock (`lock_order`)."""
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method == PaymentMethod.CASH:
        return False
    now = _now(now)
    order.set_status(OrderStatus.CANCELLED, by=None, at=now, note=note)
    for part in order.parts:
        part.set_status(OrderPartStatus.CANCELLED, by=None, at=now)
    flush_change()
    release_stock(quantities=order_quantities(order))
    notify.order_cancelled(order, parts=list(order.parts), expired=True)
    return True


# --- the member ------------------------------------------------------------------


def _own(part: OrderPart, member: Member) -> None:
    if part.member_id != member.id:
        raise NotYours()


def start_processing(*, part: OrderPart, member: Member, now: datetime | None = None) -> OrderPart:
    _own(part, member)
    lock_order(part.order)
    part.set_status(OrderPartStatus.PROCESSING, by=member.user, at=_now(now))
    flush_change()
    return part


def dispatch(*, part: OrderPart, member: Member, now: datetime | None = None) -> OrderPart:
    """Sent on its way (delivery) or ready at the shop (pickup)."""
    _own(part, member)
    lock_order(part.order)
    status = (
        OrderPartStatus.SHIPPED
        if part.delivery_method == DeliveryMethod.DELIVERY
        else OrderPartStatus.READY_FOR_PICKUP
    )
    part.set_status(status, by=member.user, at=_now(now))
    flush_change()
    notify.part_dispatched(part)
    return part


def complete(
    *,
    part: OrderPart,
    member: Member,
    hold_days: int = 0,
    cash_received: int | None = None,
    now: datetime | None = None,
) -> OrderPart:
    """The shopper has the goods. For a cash order the member confirms the
    cash taken (`cash_received`, exactly the part's total): the part is paid
    and the commission becomes what the member owes; the receipt is
    `payments.cash.confirm`'s, which calls this. For a transfer the member's
    share is released for payout once `hold_days` have passed."""
    now = _now(now)
    _own(part, member)
    order = lock_order(part.order)
    if not part.can_become(OrderPartStatus.COMPLETED):
        raise refuse_part_transition(OrderPartStatus(part.status), OrderPartStatus.COMPLETED)
    is_cash = order.payment_method == PaymentMethod.CASH
    if is_cash:
        if type(cash_received) is not int or cash_received != part.total:
            raise PaymentMismatch(
                f"Tulis uang tunai yang diterima: tepat {format_rupiah(part.total)}. "
                "Bila pembeli membayar lain, hubungi pengurus sebelum menyelesaikan pesanan."
            )
        part.paid_at = now
    part.set_status(
        OrderPartStatus.COMPLETED,
        by=member.user,
        at=now,
        amount=cash_received if is_cash else None,
    )
    _settle_order_status(order, by=member.user, now=now)
    flush_change()
    if is_cash:
        settlement.post_cash_sale(part=part, by=member.user, when=now)
    elif hold_days <= 0:
        payables.release_payable(part=part, now=now)
    return part


def cancel_part(
    *,
    part: OrderPart,
    member: Member,
    reason: str,
    restock: bool = True,
    now: datetime | None = None,
) -> OrderPart:
    """The member cannot fulfil their part (new or processing). A paid part
    is refunded in full: owed to the shopper until the treasurer pays it
    back; the unique code goes back with the order's last part. `restock`
    returns the quantities to the stock (off when the goods ran out)."""
    now = _now(now)
    _own(part, member)
    reason = reason.strip()[:REASON_LENGTH]
    if not reason:
        raise OrderError("Tulis alasan pembatalan untuk pembeli.")
    order = lock_order(part.order)
    # Narrower than the table: awaiting_payment -> cancelled is the whole
    # unpaid order's cancel (shopper or expiry), never one member's.
    if part.status == OrderPartStatus.CANCELLED:
        raise refuse_part_transition(OrderPartStatus.CANCELLED, OrderPartStatus.CANCELLED)
    if part.status not in (OrderPartStatus.NEW, OrderPartStatus.PROCESSING):
        raise InvalidTransition(
            f"Pesanan ini {part.status_label.lower()}; hanya pesanan baru atau sedang "
            "disiapkan yang bisa dibatalkan penjual."
        )
    others_open = any(
        other.status != OrderPartStatus.CANCELLED for other in order.parts if other.id != part.id
    )
    if part.paid_at is not None:
        part.refund_unique_code = 0 if others_open else order.unique_code
        part.refund_amount = part.total + part.refund_unique_code
    part.set_status(
        OrderPartStatus.CANCELLED,
        by=member.user,
        at=now,
        note=reason,
        amount=part.refund_amount or None,
    )
    _settle_order_status(order, by=member.user, now=now)
    flush_change()
    if restock:
        release_stock(quantities=line_quantities(part.lines))
    if part.refund_amount:
        settlement.post_refund(part=part, by=member.user, when=now)
    notify.part_cancelled(part)
    return part
