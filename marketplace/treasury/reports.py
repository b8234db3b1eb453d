"""The treasurer's numbers: commission income over a period, by fund, by
month, and by kecamatan, category and member. Every page, export and chart
of the treasurer reads them here, so they agree with each other.

Funds come from the ledger (`ledger.balances.monthly` over the
`income:commission:*` accounts): they are the books. The breakdown by
kecamatan, category and member comes from the commission facts that
settlement writes with each sale and refund posting. What the ledger holds
and the facts do not (a manual adjustment of an income account, sales
posted before the facts existed) is shown as `unattributed`, so every
report still adds up to the ledger.

A period is counted by when the money was posted: a sale in March refunded
in April is +commission in March and -commission in April. A closed month
accepts no posting, so its numbers never change.

About 490 lines on purpose: the period, the fund split and the breakdown
share their types and must agree with each other; what is built on them
month by month (dashboard, monthly report, transparency) is
treasury/monthly.py."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import case, func, select

from marketplace.core.jinja import MONTHS_ID
from marketplace.core.money import BPS_WHOLE
from marketplace.extensions import db
from marketplace.ledger.balances import TrialBalanceRow, monthly, months_between, trial_balance
from marketplace.ledger.services import closed_through, next_month
from marketplace.members.models import Kecamatan
from marketplace.orders.models import CommissionFact
from marketplace.orders.settlement import CENTRAL, CHAPTER_PREFIX, COMMISSION, EMPOWERMENT
from marketplace.treasury import accounts

FUND_LABELS = {
    "empowerment": "Pemberdayaan anggota",
    "central": "Kantor pusat",
    "chapters": "Cabang kecamatan",
}
# A report covers at most this many months (five years), so one query stays one query.
MAX_MONTHS = 60
FIRST_YEAR = 2000
LAST_YEAR = 2100
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
YEAR_PATTERN = re.compile(r"\d{4}")


class ReportError(ValueError):
    """A period or a sort the treasurer asked for that makes no sense; the message is for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def month_name(month: date) -> str:
    """`November 2026`."""
    return f"{MONTHS_ID[month.month - 1]} {month.year}"


@dataclass(frozen=True)
class Period:
    """Whole Banyumas months from `first` to `last` (first days, inclusive)."""

    first: date
    last: date

    @classmethod
    def month(cls, month: date) -> "Period":
        return cls(month, month)

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 1))

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    @property
    def is_month(self) -> bool:
        return self.first == self.last

    @property
    def is_year(self) -> bool:
        return self.first.month == 1 and self.last == date(self.first.year, 12, 1)

    @property
    def label(self) -> str:
        if self.is_month:
            return month_name(self.first)
        if self.is_year:
            return f"Tahun {self.first.year}"
        return f"{month_name(self.first)} – {month_name(self.last)}"

    @property
    def slug(self) -> str:
        """For file names: `2026-11`, `2026`, `2026-01_2026-03`."""
        if self.is_month:
            return f"{self.first:%Y-%m}"
        if self.is_year:
            return f"{self.first:%Y}"
        return f"{self.first:%Y-%m}_{self.last:%Y-%m}"

    @property
    def args(self) -> dict[str, str]:
        """The query string that asks for this period again."""
        if self.is_month:
            return {"bulan": f"{self.first:%Y-%m}"}
        if self.is_year:
            return {"tahun": f"{self.first:%Y}"}
        return {"dari": f"{self.first:%Y-%m}", "sampai": f"{self.last:%Y-%m}"}

    def is_closed(self) -> bool:
        """Every month of the period is closed: its numbers are final."""
        through = closed_through()
        return through is not None and self.last <= through


