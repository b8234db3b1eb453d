"""Orders in the states the treasurer works on: waiting for a transfer,
and parts cancelled after payment with money to give back (by hand, or
through the fake Stripe for a card)."""

import json
from datetime import UTC, datetime, timedelta

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.orders import fulfilment
from marketplace.orders.models import Order, OrderPart
from marketplace.payments import bank_transfer, stripe_checkout, stripe_webhook
from marketplace.payments.models import PaymentReceipt, StripeCheckout
from tests import factories
from tests.orders.helpers import (
    cart_with,
    checkout,
    count,
    shopper,
    variant,
)


def treasurer():
    return factories.UserFactory(roles=[Role.TREASURER], name="Siti Bendahara")


def transfer_order(
    price: int = 15_000,
    quantity: int = 1,
    *,
    placed_hours_ago: float = 0,
    overdue: bool = False,
    name: str = "Sri Lestari",
) -> Order:
    """An order waiting for its bank transfer, placed `placed_hours_ago`."""
    item = variant(price=price, stock=50)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (item, quantity)))
    order.contact_name = name
    now = datetime.now(UTC)
    order.placed_at = now - timedelta(hours=placed_hours_ago)
    order.expires_at = now - timedelta(minutes=5) if overdue else now + timedelta(hours=24)
    db.session.commit()
    return order


def refund_owed(price: int = 30_000, *, reason: str = "Stok habis") -> tuple:
    """A paid two-member order with one part cancelled by its member:
    (order, the refunded part)."""
    first, second = variant(price=price, stock=5), variant(price=12_000, stock=5)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (first, 1), (second, 1)))
    db.session.commit()
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    part = next(p for p in order.parts if p.subtotal == price)
    fulfilment.cancel_part(part=part, member=part.member, reason=reason)
    db.session.commit()
    return order, part


def card_refund_owed(fake) -> OrderPart:
    """A card order paid through the fake Stripe (`fake`, the app pointed at
    it) with one part cancelled by its member and its refund not sent yet:
    the part."""
    item = variant(price=30_000, stock=5)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (item, 1)), payment_method="stripe")
    db.session.commit()
    stripe_checkout.start(order=order)
    db.session.commit()
    session = db.session.query(StripeCheckout).filter_by(order_id=order.id).one().session_id
    fake.complete_session(session)
    event = json.loads(fake.session_event("checkout.session.completed", session))
    stripe_webhook.handle(event)
    db.session.commit()
    part = order.parts[0]
    fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis")
    db.session.commit()
    return part


def money_written() -> tuple[int, int, int]:
    """Ledger entries, emails, payment receipts: a refused confirmation adds none."""
    return count(LedgerEntry), count(OutboxEmail), count(PaymentReceipt)
