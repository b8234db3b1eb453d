"""What the fulfilment, race, CLI and state-machine tests share: the people
who act, an order of two members in one call, and reads of what a flow
wrote (ledger sums, receipts, emails, stock), so a refused action can be
shown to have written nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.catalog.models import ProductVariant
from marketplace.extensions import db
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.orders import fulfilment
from marketplace.orders.events import OrderEvent
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import OrderError
from marketplace.payments import bank_transfer
from marketplace.payments.models import PaymentReceipt
from tests import factories
from tests.orders.helpers import cart_with, checkout, count, deliver_to, shopper, variant

# A Monday morning in Purwokerto (10:00 WIB), well inside an open month.
MONDAY = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
# When a transfer placed at MONDAY is due (ORDER_PAYMENT_HOURS, 24 by default).
DEADLINE = MONDAY + timedelta(hours=24)
# When `bought` completes its order (reviews are open for 60 days from then).
DONE = MONDAY + timedelta(days=2)


def treasurer() -> User:
    return factories.UserFactory(roles=[Role.TREASURER])


def member(**values):
    """An approved member; `kecamatan="wangon"` puts the shop in Wangon."""
    if "kecamatan" in values:
        values["kecamatan"] = factories.kecamatan(values["kecamatan"])
    return factories.MemberFactory(**values)


def two_part_order(*, payment_method: str = "bank_transfer", now: datetime = MONDAY, **members):
    """Keripik × 3 at Rp15.000 (picked up) from one member and gula × 1 at
    Rp22.500 (delivered for Rp8.000) from another, placed and committed.
    `members` may hold `first=` and `second=` members to sell them."""
    cash = payment_method == "cash"
    first = members.get("first") or member(accepts_cash=cash)
    second = members.get("second") or member(accepts_cash=cash)
    keripik = variant(price=15_000, stock=10, member=first, name="250 g")
    gula = variant(price=22_500, stock=5, member=second, name="1 kg")
    deliver_to(second, "sokaraja", fee=8_000)
    buyer = shopper()
    order = checkout(
        buyer,
        cart_with(buyer, (keripik, 3), (gula, 1)),
        choices={first.id: "pickup", second.id: "delivery"},
        payment_method=payment_method,
        now=now,
    )
    db.session.commit()
    return order


def paid_order(**changes) -> Order:
    order = two_part_order(**changes)
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer(), now=MONDAY)
    db.session.commit()
    return order


def bought(sold, *, buyer=None, done: datetime | None = DONE) -> Order:
    """One line of the variant `sold` bought by `buyer` (a new shopper), paid
    and completed at `done` (None: now)."""
    buyer = buyer or shopper()
    order = checkout(buyer, cart_with(buyer, (sold, 1)))
    db.session.commit()
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer(), now=MONDAY)
    part = order.parts[0]
    walk_to_dispatched(part)
    fulfilment.complete(part=part, member=part.member, now=done)
    db.session.commit()
    return order


def walk_to_dispatched(part: OrderPart) -> None:
    fulfilment.start_processing(part=part, member=part.member)
    fulfilment.dispatch(part=part, member=part.member)
    db.session.commit()


# --- reads -------------------------------------------------------------------------


def ledger_total() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))))


def unbalanced_transactions() -> list[int]:
    total = func.sum(LedgerEntry.amount)
    return list(
        db.session.scalars(
            select(LedgerEntry.transaction_id)
            .group_by(LedgerEntry.transaction_id)
            .having(total != 0)
        )
    )


def books_balance() -> bool:
    """Every transaction sums to zero, and so does the whole ledger."""
    return unbalanced_transactions() == [] and ledger_total() == 0


def entries(key: str) -> dict[str, int]:
    """{account code: signed amount} of the transaction posted under `key`."""
    rows = db.session.execute(
        select(LedgerAccount.code, LedgerEntry.amount)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.idempotency_key == key)
    ).all()
    return {code: int(amount) for code, amount in rows}


def is_posted(key: str) -> bool:
    return (
        db.session.scalar(select(func.count()).where(LedgerTransaction.idempotency_key == key)) == 1
    )


def emails() -> list[tuple[str, str]]:
    """(recipient, subject) of every queued email, oldest first."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(OutboxEmail.recipient, OutboxEmail.subject).order_by(OutboxEmail.id)
        )
    ]


def stock_by_variant() -> dict[int, int]:
    return dict(db.session.execute(select(ProductVariant.id, ProductVariant.stock)).all())


def state() -> dict:
    """Everything an order action may write (its history too), read from the database."""
    return {
        "orders": db.session.execute(
            select(
                Order.id, Order.status, Order.paid_at, Order.completed_at, Order.cancelled_at
            ).order_by(Order.id)
        ).all(),
        "parts": db.session.execute(
            select(
                OrderPart.id,
                OrderPart.status,
                OrderPart.paid_at,
                OrderPart.completed_at,
                OrderPart.cancelled_at,
                OrderPart.refund_amount,
                OrderPart.refund_paid_at,
                OrderPart.payable_released_at,
            ).order_by(OrderPart.id)
        ).all(),
        "stock": stock_by_variant(),
        "receipts": count(PaymentReceipt),
        "transactions": count(LedgerTransaction),
        "entries": count(LedgerEntry),
        "emails": count(OutboxEmail),
        "events": count(OrderEvent),
    }


def refused(action, error: type[OrderError] = OrderError) -> str:
    """Run `action`, which must be refused with `error` and leave nothing
    behind: nothing flushed, nothing pending in the session (a query would
    flush it), nothing after the caller's rollback. Returns the message."""
    before = state()
    with pytest.raises(error) as raised:
        action()
    assert state() == before
    db.session.rollback()
    assert state() == before
    return raised.value.message