def month_arg(text: str, what: str) -> date:
    found = MONTH_PATTERN.fullmatch(text.strip())
    if found:
        year, month = int(found[1]), int(found[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    raise ReportError(f"{what} ditulis sebagai tahun-bulan, misalnya 2026-11.")


def parse_period(args: Mapping[str, str], *, today: date) -> Period:
    """The period a report's query string asks for: `bulan=2026-11`,
    `tahun=2026`, or `dari=2026-01&sampai=2026-03`; this month when none."""
    if args.get("tahun"):
        text = args["tahun"].strip()
        if YEAR_PATTERN.fullmatch(text) and FIRST_YEAR <= int(text) <= LAST_YEAR:
            return Period.year(int(text))
        raise ReportError("Tahun ditulis dengan empat angka, misalnya 2026.")
    if args.get("dari") or args.get("sampai"):
        first = month_arg(args.get("dari") or args.get("sampai", ""), "Bulan awal")
        last = month_arg(args.get("sampai") or args.get("dari", ""), "Bulan akhir")
        if last < first:
            raise ReportError("Bulan akhir tidak boleh sebelum bulan awal.")
        if len(months_between(first, last)) > MAX_MONTHS:
            raise ReportError(f"Satu laporan paling banyak {MAX_MONTHS} bulan.")
        return Period(first, last)
    if args.get("bulan"):
        return Period.month(month_arg(args["bulan"], "Bulan"))
    return Period.month(date(today.year, today.month, 1))


# --- funds ----------------------------------------------------------------------


@dataclass(frozen=True)
class FundSplit:
    """Commission income by fund (natural-signed rupiah): the association's
    empowerment fund, the central office, and each kecamatan chapter by slug."""

    empowerment: int = 0
    central: int = 0
    chapters: Mapping[str, int] = field(default_factory=dict)

    @property
    def chapters_total(self) -> int:
        return sum(self.chapters.values())

    @property
    def total(self) -> int:
        return self.empowerment + self.central + self.chapters_total

    @classmethod
    def of(cls, moved: Mapping[str, int]) -> "FundSplit":
        return cls(
            empowerment=moved.get(EMPOWERMENT, 0),
            central=moved.get(CENTRAL, 0),
            chapters={
                code.removeprefix(CHAPTER_PREFIX): amount
                for code, amount in sorted(moved.items())
                if code.startswith(CHAPTER_PREFIX)
            },
        )

    @classmethod
    def total_of(cls, splits: Iterable["FundSplit"]) -> "FundSplit":
        """The sum of `splits` (months, say), fund by fund."""
        total = cls()
        for split in splits:
            total = total + split
        return total

    def __add__(self, other: "FundSplit") -> "FundSplit":
        chapters = dict(self.chapters)
        for slug, amount in other.chapters.items():
            chapters[slug] = chapters.get(slug, 0) + amount
        return FundSplit(
            empowerment=self.empowerment + other.empowerment,
            central=self.central + other.central,
            chapters=dict(sorted(chapters.items())),
        )


def funds_by_month(period: Period) -> list[tuple[date, FundSplit]]:
    """Each month of `period` with its commission income by fund; one query."""
    moved = monthly(period.first, period.last, COMMISSION)
    return [(month, FundSplit.of(moved[month])) for month in period.months]


def funds(period: Period) -> FundSplit:
    """The period's commission income by fund."""
    return FundSplit.total_of(split for _, split in funds_by_month(period))


# --- by kecamatan, category and member --------------------------------------------


class Dimension(StrEnum):
    KECAMATAN = "kecamatan"
    CATEGORY = "kategori"
    MEMBER = "anggota"

    @property
    def label(self) -> str:
        return DIMENSION_LABELS[self]


DIMENSION_LABELS = {
    Dimension.KECAMATAN: "Kecamatan",
    Dimension.CATEGORY: "Kategori",
    Dimension.MEMBER: "Anggota",
}


class Sort(StrEnum):
    COMMISSION = "komisi"
    GROSS = "penjualan"
    ORDERS = "pesanan"
    RATE = "tarif"
    NAME = "nama"


@dataclass(frozen=True)
class ReportRow:
    """One kecamatan, category or member over the period. `key` is the
    kecamatan's slug, or the category's or member's id as text ("" for
    lines without a category)."""

    key: str
    name: str
    gross: int
    orders: int
    commission: int
    # Kecamatan rows: what that chapter's fund received (from the ledger).
    chapter: int | None = None

    @property
    def rate_bps(self) -> int | None:
        """Commission over gross sales, in basis points rounded half up; None without sales."""
        if self.gross <= 0:
            return None
        return (self.commission * BPS_WHOLE * 2 + self.gross) // (2 * self.gross)


@dataclass(frozen=True)
class Report:
    period: Period
    dimension: Dimension
    rows: list[ReportRow]
    funds: FundSplit
    # Orders that sold more in the period than came back in it (an order spans
    # members and categories: not the rows' sum).
    orders: int

    @property
    def gross(self) -> int:
        return sum(row.gross for row in self.rows)

    @property
    def commission(self) -> int:
        """The rows' commission; with `unattributed`, the ledger's commission income."""
        return sum(row.commission for row in self.rows)

    @property
    def unattributed(self) -> int:
        """Commission income in the ledger that no fact explains: manual
        adjustments of the income accounts, sales posted before the facts."""
        return self.funds.total - self.commission

    @property
    def rate_bps(self) -> int | None:
        return ReportRow("", "", self.gross, self.orders, self.commission).rate_bps


_GROUPING = {
    Dimension.KECAMATAN: (CommissionFact.kecamatan_slug, func.max(CommissionFact.kecamatan_slug)),
    Dimension.CATEGORY: (CommissionFact.category_id, func.max(CommissionFact.category_name)),
    Dimension.MEMBER: (CommissionFact.member_id, func.max(CommissionFact.shop_name)),
}


def in_period(period: Period) -> list:
    return [CommissionFact.month >= period.first, CommissionFact.month <= period.last]


def fact_rows(period: Period, dimension: Dimension) -> list[ReportRow]:
    """One query: the facts summed per row and order first, so that an order
    counts in a row when what it sold there in the period is more than what
    came back in it (a part sold and refunded in the same period is no order)."""
    key, name = _GROUPING[dimension]
    per_order = (
        select(
            key.label("key"),
            name.label("name"),
            func.sum(CommissionFact.gross).label("gross"),
            func.sum(CommissionFact.commission).label("commission"),
        )
        .where(*in_period(period))
        .group_by(key, CommissionFact.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            per_order.c.key,
            func.max(per_order.c.name),
            func.sum(per_order.c.gross),
            func.count(case((per_order.c.gross > 0, 1))),
            func.sum(per_order.c.commission),
        ).group_by(per_order.c.key)
    ).all()
    return [
        ReportRow(
            key="" if row_key is None else str(row_key),
            name=row_name or "Tanpa kategori",
            gross=int(gross),
            orders=int(orders),
            commission=int(commission),
        )
        for row_key, row_name, gross, orders, commission in rows
    ]


def _sold_orders(period: Period) -> int:
    """Orders that sold more in the period than came back in it."""
    per_order = (
        select(CommissionFact.order_id)
        .where(*in_period(period))
        .group_by(CommissionFact.order_id)
        .having(func.sum(CommissionFact.gross) > 0)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(per_order)) or 0


def _with_every_kecamatan(rows: list[ReportRow], split: FundSplit) -> list[ReportRow]:
    """All 27 kecamatan, those without sales as zero rows, with their chapter's fund."""
    found = {row.key: row for row in rows}
    every = []
    for slug, name in kecamatan_names().items():
        row = found.pop(slug, None) or ReportRow(slug, name, 0, 0, 0)
        every.append(
            ReportRow(
                slug, name, row.gross, row.orders, row.commission, split.chapters.get(slug, 0)
            )
        )
    for slug, row in found.items():  # a kecamatan no longer in the list: keep its money visible
        every.append(
            ReportRow(
                slug, slug, row.gross, row.orders, row.commission, split.chapters.get(slug, 0)
            )
        )
    for slug, amount in split.chapters.items():
        if slug not in {row.key for row in every}:
            every.append(ReportRow(slug, slug, 0, 0, 0, amount))
    return every


SORT_KEYS = {
    Sort.COMMISSION: lambda row: (-row.commission, row.name.casefold()),
    Sort.GROSS: lambda row: (-row.gross, row.name.casefold()),
    Sort.ORDERS: lambda row: (-row.orders, row.name.casefold()),
    Sort.RATE: lambda row: (-(row.rate_bps or 0), row.name.casefold()),
    Sort.NAME: lambda row: (row.name.casefold(), row.key),
}


def report(period: Period, dimension: Dimension, sort: Sort = Sort.COMMISSION) -> Report:
    """Commission income of `period` by `dimension`, sorted; a fixed number
    of queries whatever the number of rows."""
    split = funds(period)
    rows = fact_rows(period, dimension)
    if dimension == Dimension.KECAMATAN:
        rows = _with_every_kecamatan(rows, split)
    rows.sort(key=SORT_KEYS[sort])
    return Report(
        period=period, dimension=dimension, rows=rows, funds=split, orders=_sold_orders(period)
    )


# --- the books: a month's close ------------------------------------------------------


@dataclass(frozen=True)
class ClosingBalance:
    """A month's closing trial balance: the accounts with a balance when
    the month ended, and the debit and credit totals (equal in sound books)."""

    month: date
    rows: list[TrialBalanceRow]
    # {code: how the treasurer reads it} (treasury.accounts)
    names: dict[str, str]

    @property
    def debit(self) -> int:
        return sum(row.debit for row in self.rows)

    @property
    def credit(self) -> int:
        return sum(row.credit for row in self.rows)

    @property
    def is_balanced(self) -> bool:
        return self.debit == self.credit


def closing_balance(month: date) -> ClosingBalance:
    """The trial balance as `month` (its first day) ended, accounts without a balance left out."""
    rows = [row for row in trial_balance(before=next_month(month)) if row.debit or row.credit]
    return ClosingBalance(month, rows, accounts.labels(row.code for row in rows))


def amount_moved(entries: Iterable) -> int:
    """What a transaction moved: the sum of its debits (= of its credits)."""
    return sum(entry.amount for entry in entries if entry.amount > 0)


def rate_text(bps: int | None) -> str:
    """An effective rate as the treasurer reads it: 500 -> `5,0 %`, one
    decimal rounded half up; `–` without sales."""
    if bps is None:
        return "–"
    tenths = (bps + 5) // 10
    return f"{tenths // 10},{tenths % 10} %"


# --- by fund, month by month -----------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    """What one kecamatan chapter's fund received."""

    slug: str
    name: str
    amount: int


def kecamatan_names() -> dict[str, str]:
    """{slug: name} of the 27 kecamatan, by name."""
    rows = db.session.execute(select(Kecamatan.slug, Kecamatan.name).order_by(Kecamatan.name))
    return {slug: name for slug, name in rows}


def chapters_of(split: FundSplit, names: Mapping[str, str]) -> list[Chapter]:
    """Every kecamatan's chapter with its share of `split`, by name; a
    chapter no longer in the list keeps its money visible, under its slug."""
    chapters = [Chapter(slug, name, split.chapters.get(slug, 0)) for slug, name in names.items()]
    chapters += [
        Chapter(slug, slug, amount) for slug, amount in split.chapters.items() if slug not in names
    ]
    return chapters


@dataclass(frozen=True)
class FundReport:
    """The period's commission split into the three funds, month by month,
    and each of the 27 chapters' part of the kecamatan fund."""

    period: Period
    months: list[tuple[date, FundSplit]]
    chapters: list[Chapter]

    @property
    def total(self) -> FundSplit:
        return FundSplit.total_of(split for _, split in self.months)


def fund_report(period: Period) -> FundReport:
    """Three queries whatever the length of the period."""
    by_month = funds_by_month(period)
    total = FundSplit.total_of(split for _, split in by_month)
    chapters = chapters_of(total, kecamatan_names())
    return FundReport(period=period, months=by_month, chapters=chapters)
