"""Sales for the report tests, made through the real services (checkout,
bank_transfer.confirm, the member's steps to completion, cancel_part), dated
when asked; none of them commits, so a property test can roll back."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.core.clock import WIB
from marketplace.extensions import db
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.ledger.services import month_bounds
from marketplace.members.models import Member
from marketplace.orders import fulfilment
from marketplace.orders.models import OrderPart
from marketplace.payments import bank_transfer
from marketplace.payments import cash as cash_payment
from marketplace.treasury.reports import Period
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper

CATEGORIES = ("makanan-minuman", "kerajinan", "batik-fashion")


def day(year: int, month: int, day_of_month: int = 10, hour: int = 10) -> datetime:
    """A moment in Banyumas (WIB), as UTC."""
    return datetime(year, month, day_of_month, hour, tzinfo=WIB).astimezone(UTC)


def shop(kecamatan: str = "sokaraja", *, name: str | None = None) -> Member:
    values = {"kecamatan": factories.kecamatan(kecamatan), "accepts_cash": True}
    if name:
        values["shop_name"] = name
    return factories.MemberFactory(**values)


def product(member: Member, price: int, category: str = "makanan-minuman"):
    """A product of `member` in `category` with one variant at `price`."""
    made = factories.ProductFactory(
        member=member,
        category=factories.category(category),
        variants=[factories.VariantFactory.build(price=price, stock=10_000)],
    )
    return made.variants[0]


def sell(
    member: Member,
    *lines: tuple[int, int, str],
    when: datetime,
    cash: bool = False,
    treasurer=None,
) -> OrderPart:
    """One order from `member` of `lines` (price, quantity, category), paid
    `when`: by bank transfer (the treasurer confirms it) or in cash on
    pickup (the member completes it). Returns the member's part."""
    buyer = shopper()
    cart = cart_with(
        buyer,
        *((product(member, price, category), quantity) for price, quantity, category in lines),
    )
    order = checkout(buyer, cart, payment_method="cash" if cash else "bank_transfer", now=when)
    part = order.parts[0]
    if cash:
        fulfilment.start_processing(part=part, member=member, now=when)
        fulfilment.dispatch(part=part, member=member, now=when)
        cash_payment.confirm(order=order, part=part, amount=part.total, by=member.user, now=when)
    else:
        who = treasurer or factories.UserFactory(roles=[Role.TREASURER])
        bank_transfer.confirm(order=order, amount=order.total, by=who, now=when)
    return part


def refund(part: OrderPart, *, when: datetime) -> OrderPart:
    """The member cannot deliver a paid transfer part: the shopper is owed it back."""
    return fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis", now=when)


def ledger_commission(period: Period) -> int:
    """What the income:commission:* accounts earned in `period`, summed
    straight from the entries (natural sign: income is a credit)."""
    start, end = month_bounds(period.first)[0], month_bounds(period.last)[1]
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerAccount.code.startswith("income:commission:"),
            LedgerTransaction.occurred_at >= start,
            LedgerTransaction.occurred_at < end,
        )
    )
    return -int(total)
