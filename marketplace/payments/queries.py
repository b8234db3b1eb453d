"""Reads of the card payments, for the treasurer's "Pembayaran kartu" page
(treasury.views.cards): each returns a `Select` (the caller paginates) or
reads a whole page's worth at once, so a page costs a fixed number of
queries whatever it shows.

"Perlu ditinjau" (`card_orders(review=True)`): a card order with
- a mismatch (Stripe's payment did not fit the order) not followed by an
  event or sync that settled it;
- its session still open here past its expiry while the order awaits
  payment (the webhook never came: "Periksa ke Stripe" settles it);
- a payment whose Stripe fee is not posted ("Coba lagi biaya Stripe")."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased, contains_eager

from marketplace.extensions import db
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from marketplace.orders.models import Order
from marketplace.orders.settlement import PAYMENT_FEES
from marketplace.orders.status import OrderStatus
from marketplace.payments.models import (
    CheckoutStatus,
    EventOutcome,
    StripeCheckout,
    StripeEvent,
    StripePayout,
)


def unsettled_mismatch():
    """A condition on `Order`: it has a mismatch that no later applied
    event or sync settled."""
    later = aliased(StripeEvent)
    mismatch = aliased(StripeEvent)
    settled = (
        select(later.id)
        .where(
            later.order_id == Order.id,
            later.outcome == EventOutcome.APPLIED,
            later.id > mismatch.id,
        )
        .correlate_except(later)
        .exists()
    )
    return (
        select(mismatch.id)
        .where(
            mismatch.order_id == Order.id,
            mismatch.outcome == EventOutcome.MISMATCH,
            not_(settled),
        )
        .correlate_except(mismatch)
        .exists()
    )


def stuck(now: datetime):
    """A condition on `StripeCheckout` and `Order`: the session is open here
    past its expiry while the order still awaits payment."""
    return and_(
        StripeCheckout.status == CheckoutStatus.OPEN,
        StripeCheckout.expires_at < now,
        Order.status == OrderStatus.PENDING_PAYMENT,
    )


def fee_missing():
    """A condition on `Order`: paid, and no fee posted for it."""
    return and_(
        Order.paid_at.is_not(None),
        not_(
            exists().where(
                LedgerTransaction.subject_type == "order",
                LedgerTransaction.subject_id == Order.id,
                LedgerTransaction.kind == TransactionKind.FEE,
            )
        ),
    )


def card_orders(*, review: bool, now: datetime) -> Select:
    """Each card order with its session (`StripeCheckout`, its `order`
    loaded), newest first; `review`: only those to look at."""
    query = (
        select(StripeCheckout)
        .join(Order, StripeCheckout.order_id == Order.id)
        .options(contains_eager(StripeCheckout.order))
        .order_by(StripeCheckout.id.desc())
    )
    if review:
        query = query.where(or_(unsettled_mismatch(), stuck(now), fee_missing()))
    return query


def review_count(now: datetime) -> Select:
    """How many card orders need a look (the treasurer's home says so)."""
    return select(func.count()).select_from(card_orders(review=True, now=now).subquery())


def card_order(code: str) -> Select:
    """The card order with `code` (for the page's buttons: 404 otherwise)."""
    return (
        select(Order)
        .join(StripeCheckout, StripeCheckout.order_id == Order.id)
        .where(Order.code == code)
    )


def events_of(order_ids: Sequence[int]) -> dict[int, list[StripeEvent]]:
    """The events and syncs of these orders, oldest first, by order id."""
    found: dict[int, list[StripeEvent]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return found
    rows = db.session.scalars(
        select(StripeEvent).where(StripeEvent.order_id.in_(order_ids)).order_by(StripeEvent.id)
    )
    for row in rows:
        if row.order_id is not None:
            found[row.order_id].append(row)
    return found


def fees_of(order_ids: Sequence[int]) -> dict[int, int]:
    """Stripe's fee as posted, by order id (an order without one is absent)."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(LedgerTransaction.subject_id, LedgerEntry.amount)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerTransaction.subject_type == "order",
            LedgerTransaction.subject_id.in_(order_ids),
            LedgerTransaction.kind == TransactionKind.FEE,
            LedgerAccount.code == PAYMENT_FEES,
        )
    )
    return {int(order_id): amount for order_id, amount in rows if order_id is not None}


def payouts(limit: int) -> Select:
    """Stripe's latest payouts to the bank, newest first."""
    return select(StripePayout).order_by(StripePayout.id.desc()).limit(limit)


def unmatched_events(limit: int) -> Select:
    """Mismatched events about no order (a payout in another currency,
    say), newest first."""
    return (
        select(StripeEvent)
        .where(StripeEvent.order_id.is_(None), StripeEvent.outcome == EventOutcome.MISMATCH)
        .order_by(StripeEvent.id.desc())
        .limit(limit)
    )
