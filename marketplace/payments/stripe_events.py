"""The record of what each Stripe event did (`StripeEvent`): one row per
event id, written in the same transaction as its effect, so a second
delivery finds it and changes nothing. A sync with Stripe (`stripe_sync`)
is recorded the same way, under an id of its own (`sync:<session>:<n>`)."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.payments.models import EventOutcome, StripeEvent


def seen(event_id: str) -> bool:
    return (
        db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id))
        is not None
    )


def record(
    event_id: str,
    kind: str,
    outcome: EventOutcome,
    *,
    order: Order | None = None,
    detail: str = "",
) -> StripeEvent:
    """Store what event (or sync) `event_id` of type `kind` did; flushes, so
    a duplicate fails here on the unique event id."""
    row = StripeEvent(
        event_id=event_id,
        type=kind,
        order_id=order.id if order is not None else None,
        outcome=outcome,
        detail=detail,
    )
    db.session.add(row)
    db.session.flush()
    return row
