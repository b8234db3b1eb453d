"""Months of sales for the treasurer's reports, placed and paid through the
real services on given days, relative to this (real) month, since a month
can close only after it has ended."""

from datetime import UTC, date, datetime

from marketplace.extensions import db
from marketplace.ledger.services import month_of
from marketplace.orders.models import Order
from marketplace.payments import bank_transfer
from tests.orders.flows import member, two_part_order


def this_month() -> date:
    return month_of(datetime.now(UTC))


def months_ago(count: int) -> date:
    month = this_month()
    for _ in range(count):
        month = (
            date(month.year - 1, 12, 1)
            if month.month == 1
            else date(month.year, month.month - 1, 1)
        )
    return month


def day_in(month: date, day: int = 10) -> datetime:
    """10.00 WIB on `day` of `month`."""
    return datetime(month.year, month.month, day, 3, 0, tzinfo=UTC)


def sale(
    month: date, *, by, day: int = 10, first: str = "wangon", second: str = "sokaraja"
) -> Order:
    """A two-member order (Rp45.000 from a member in `first`, Rp22.500 plus
    delivery from one in `second`) paid by transfer on `day` of `month`."""
    when = day_in(month, day)
    order = two_part_order(now=when, first=member(kecamatan=first), second=member(kecamatan=second))
    bank_transfer.confirm(order=order, amount=order.total, by=by, now=when)
    db.session.commit()
    return order
