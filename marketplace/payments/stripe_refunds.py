"""A cancelled card part's money back to the shopper's card, through Stripe
(the `refund` verb of `stripe_checkout`), and what Stripe's refund events do.

Asking (`refund`): when a member cancels a paid card part (after the cancel
is committed) or the treasurer retries from /bendahara/pengembalian. The
attempt (`StripeRefund`, key `refund:part-<id>:attempt-<n>`) is committed
first, then Stripe is asked under that key, then its answer is committed.
So a call that timed out after Stripe did the work is no loss: the retry
sends the same key and Stripe answers with the same refund, and the refund's
event, naming the part and attempt in its metadata, is adopted by that row.
A new attempt is made only after the previous one failed or was canceled.

Settling (`settle`, from Stripe's answer or from an event): orders posts
the refund paid (payable:shopper-refunds -> cash:stripe, once per refund
id) when a refund becomes `succeeded`, and reverses it when a succeeded
refund becomes `failed` or `canceled` (the part's refund is owed again).
A refund's status only moves forward (pending -> succeeded -> failed), so a
late or repeated event changes nothing.

Events: `refund.created`, `refund.updated`, `refund.failed` and
`charge.refund.updated` carry the refund; `charge.refunded` carries the
charge, whose `amount_refunded` adds up every refund so far: it is never
read; the payment's refunds are listed from Stripe and each one applied by
its id. A refund the shop never asked for (made in Stripe's dashboard) or
whose amount is not the attempt's is not applied: the event is recorded as
a mismatch for the treasurer, and logged."""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import flush_change
from marketplace.orders.status import OrderPartStatus, PaymentMethod
from marketplace.payments import stripe_api
from marketplace.payments.errors import InvalidStripeAmount, PaymentError
from marketplace.payments.models import EventOutcome, RefundStatus, StripeCheckout, StripeRefund

log = logging.getLogger("marketplace.payments.stripe")

