"""Card orders for the tests of the treasurer's Stripe tools (sync, fee
retry, payouts, the card page): an order with its Checkout Session at the
fake Stripe, webhooks delivered signed, and what to check after each case."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.orders.models import Order
from marketplace.payments import stripe_checkout
from marketplace.payments.models import StripeCheckout, StripeEvent
from tests.orders.flows import two_part_order
from tests.orders.helpers import stock_of
from tests.payments.fake_stripe import webhook_headers

WEBHOOK = "/webhooks/stripe"


def card_order(**options) -> tuple[Order, StripeCheckout]:
    """A committed card order waiting for payment, with its session at Stripe."""
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC), **options)
    stripe_checkout.start(order=order)
    db.session.commit()
    stored = db.session.scalars(select(StripeCheckout).where(StripeCheckout.order_id == order.id))
    return order, stored.one()


def deliver(client, body: bytes):
    return client.post(WEBHOOK, data=body, headers=webhook_headers(body))


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get_one(Order, order.id)


def stocks(order: Order) -> list[int]:
    return [stock_of(line.variant_id) for part in order.parts for line in part.lines]


def reserved(order: Order) -> list[int]:
    return [line.quantity for part in order.parts for line in part.lines]


def ledger_balanced() -> bool:
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) == 0


def events() -> list[tuple[str, str]]:
    """(type, outcome) of every recorded event and sync, oldest first."""
    return [
        (row.type, row.outcome)
        for row in db.session.scalars(select(StripeEvent).order_by(StripeEvent.id))
    ]
