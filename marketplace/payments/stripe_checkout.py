"""Card payments through a Stripe Checkout Session, when Stripe's keys are
set (`stripe_api.is_configured`). The order is placed first (stock
reserved, no unique code: the card pays the exact total); `start` opens one
Checkout Session for it with its lines and delivery fees and sends the
shopper there. The order is paid only by Stripe's signed webhook, never by
the shopper coming back.

One session per order (`StripeCheckout`, unique per order): a second
`start` (a double click, the retry button after Stripe failed) sends the
same request under the same idempotency key, so Stripe answers with the same
session, and an open session already stored is reused without a call.

A cancelled paid part's money goes back to the card (`refund`, through
`stripe_refunds`)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.clock import as_utc
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import flush_change
from marketplace.orders.status import InvalidTransition, OrderStatus, PaymentMethod
from marketplace.payments import stripe_api, stripe_refunds
from marketplace.payments.errors import PaymentError
from marketplace.payments.models import CheckoutStatus, PaymentReceipt, StripeCheckout
from marketplace.payments.stripe_api import CheckoutRequest, LineItem

METHOD = PaymentMethod.STRIPE
# Stripe keeps a session open at most 24 hours: the order's own deadline, or
# this after it was placed when that is sooner.
SESSION_CAP = timedelta(hours=23, minutes=59)
# Each order has one session, so one attempt: the key stays the same for
# every retry of it (a later attempt, if ever allowed, would count up).
ATTEMPT = 1


def idempotency_key(order: Order, attempt: int = ATTEMPT) -> str:
    return f"checkout:order-{order.id}:attempt-{attempt}"


def session_expiry(order: Order) -> datetime:
    """When the session closes: the order's payment deadline, capped at 23 h
    59 min after it was placed. From the order, not the clock, so a retry
    sends the same request."""
    return min(as_utc(order.expires_at), as_utc(order.placed_at) + SESSION_CAP).astimezone(UTC)


def line_items(order: Order) -> tuple[LineItem, ...]:
    """The order's goods and each member's delivery fee, in whole rupiah
    (free lines are left out: Stripe is asked only for what is paid)."""
    parts: list[OrderPart] = sorted(order.parts, key=lambda part: part.id)
    goods = [
        LineItem(
            name=f"{line.product_name} ({line.variant_name})",
            unit_amount=line.unit_price,
            quantity=line.quantity,
        )
        for part in parts
        for line in sorted(part.lines, key=lambda line: line.id)
        if line.unit_price
    ]
    delivery = [
        LineItem(
            name=f"Ongkos kirim: {part.member.shop_name}",
            unit_amount=part.delivery_fee,
            quantity=1,
        )
        for part in parts
        if part.delivery_fee
    ]
    return (*goods, *delivery)


def checkout_request(order: Order) -> CheckoutRequest:
    items = line_items(order)
    if sum(item.unit_amount * item.quantity for item in items) != order.total:
        raise PaymentError(  # a card order has no unique code: its lines are its total
            f"Total pesanan {order.code} tidak sama dengan rinciannya. Hubungi pengurus."
        )
    return CheckoutRequest(
        order_code=order.code,
        client_reference_id=order.code,
        line_items=items,
        expires_at=session_expiry(order),
        success_url=public_url("orders.card_done", code=order.code),
        cancel_url=public_url("orders.order", code=order.code),
        idempotency_key=idempotency_key(order),
        metadata={"order_id": str(order.id), "attempt": str(ATTEMPT)},
    )


def checkout_of(order: Order) -> StripeCheckout | None:
    return db.session.scalar(select(StripeCheckout).where(StripeCheckout.order_id == order.id))


def start(*, order: Order) -> str:
    """The Stripe page where the shopper pays `order`: its open session, or
    a new one. Raises PaymentProviderError when Stripe fails (the order
    stays awaiting payment; starting again is safe), CheckoutExpiryOutOfRange
    when the order's deadline is under 31 minutes away, InvalidTransition
    when the order is no card order awaiting payment. Flushes; the caller
    commits."""
    fulfilment.lock_order(order)
    if order.payment_method != METHOD or order.status != OrderStatus.PENDING_PAYMENT:
        raise InvalidTransition(f"Pesanan {order.code} tidak sedang menunggu pembayaran kartu.")
    stored = checkout_of(order)
    if stored is not None:
        if stored.status == CheckoutStatus.OPEN and as_utc(stored.expires_at) > datetime.now(UTC):
            return stored.url
        raise InvalidTransition(f"Pembayaran kartu pesanan {order.code} sudah ditutup.")
    session = stripe_api.create_checkout_session(checkout_request(order))
    if session.url is None:  # pragma: no cover - Stripe gives an open session its URL
        raise PaymentError("Stripe tidak memberi halaman pembayaran. Silakan coba lagi.")
    db.session.add(
        StripeCheckout(
            order_id=order.id,
            session_id=session.id,
            url=session.url,
            amount=session.amount_total or stripe_api.to_stripe_amount(order.total),
            currency=session.currency or stripe_api.CURRENCY,
            expires_at=session.expires_at,
            livemode=session.livemode,
            payment_intent_id=session.payment_intent_id,
            status=CheckoutStatus(session.status or CheckoutStatus.OPEN),
        )
    )
    flush_change()
    return session.url


def confirm(
    *,
    order: Order,
    amount: int,
    by: User,
    part: OrderPart | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PaymentReceipt | None:
    """Not by a person: a card order is paid only by Stripe's signed webhook."""
    raise PaymentError(
        "Pembayaran kartu dikonfirmasi otomatis oleh Stripe, bukan dicatat dengan tangan."
    )


def refund(*, part: OrderPart, by: User | None, now: datetime | None = None) -> None:
    """Give a cancelled card part's money back to the card through Stripe
    (`stripe_refunds.refund`: it commits the attempt before asking Stripe,
    and Stripe's answer after). PaymentProviderError when Stripe fails: the
    attempt stays, for the treasurer to retry under the same key."""
    stripe_refunds.refund(part=part, by=by, now=now)