REFUND_EVENTS = frozenset(
    {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
)
CHARGE_REFUNDED = "charge.refunded"
EVENTS = REFUND_EVENTS | {CHARGE_REFUNDED}
# How far a refund has come: a status moves only to a higher rank.
RANK = {
    RefundStatus.PENDING: 0,
    RefundStatus.REQUIRES_ACTION: 0,
    RefundStatus.SUCCEEDED: 1,
    RefundStatus.FAILED: 2,
    RefundStatus.CANCELED: 2,
}
ENDED = frozenset({RefundStatus.FAILED, RefundStatus.CANCELED})
STATUS_LABELS = {
    RefundStatus.PENDING: "diproses Stripe",
    RefundStatus.REQUIRES_ACTION: "menunggu tindakan di Stripe",
    RefundStatus.SUCCEEDED: "berhasil",
    RefundStatus.FAILED: "gagal",
    RefundStatus.CANCELED: "dibatalkan",
}


def idempotency_key(part: OrderPart, attempt: int) -> str:
    return f"refund:part-{part.id}:attempt-{attempt}"


def attempts_of(part_ids: list[int]) -> dict[int, StripeRefund]:
    """The latest attempt of each of these parts that has one: {part id: row}."""
    rows = db.session.scalars(
        select(StripeRefund)
        .where(StripeRefund.part_id.in_(part_ids))
        .order_by(StripeRefund.part_id, StripeRefund.attempt)
    )
    return {row.part_id: row for row in rows}


def _latest(part: OrderPart) -> StripeRefund | None:
    return db.session.scalar(
        select(StripeRefund)
        .where(StripeRefund.part_id == part.id)
        .order_by(StripeRefund.attempt.desc())
        .limit(1)
    )


def _checkout_of(order: Order) -> StripeCheckout | None:
    return db.session.scalar(select(StripeCheckout).where(StripeCheckout.order_id == order.id))


# --- asking Stripe -----------------------------------------------------------------


def prepare(*, part: OrderPart, by: User | None) -> StripeRefund:
    """The attempt to send for `part`: the latest one while Stripe has not
    answered it (the same key again), else a new one when there is none or
    the latest failed or was canceled. Refuses (PaymentError, nothing
    written) a part with no card refund owed, or one Stripe is already
    refunding. Flushes; the caller commits before sending."""
    order = fulfilment.lock_order(part.order)
    if order.payment_method != PaymentMethod.STRIPE:
        raise PaymentError(f"Pesanan {order.code} tidak dibayar dengan kartu.")
    if part.status != OrderPartStatus.CANCELLED or not part.refund_amount:
        raise PaymentError("Tidak ada dana yang perlu dikembalikan untuk bagian pesanan ini.")
    if part.refund_paid_at is not None:
        raise PaymentError("Dana bagian pesanan ini sudah dikembalikan.")
    checkout = _checkout_of(order)
    if checkout is None or checkout.payment_intent_id is None:
        raise PaymentError(f"Pembayaran kartu pesanan {order.code} tidak ditemukan di Stripe.")
    latest = _latest(part)
    if latest is not None and latest.refund_id is None:
        return latest
    if latest is not None and RefundStatus(latest.status) not in ENDED:
        raise PaymentError(
            f"Pengembalian lewat Stripe sudah diminta ({latest.refund_id}, "
            f"{STATUS_LABELS[RefundStatus(latest.status)]}). Tunggu kabar dari Stripe."
        )
    attempt = latest.attempt + 1 if latest is not None else 1
    row = StripeRefund(
        part_id=part.id,
        attempt=attempt,
        idempotency_key=idempotency_key(part, attempt),
        amount=part.refund_amount,
        status=RefundStatus.PENDING,
        requested_by_id=by.id if by is not None else None,
    )
    db.session.add(row)
    flush_change()
    return row


def send(row: StripeRefund) -> stripe_api.Refund:
    """Ask Stripe for the committed attempt `row` (the same request for the
    same key, every time). Raises PaymentProviderError when Stripe fails."""
    part = row.part
    checkout = _checkout_of(part.order)
    if checkout is None or checkout.payment_intent_id is None:  # pragma: no cover - prepared
        raise PaymentError(f"Pembayaran kartu pesanan {part.order.code} tidak ditemukan.")
    return stripe_api.create_refund(
        payment_intent_id=checkout.payment_intent_id,
        rupiah=row.amount,
        idempotency_key=row.idempotency_key,
        metadata={
            "order_code": part.order.code,
            "part_id": str(part.id),
            "attempt": str(row.attempt),
        },
    )


def refund(*, part: OrderPart, by: User | None, now: datetime | None = None) -> StripeRefund:
    """Give `part`'s refund back to the card: prepare and commit the
    attempt, ask Stripe, commit what it answered (a refund that succeeded
    at once is posted paid). Unlike a service, this commits, twice: the
    attempt must be stored before Stripe is asked, so that a lost answer is
    found again. Raises PaymentError before anything is written, and
    PaymentProviderError when Stripe fails after the attempt was committed
    (then the attempt waits, without a refund id, for the treasurer's
    retry under the same key)."""
    try:
        row = prepare(part=part, by=by)
        db.session.commit()
    except IntegrityError as raced:  # the same attempt made at the same moment
        db.session.rollback()
        raise PaymentError(
            "Pengembalian dana ini sedang diminta dari Stripe. Muat ulang halaman sebentar lagi."
        ) from raced
    except Exception:
        db.session.rollback()
        raise
    answer = send(row)
    try:
        settle_answer(row, answer, now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return row


def settle_answer(row: StripeRefund, answer: stripe_api.Refund, *, now: datetime | None) -> None:
    """Stripe's answer to `send`, as if its event had come."""
    fulfilment.lock_order(row.part.order)
    db.session.refresh(row)
    outcome, detail = settle(row, answer, now=now or datetime.now(UTC))
    if outcome == EventOutcome.MISMATCH:  # pragma: no cover - Stripe answers what it was asked
        log.warning("Stripe refund %s for part %s not applied: %s", answer.id, row.part_id, detail)


# --- what Stripe says --------------------------------------------------------------


def settle(
    row: StripeRefund, refund: stripe_api.Refund, *, now: datetime
) -> tuple[EventOutcome, str]:
    """Move `row` to what Stripe says of its refund, forward only; post the
    refund paid when it succeeded, reverse it when it failed after that.
    The caller holds the order's lock. Flushes."""
    if refund.amount_rupiah != row.amount:
        return EventOutcome.MISMATCH, (
            f"{refund.id}: jumlah {format_rupiah(refund.amount_rupiah)} bukan "
            f"{format_rupiah(row.amount)} yang diminta"
        )
    if row.refund_id is not None and row.refund_id != refund.id:
        return EventOutcome.MISMATCH, (
            f"{refund.id}: percobaan {row.attempt} sudah tercatat sebagai {row.refund_id}"
        )
    try:
        new = RefundStatus(refund.status)
    except ValueError:
        return EventOutcome.IGNORED, f"{refund.id}: status {refund.status!r} tidak dikenal"
    adopted = row.refund_id is None
    row.refund_id = refund.id
    old = RefundStatus(row.status)
    if RANK[new] <= RANK[old] and not (RANK[new] == RANK[old] == 0):
        flush_change()
        return (EventOutcome.APPLIED if adopted else EventOutcome.IGNORED), (
            f"{refund.id}: sudah {STATUS_LABELS[old]}"
        )
    part = row.part
    if new == RefundStatus.SUCCEEDED and part.refund_paid_at is not None:
        flush_change()
        return EventOutcome.MISMATCH, f"{refund.id}: dana bagian ini sudah tercatat kembali"
    row.status = new
    detail = f"{refund.id}: {STATUS_LABELS[new]}"
    if new == RefundStatus.SUCCEEDED:
        row.settled_at = now
        flush_change()
        fulfilment.mark_refund_paid(part=part, by=None, reference=refund.id, now=now)
    elif new in ENDED and old == RefundStatus.SUCCEEDED:
        flush_change()
        fulfilment.mark_refund_returned(
            part=part,
            reference=refund.id,
            reason=refund.failure_reason or STATUS_LABELS[new],
            now=now,
        )
        detail += ", dibalik: terutang lagi kepada pembeli"
    else:
        flush_change()
    return EventOutcome.APPLIED, detail


def _row_for(refund: stripe_api.Refund) -> StripeRefund | None:
    """The attempt `refund` belongs to: by its id, or (Stripe did the work
    but its answer was lost) by the part and attempt its metadata names,
    when that attempt has no refund id yet."""
    row = db.session.scalar(select(StripeRefund).where(StripeRefund.refund_id == refund.id))
    if row is not None:
        return row
    part_id, attempt = refund.metadata.get("part_id", ""), refund.metadata.get("attempt", "")
    if not (part_id.isdigit() and attempt.isdigit()):
        return None
    row = db.session.scalar(
        select(StripeRefund).where(
            StripeRefund.part_id == int(part_id), StripeRefund.attempt == int(attempt)
        )
    )
    if row is None or row.refund_id is not None:
        return None
    if refund.metadata.get("order_code") != row.part.order.code:
        return None
    return row


def _order_of_intent(payment_intent_id: str | None) -> Order | None:
    if payment_intent_id is None:
        return None
    checkout = db.session.scalar(
        select(StripeCheckout).where(StripeCheckout.payment_intent_id == payment_intent_id)
    )
    return checkout.order if checkout is not None else None


def _intent_of(charge: Mapping[str, Any]) -> str | None:
    intent = charge.get("payment_intent")
    return intent.get("id") if isinstance(intent, Mapping) else intent


def handle_event(
    event: Mapping[str, Any], *, now: datetime
) -> tuple[EventOutcome, Order | None, str]:
    """What a refund event (`EVENTS`) does: (outcome, the order, detail) for
    the webhook to record once. Raises PaymentProviderError when Stripe
    cannot list a charge's refunds (the event is then delivered again)."""
    obj = event["data"]["object"]
    try:
        if event["type"] == CHARGE_REFUNDED:
            intent_id = _intent_of(obj)
            refunds = stripe_api.list_refunds(intent_id) if intent_id else []
        else:
            refunds = [stripe_api.refund_from(obj)]
            intent_id = refunds[0].payment_intent_id
    except InvalidStripeAmount as wrong:
        return _mismatch(event, None, [f"{obj.get('id')}: {wrong.message}"])
    order = _order_of_intent(intent_id)
    if order is None:
        return _mismatch(event, None, [f"pembayaran {intent_id} bukan milik pesanan toko ini"])
    fulfilment.lock_order(order)
    applied: list[str] = []
    ignored: list[str] = []
    mismatched: list[str] = []
    for refund in sorted(refunds, key=lambda refund: refund.id):
        row = _row_for(refund)
        if row is None or row.part.order_id != order.id:
            mismatched.append(
                f"{refund.id} ({format_rupiah(refund.amount_rupiah)}, {refund.status}) "
                "tidak diminta toko"
            )
            continue
        outcome, detail = settle(row, refund, now=now)
        {
            EventOutcome.APPLIED: applied,
            EventOutcome.IGNORED: ignored,
            EventOutcome.MISMATCH: mismatched,
        }[outcome].append(detail)
    if mismatched:
        return _mismatch(event, order, mismatched + applied)
    if applied:
        return EventOutcome.APPLIED, order, "; ".join(applied)
    return EventOutcome.IGNORED, order, "; ".join(ignored) or "Tidak ada pengembalian dana."


def _mismatch(
    event: Mapping[str, Any], order: Order | None, details: list[str]
) -> tuple[EventOutcome, Order | None, str]:
    detail = "; ".join(details)
    log.warning(
        "Stripe %s %s%s not applied: %s",
        event["type"],
        event["id"],
        f" for order {order.code}" if order is not None else "",
        detail,
    )
    return EventOutcome.MISMATCH, order, detail
