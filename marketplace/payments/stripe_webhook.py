"""What a verified Stripe webhook event does to a card order
(`POST /webhooks/stripe`, `payments.views`).

- `checkout.session.completed` with payment_status paid, and
  `checkout.session.async_payment_succeeded`: the order is paid, once the
  amount (rupiah x 100), the currency, the session stored for the order and
  livemode all match; else nothing is paid, the event is recorded as a
  mismatch for the treasurer and logged.
- `checkout.session.expired` and `checkout.session.async_payment_failed`:
  the unpaid order is cancelled and its stock released, once.

Once a payment is committed, `post_fee` asks Stripe what it kept (the
charge's balance transaction) and posts it to expense:payment-fees, in a
transaction of its own: the payment never waits on it.

Refund events (`refund.*`, `charge.refund.updated`, `charge.refunded`) are
`stripe_refunds`' to apply.

Each event id is stored (`StripeEvent`, unique) in the same transaction as
what it did: a second delivery changes nothing. An order only moves forward
(pending -> paid or cancelled), so a late or reordered event never undoes
anything. An event for a session we do not know yet raises `NotYetKnown`:
the view answers non-2xx so Stripe delivers it again later."""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.orders import fulfilment, settlement
from marketplace.orders.models import Order
from marketplace.orders.services import flush_change
from marketplace.orders.status import OrderStatus, PaymentMethod
from marketplace.payments import stripe_api, stripe_refunds
from marketplace.payments.models import (
    CheckoutStatus,
    EventOutcome,
    PaymentReceipt,
    StripeCheckout,
    StripeEvent,
)

log = logging.getLogger("marketplace.payments.stripe")

METHOD = PaymentMethod.STRIPE
PAID = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
CLOSED = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})
CLOSED_NOTES = {
    "checkout.session.expired": "Waktu pembayaran kartu habis.",
    "checkout.session.async_payment_failed": "Pembayaran kartu gagal.",
}


class NotYetKnown(DomainError):
    """The event names a session or order this shop has not stored (yet):
    Stripe should deliver it again later."""


def seen(event_id: str) -> bool:
    return (
        db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id))
        is not None
    )


def _record(
    event: Mapping[str, Any], outcome: EventOutcome, *, order: Order | None = None, detail: str = ""
) -> StripeEvent:
    row = StripeEvent(
        event_id=event["id"],
        type=event["type"],
        order_id=order.id if order is not None else None,
        outcome=outcome,
        detail=detail,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _stored_for(session: stripe_api.CheckoutSession) -> StripeCheckout:
    """The stored checkout of the event's session, or NotYetKnown."""
    stored = db.session.scalar(
        select(StripeCheckout).where(StripeCheckout.session_id == session.id)
    )
    if stored is not None:
        return stored
    raise NotYetKnown(
        f"Sesi Stripe {session.id} (pesanan {session.client_reference_id!r}) belum tercatat."
    )


def _mismatches(
    session: stripe_api.CheckoutSession, stored: StripeCheckout, order: Order
) -> list[str]:
    found = []
    expected = stripe_api.to_stripe_amount(order.total)
    if session.amount_total != expected:
        found.append(f"jumlah {session.amount_total} bukan {expected}")
    if session.currency != stripe_api.CURRENCY:
        found.append(f"mata uang {session.currency!r} bukan {stripe_api.CURRENCY!r}")
    if session.id != stored.session_id:  # pragma: no cover - found by session id
        found.append(f"sesi {session.id} bukan {stored.session_id}")
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
    if kind in stripe_refunds.EVENTS:
        outcome, order, detail = stripe_refunds.handle_event(event, now=now)
        return _record(event, outcome, order=order, detail=detail)
    if kind not in PAID | CLOSED:
        return _record(event, EventOutcome.IGNORED, detail="Jenis event tidak ditangani.")
    session = stripe_api.checkout_session_from(event["data"]["object"])
    stored = _stored_for(session)
    order = fulfilment.lock_order(stored.order)
    if session.payment_intent_id and not stored.payment_intent_id:
        stored.payment_intent_id = session.payment_intent_id
    if kind in CLOSED:
        return _close(event, session, stored, order, now)
    if kind == "checkout.session.completed" and session.payment_status != "paid":
        stored.status = CheckoutStatus.COMPLETE
        return _record(
            event,
            EventOutcome.IGNORED,
            order=order,
            detail=f"Sesi selesai, pembayaran {session.payment_status}: menunggu konfirmasi.",
        )
    return _pay(event, session, stored, order, now)


def _pay(
    event: Mapping[str, Any],
    session: stripe_api.CheckoutSession,
    stored: StripeCheckout,
    order: Order,
    now: datetime,
) -> StripeEvent:
    mismatches = _mismatches(session, stored, order)
    if not mismatches and order.status != OrderStatus.PENDING_PAYMENT:
        if order.paid_at is not None:
            return _record(event, EventOutcome.IGNORED, order=order, detail="Sudah lunas.")
        mismatches.append(f"dibayar, tetapi pesanan berstatus {order.status}")
    if mismatches:
        detail = "; ".join(mismatches)
        log.warning(
            "Stripe %s %s for order %s not applied: %s",
            event["type"],
            event["id"],
            order.code,
            detail,
        )
        return _record(event, EventOutcome.MISMATCH, order=order, detail=detail)
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
    return _record(event, EventOutcome.APPLIED, order=order, detail=f"Lunas lewat {session.id}.")


def post_fee(event: StripeEvent, *, now: datetime | None = None) -> int | None:
    """Post the fee Stripe kept on the payment `event` applied; None when it
    paid nothing. Raises PaymentProviderError when Stripe cannot say yet."""
    if event.outcome != EventOutcome.APPLIED or event.type not in PAID or event.order_id is None:
        return None
    stored = db.session.scalar(
        select(StripeCheckout).where(StripeCheckout.order_id == event.order_id)
    )
    if stored is None or stored.payment_intent_id is None:
        return None
    fee = stripe_api.charge_fee(stored.payment_intent_id)
    settlement.post_payment_fee(order=stored.order, fee=fee, when=now or datetime.now(UTC))
    return fee


def _close(
    event: Mapping[str, Any],
    session: stripe_api.CheckoutSession,
    stored: StripeCheckout,
    order: Order,
    now: datetime,
) -> StripeEvent:
    if event["type"] == "checkout.session.expired" and stored.status == CheckoutStatus.OPEN:
        stored.status = CheckoutStatus.EXPIRED
    if fulfilment.close_unpaid(order=order, note=CLOSED_NOTES[event["type"]], now=now):
        return _record(event, EventOutcome.APPLIED, order=order, detail="Pesanan dibatalkan.")
    return _record(
        event, EventOutcome.IGNORED, order=order, detail=f"Pesanan sudah berstatus {order.status}."
    )
