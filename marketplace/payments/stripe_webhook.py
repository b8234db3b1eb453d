"""What a verified Stripe webhook event does to a card order
(`POST /webhooks/stripe`, `payments.views`).

- `checkout.session.completed` with payment_status paid, and
  `checkout.session.async_payment_succeeded`: the order is paid, once the
  amount (rupiah x 100), the currency, the session stored for the order and
  livemode all match; else nothing is paid, the event is recorded as a
  mismatch for the treasurer and logged.
- `checkout.session.expired` and `checkout.session.async_payment_failed`:
  the unpaid order is cancelled and its stock released, once.
- `payout.paid` and `payout.failed`: `stripe_payouts` (the money between
  cash:stripe and cash:bank).

`settle` is that decision for one session, and the only one: the webhook
calls it with the event's type, and a sync with Stripe (`stripe_sync`,
the treasurer's "Periksa ke Stripe") with the type of the event that fits
the session as Stripe reports it now (`kind_of`).

Once a payment is committed, `post_fee_committed` asks Stripe what it kept
(the charge's balance transaction) and posts it to expense:payment-fees, in
a transaction of its own: the payment never waits on it.

Refund events (`refund.*`, `charge.refund.updated`, `charge.refunded`) are
`stripe_refunds`' to apply.

Each event id is stored (`StripeEvent`, unique) in the same transaction as
what it did: a second delivery changes nothing. An order only moves forward
(pending -> paid or cancelled), so a late or reordered event never undoes
anything. An event for a session we do not know yet raises `NotYetKnown`:
the view answers non-2xx so Stripe delivers it again later."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.orders import fulfilment, settlement
from marketplace.orders.models import Order
from marketplace.orders.services import flush_change
from marketplace.orders.status import OrderError, OrderStatus, PaymentMethod
from marketplace.payments import stripe_api, stripe_payouts, stripe_refunds
from marketplace.payments.errors import PaymentError
from marketplace.payments.models import (
    CheckoutStatus,
    EventOutcome,
    PaymentReceipt,
    StripeCheckout,
    StripeEvent,
)
from marketplace.payments.stripe_events import record, seen

log = logging.getLogger("marketplace.payments.stripe")

METHOD = PaymentMethod.STRIPE
PAID = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
CLOSED = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})
CLOSED_NOTES = {
    "checkout.session.expired": "Waktu pembayaran kartu habis.",
    "checkout.session.async_payment_failed": "Pembayaran kartu gagal.",
}


@dataclass(frozen=True)
class FeeOutcome:
    """What posting Stripe's fee came to: the fee posted (None: nothing to
    post), or why it could not be (`error`, for people)."""

    fee: int | None
    error: str | None


class NotYetKnown(DomainError):
    """The event names a session or order this shop has not stored (yet):
    Stripe should deliver it again later."""


def _stored_for(session: stripe_api.CheckoutSession) -> StripeCheckout | None:
    return db.session.scalar(select(StripeCheckout).where(StripeCheckout.session_id == session.id))


def _named_order_checkout(session: stripe_api.CheckoutSession) -> StripeCheckout | None:
    """The stored checkout of the order the session names, when the session
    is not that checkout's (a session made elsewhere for our order)."""
    if not session.client_reference_id:
        return None
    return db.session.scalar(
        select(StripeCheckout)
        .join(Order, Order.id == StripeCheckout.order_id)
        .where(Order.code == session.client_reference_id)
    )


def _foreign_session(
    source: tuple[str, str], session: stripe_api.CheckoutSession, kind: str
) -> StripeEvent:
    """An event about a session that is not the one stored for the order it
    names: it never moves that order. A payment is a mismatch for the
    treasurer (money came in on a session the shop did not open); anything
    else is recorded and left. NotYetKnown while the order has no session
    stored yet (its checkout has not committed the session: Stripe retries)."""
    other = _named_order_checkout(session)
    if other is None:
        raise NotYetKnown(
            f"Sesi Stripe {session.id} (pesanan {session.client_reference_id!r}) belum tercatat."
        )
    order = fulfilment.lock_order(other.order)
    detail = f"sesi {session.id} bukan sesi pesanan ini ({other.session_id})"
    if kind in PAID:
        log.warning(
            "Stripe %s %s for order %s not applied: %s", kind, source[0], order.code, detail
        )
        return record(*source, EventOutcome.MISMATCH, order=order, detail=detail)
    return record(*source, EventOutcome.IGNORED, order=order, detail=detail)


def _mismatches(session: stripe_api.CheckoutSession, order: Order) -> list[str]:
    """What the paid session says that the order does not (the session is
    the one stored for the order: `settle` found it by its id)."""
    found = []
    expected = stripe_api.to_stripe_amount(order.total)
    if session.amount_total != expected:
        found.append(f"jumlah {session.amount_total} bukan {expected}")
    if session.currency != stripe_api.CURRENCY:
        found.append(f"mata uang {session.currency!r} bukan {stripe_api.CURRENCY!r}")
    if session.client_reference_id not in (None, order.code):
        found.append(f"pesanan {session.client_reference_id!r} bukan {order.code}")
    if session.livemode != stripe_api.is_live_mode():
        found.append("mode live/test tidak sama dengan kunci toko")
    return found


