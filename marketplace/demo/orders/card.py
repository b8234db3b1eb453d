"""Card orders in the demo, recorded as if Stripe had been there, without
calling it (the demo runs without Stripe's keys): the Checkout Session is
stored as `stripe_checkout.start` stores the one Stripe returns; the
payment is the `checkout.session.completed` event Stripe would send, handled
by `stripe_webhook.handle` (the order paid, its sale on cash:stripe); and
the fee Stripe would keep is posted by `settlement.post_payment_fee`, as
`stripe_webhook.post_fee` does with the fee Stripe reports. So the
treasurer's pages show card payments, their Stripe ids and fees as they
will be."""

import random
from datetime import datetime

from marketplace.core.clock import as_utc
from marketplace.core.money import percent_of
from marketplace.extensions import db
from marketplace.orders import settlement
from marketplace.orders.models import Order
from marketplace.payments import stripe_api, stripe_checkout, stripe_webhook
from marketplace.payments.models import CheckoutStatus, EventOutcome, StripeCheckout

CHECKOUT_PAGE = "https://checkout.stripe.com/c/pay/"
# Stripe's card fee in Indonesia: 3.4 % of the payment plus Rp2.000.
FEE_BPS = 340
FEE_FIXED = 2_000


def open_session(order: Order, rng: random.Random) -> StripeCheckout:
    """The session Stripe would have opened for `order`, stored as
    `stripe_checkout.start` stores it."""
    session_id = f"cs_test_{_token(rng, 58)}"
    stored = StripeCheckout(
        order_id=order.id,
        session_id=session_id,
        url=CHECKOUT_PAGE + session_id,
        amount=stripe_api.to_stripe_amount(order.total),
        currency=stripe_api.CURRENCY,
        expires_at=stripe_checkout.session_expiry(order),
        livemode=False,
        payment_intent_id=None,
        status=CheckoutStatus.OPEN,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def pay(order: Order, rng: random.Random, when: datetime) -> int:
    """The shopper paid `order`'s session at `when`: Stripe's event handled
    as the webhook handles it, then Stripe's fee posted. Returns the fee."""
    stored = stripe_checkout.checkout_of(order) or open_session(order, rng)
    created = int(when.timestamp())
    event = {
        "id": f"evt_{_token(rng, 24)}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": created,
        "livemode": False,
        "data": {
            "object": {
                "id": stored.session_id,
                "object": "checkout.session",
                "amount_total": stored.amount,
                "currency": stored.currency,
                "client_reference_id": order.code,
                "expires_at": int(as_utc(stored.expires_at).timestamp()),
                "livemode": False,
                "metadata": {"order_id": str(order.id), "attempt": str(stripe_checkout.ATTEMPT)},
                "mode": "payment",
                "payment_intent": f"pi_{_token(rng, 24)}",
                "payment_status": "paid",
                "status": "complete",
                "url": None,
            }
        },
    }
    handled = stripe_webhook.handle(event, now=when)
    if handled is None or handled.outcome != EventOutcome.APPLIED:  # pragma: no cover
        raise RuntimeError(f"Demo card payment of {order.code} not applied: {handled}")
    fee = percent_of(order.total, FEE_BPS) + FEE_FIXED
    settlement.post_payment_fee(order=order, fee=fee, when=when)
    return fee


def _token(rng: random.Random, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(length))
