"""The treasurer's month by month: the dashboard's income overview, the
monthly report (with its sign-off), the list of months with a report, and
the figures of the public transparency page. Built on treasury.reports, so
every number agrees with the reports and exports."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from marketplace.accounts.models import User
from marketplace.core.clock import as_date, as_utc
from marketplace.extensions import db
from marketplace.ledger.balances import monthly, months_between, trial_balance
from marketplace.ledger.models import LedgerPeriodClose, LedgerTransaction
from marketplace.ledger.services import closed_through, month_of, next_month, previous_month
from marketplace.orders.models import CommissionFact
from marketplace.orders.settlement import COMMISSION
from marketplace.treasury.reports import (
    MAX_MONTHS,
    SORT_KEYS,
    Chapter,
    Dimension,
    FundSplit,
    Period,
    ReportError,
    ReportRow,
    Sort,
    chapters_of,
    fact_rows,
    funds_by_month,
    in_period,
    kecamatan_names,
    month_arg,
    month_name,
)

# --- dashboard and monthly report ---------------------------------------------------

# How many months the dashboard's chart shows, this month included.
CHART_MONTHS = 12
# How many kecamatan and categories the monthly report names.
TOP_ROWS = 5
REPORT_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")  # ASCII digits only, as in its address


@dataclass(frozen=True)
class Income:
    """The dashboard's commission income: this month, last month, this year
    so far, and the last CHART_MONTHS months by fund (oldest first)."""

    this_month: int
    last_month: int
    year_to_date: int
    months: list[tuple[date, FundSplit]]


def income_overview(today: date) -> Income:
    """The commission income the treasurer's home shows; one ledger query
    (the chart's months and the year so far read together)."""
    this_month = date(today.year, today.month, 1)
    first = this_month
    for _ in range(CHART_MONTHS - 1):
        first = previous_month(first)
    first = min(first, date(today.year, 1, 1))
    by_month = funds_by_month(Period(first, this_month))
    totals = {month: split.total for month, split in by_month}
    return Income(
        this_month=totals[this_month],
        last_month=totals.get(previous_month(this_month), 0),
        year_to_date=sum(amount for month, amount in totals.items() if month.year == today.year),
        months=by_month[-CHART_MONTHS:],
    )


@dataclass(frozen=True)
class Change:
    """A figure this month against the month before."""

    now: int
    before: int

    @property
    def difference(self) -> int:
        return self.now - self.before

    @property
    def percent_tenths(self) -> int | None:
        """The change in tenths of a percent, rounded half away from zero;
        None when the month before had nothing to compare with."""
        if self.before == 0:
            return None
        scaled = abs(self.difference) * 1000 * 2 + abs(self.before)
        tenths = scaled // (2 * abs(self.before))
        return tenths if self.difference >= 0 else -tenths

    @property
    def percent_label(self) -> str:
        """`+12,5 %`, `-3 %`, `0 %`; `—` without a month before to compare with."""
        tenths = self.percent_tenths
        if tenths is None:
            return "—"
        sign = "+" if tenths > 0 else "-" if tenths < 0 else ""
        whole, tenth = divmod(abs(tenths), 10)
        number = f"{whole:,}".replace(",", ".") + (f",{tenth}" if tenth else "")
        return f"{sign}{number} %"


@dataclass(frozen=True)
class SignOff:
    """Who closed the month and when (a moment, UTC)."""

    closed_by: str
    closed_at: datetime


@dataclass(frozen=True)
class MonthSummary:
    """One month for the association's meeting: the fund allocation, the
    best kecamatan and categories, the members who sold, the change against
    the month before, the trial balance at the month's end, and the close."""

    month: date
    funds: FundSplit
    chapters: list[Chapter]  # every kecamatan, by name, with its chapter's share
    top_kecamatan: list[ReportRow]
    top_categories: list[ReportRow]
    members_sold: int
    commission: Change
    gross: Change
    orders: Change
    debit_total: int
    credit_total: int
    sign_off: SignOff | None

    @property
    def label(self) -> str:
        return month_name(self.month)

    @property
    def previous_label(self) -> str:
        return month_name(previous_month(self.month))

    @property
    def is_closed(self) -> bool:
        return self.sign_off is not None

    @property
    def is_balanced(self) -> bool:
        return self.debit_total == self.credit_total


def _sign_off(month: date) -> SignOff | None:
    found = db.session.execute(
        select(User.name, LedgerPeriodClose.closed_at)
        .join(User, User.id == LedgerPeriodClose.closed_by_id)
        .where(LedgerPeriodClose.month == month)
    ).one_or_none()
    if found is None:
        return None
    return SignOff(closed_by=found[0], closed_at=as_utc(found[1]))


def _sales_by_month(period: Period) -> dict[date, tuple[int, int, int]]:
    """{month: (gross sales, sold orders, members who sold)} from the commission
    facts; an order or a member counts in a month when what it sold there is
    more than what came back in it, as in the reports (`fact_rows`)."""

    def net(column: InstrumentedAttribute[int]) -> Subquery:
        return (
            select(
                CommissionFact.month.label("month"),
                func.sum(CommissionFact.gross).label("gross"),
            )
            .where(*in_period(period))
            .group_by(CommissionFact.month, column)
            .subquery()
        )

    orders, members = net(CommissionFact.order_id), net(CommissionFact.member_id)
    found: dict[date, tuple[int, int, int]] = {}
    sold_members = {
        as_date(month): int(count)
        for month, count in db.session.execute(
            select(members.c.month, func.count(case((members.c.gross > 0, 1)))).group_by(
                members.c.month
            )
        )
    }
    for month, gross, sold in db.session.execute(
        select(
            orders.c.month, func.sum(orders.c.gross), func.count(case((orders.c.gross > 0, 1)))
        ).group_by(orders.c.month)
    ):
        month = as_date(month)
        found[month] = (int(gross), int(sold), sold_members.get(month, 0))
    return found


def _top(rows: list[ReportRow]) -> list[ReportRow]:
    sold = [row for row in rows if row.gross > 0 or row.commission != 0]
    return sorted(sold, key=SORT_KEYS[Sort.COMMISSION])[:TOP_ROWS]


def month_summary(month: date) -> MonthSummary:
    """The meeting's report of `month` (a first day); a fixed number of queries.
    For a closed month every figure comes from what was recorded in or for
    it, so the report reads the same whatever happens later."""
    previous = previous_month(month)
    by_month = dict(funds_by_month(Period(previous, month)))
    sales = _sales_by_month(Period(previous, month))
    gross, orders, members = sales.get(month, (0, 0, 0))
    gross_before, orders_before, _ = sales.get(previous, (0, 0, 0))
    names = kecamatan_names()
    kecamatan = [
        ReportRow(row.key, names.get(row.key, row.key), row.gross, row.orders, row.commission)
        for row in fact_rows(Period.month(month), Dimension.KECAMATAN)
    ]
    closing = trial_balance(before=next_month(month))
    return MonthSummary(
        month=month,
        funds=by_month[month],
        chapters=chapters_of(by_month[month], names),
        top_kecamatan=_top(kecamatan),
        top_categories=_top(fact_rows(Period.month(month), Dimension.CATEGORY)),
        members_sold=members,
        commission=Change(by_month[month].total, by_month[previous].total),
        gross=Change(gross, gross_before),
        orders=Change(orders, orders_before),
        debit_total=sum(row.debit for row in closing),
        credit_total=sum(row.credit for row in closing),
        sign_off=_sign_off(month),
    )


@dataclass(frozen=True)
class ReportMonth:
    """A month with postings, for the list of monthly reports."""

    month: date
    commission: int
    is_closed: bool

    @property
    def label(self) -> str:
        return month_name(self.month)


def report_months() -> list[ReportMonth]:
    """Every month with postings, newest first, with its commission income
    and whether it is closed; a fixed number of queries."""
    first, last = db.session.execute(
        select(func.min(LedgerTransaction.occurred_at), func.max(LedgerTransaction.occurred_at))
    ).one()
    if first is None:
        return []
    through = closed_through()
    moved = monthly(month_of(as_utc(first)), month_of(as_utc(last)))
    return [
        ReportMonth(
            month=month,
            commission=FundSplit.of(
                {code: amount for code, amount in codes.items() if code.startswith(COMMISSION)}
            ).total,
            is_closed=through is not None and month <= through,
        )
        for month, codes in sorted(moved.items(), reverse=True)
        if codes
    ]


@dataclass(frozen=True)
class ClosedMonth:
    month: date
    funds: FundSplit
    chapters: list[Chapter]

    @property
    def label(self) -> str:
        return month_name(self.month)


@dataclass(frozen=True)
class Transparency:
    """What the public transparency page shows: closed months only, newest first."""

    months: list[ClosedMonth]

    @property
    def total(self) -> FundSplit:
        return FundSplit.total_of(closed.funds for closed in self.months)


def transparency() -> Transparency:
    """Each closed month's commission by fund and chapter, newest first (the
    latest MAX_MONTHS), read from the totals written when each month closed;
    a fixed number of queries."""
    through = closed_through()
    if through is None:
        return Transparency([])
    first = db.session.scalar(select(func.min(LedgerPeriodClose.month)))
    months = months_between(first or through, through)[-MAX_MONTHS:]
    names = kecamatan_names()
    return Transparency(
        [
            ClosedMonth(month, split, chapters_of(split, names))
            for month, split in reversed(funds_by_month(Period(months[0], months[-1])))
        ]
    )


def report_month(text: str, *, this_month: date) -> date:
    """The month a monthly report's address names (`2026-11`), up to `this_month`."""
    if REPORT_MONTH.fullmatch(text):
        month = month_arg(text, "Bulan")
        if month <= this_month:
            return month
    raise ReportError("Laporan bulanan ada untuk bulan yang sudah berjalan, misalnya 2026-11.")