def handle(event: Mapping[str, Any], *, now: datetime | None = None) -> StripeEvent | None:
    """Apply one verified event; None when its id was handled before. Flushes;
    the caller commits (a concurrent duplicate then fails on the unique
    event id and is rolled back: it changed nothing)."""
    now = now or datetime.now(UTC)
    if seen(event["id"]):
        return None
    kind = event["type"]
    if kind in stripe_payouts.EVENTS:
        return stripe_payouts.handle(event, now=now)
    if kind in stripe_refunds.EVENTS:
        outcome, order, detail = stripe_refunds.handle_event(event, now=now)
        return record(event["id"], kind, outcome, order=order, detail=detail)
    if kind not in PAID | CLOSED:
        return record(
            event["id"], kind, EventOutcome.IGNORED, detail="Jenis event tidak ditangani."
        )
    session = stripe_api.checkout_session_from(event["data"]["object"])
    return settle(session, event_id=event["id"], kind=kind, now=now)


def kind_of(session: stripe_api.CheckoutSession) -> str | None:
    """The event Stripe sends about a session in the state it is in now
    (what a sync acts on); None while it is open (nothing happened yet)."""
    return {"complete": "checkout.session.completed", "expired": "checkout.session.expired"}.get(
        session.status
    )


def settle(
    session: stripe_api.CheckoutSession,
    *,
    event_id: str,
    kind: str,
    now: datetime,
    record_as: str | None = None,
) -> StripeEvent:
    """The one decision about a card order, given its session as Stripe
    reported it: `kind`, an event type (the webhook's, or `kind_of(session)`
    for a sync), says what happened; the order is paid, cancelled or left as
    it is, under its lock, and the result recorded as `event_id` (of type
    `record_as`, else `kind`). Raises NotYetKnown for a session not stored
    for any order yet."""
    source = (event_id, record_as or kind)
    stored = _stored_for(session)
    if stored is None:
        return _foreign_session(source, session, kind)
    order = fulfilment.lock_order(stored.order)
    if session.payment_intent_id and not stored.payment_intent_id:
        stored.payment_intent_id = session.payment_intent_id
    if kind in CLOSED:
        return _close(source, kind, stored, order, now)
    if kind not in PAID:
        return record(
            *source,
            EventOutcome.IGNORED,
            order=order,
            detail="Sesi Stripe masih terbuka: pembeli belum membayar.",
        )
    if kind == "checkout.session.completed" and session.payment_status != "paid":
        stored.status = CheckoutStatus.COMPLETE
        return record(
            *source,
            EventOutcome.IGNORED,
            order=order,
            detail=f"Sesi selesai, pembayaran {session.payment_status}: menunggu konfirmasi.",
        )
    return _pay(source, session, stored, order, now)


def _pay(
    source: tuple[str, str],
    session: stripe_api.CheckoutSession,
    stored: StripeCheckout,
    order: Order,
    now: datetime,
) -> StripeEvent:
    mismatches = _mismatches(session, order)
    if not mismatches and order.status != OrderStatus.PENDING_PAYMENT:
        if order.paid_at is not None:
            return record(*source, EventOutcome.IGNORED, order=order, detail="Sudah lunas.")
        mismatches.append(f"dibayar, tetapi pesanan berstatus {order.status}")
    if mismatches:
        detail = "; ".join(mismatches)
        log.warning(
            "Stripe %s %s for order %s not applied: %s",
            source[1],
            source[0],
            order.code,
            detail,
        )
        return record(*source, EventOutcome.MISMATCH, order=order, detail=detail)
    stored.status = CheckoutStatus.COMPLETE
    fulfilment.mark_paid(order=order, by=None, method=METHOD, now=now)
    db.session.add(
        PaymentReceipt(
            key=f"order:{order.id}",
            order_id=order.id,
            method=METHOD,
            amount=order.total,
            recorded_by_id=None,
            received_at=now,
            note=f"Stripe {session.id}",
        )
    )
    flush_change()
    return record(*source, EventOutcome.APPLIED, order=order, detail=f"Lunas lewat {session.id}.")


def post_fee(order: Order, *, now: datetime | None = None) -> int | None:
    """Post the fee Stripe kept on the card payment of `order` (once: the
    posting's key is the order's); None when the order was not paid by card.
    Raises PaymentProviderError when Stripe cannot say yet, OrderError when
    the ledger refuses."""
    stored = db.session.scalar(select(StripeCheckout).where(StripeCheckout.order_id == order.id))
    if order.paid_at is None or stored is None or stored.payment_intent_id is None:
        return None
    fee = stripe_api.charge_fee(stored.payment_intent_id)
    settlement.post_payment_fee(order=order, fee=fee, when=now or datetime.now(UTC))
    return fee


def post_fee_committed(order_id: int) -> FeeOutcome:
    """After the payment of order `order_id` is committed (by the webhook, a
    sync, or the treasurer's retry): post Stripe's fee and commit it, best
    effort. A failure is rolled back and logged, and leaves the payment as it
    is; the treasurer's page offers the retry."""
    order = db.session.get(Order, order_id)
    if order is None:  # pragma: no cover - the caller just committed it
        return FeeOutcome(fee=None, error=None)
    try:
        fee = post_fee(order)
        db.session.commit()
    except (PaymentError, OrderError) as failed:
        db.session.rollback()
        log.warning("Stripe fee of order %s not posted: %s", order_id, failed.message)
        return FeeOutcome(fee=None, error=failed.message)
    return FeeOutcome(fee=fee, error=None)


def _close(
    source: tuple[str, str],
    kind: str,
    stored: StripeCheckout,
    order: Order,
    now: datetime,
) -> StripeEvent:
    if kind == "checkout.session.expired" and stored.status == CheckoutStatus.OPEN:
        stored.status = CheckoutStatus.EXPIRED
    if fulfilment.close_unpaid(order=order, note=CLOSED_NOTES[kind], now=now):
        return record(*source, EventOutcome.APPLIED, order=order, detail="Pesanan dibatalkan.")
    return record(
        *source,
        EventOutcome.IGNORED,
        order=order,
        detail=f"Pesanan sudah berstatus {order.status}.",
    )
