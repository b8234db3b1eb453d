"""What is behind a row of the treasurer's reports (treasury.reports): the
order parts and ledger transactions whose commission facts make it up,
page by page, with the row's totals, which are the report row's own; and,
at the bottom, one ledger transaction with its entries."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, exists, func, select

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.ledger.services import month_bounds
from marketplace.members.models import Kecamatan, Member
from marketplace.orders.models import CommissionFact, Order
from marketplace.orders.settlement import COMMISSION
from marketplace.treasury import accounts
from marketplace.treasury.reports import Dimension, Period, ReportRow, in_period

# The key of the category row of lines without a category (ReportRow.key "").
NO_CATEGORY = "tanpa-kategori"
# The key of the row of commission no fact explains (Report.unattributed), in every dimension.
UNATTRIBUTED = "tidak-terperinci"
DRILL_PER_PAGE = 50
SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
ID_PATTERN = re.compile(r"[1-9][0-9]{0,17}")
KIND_LABELS = {
    "sale": "Penjualan",
    "refund": "Pengembalian dana",
    "payout": "Pembayaran ke anggota",
    "fee": "Biaya",
    "adjustment": "Penyesuaian",
}
# What a transaction not about an order is about (`subject_type`), in words.
SUBJECT_LABELS = {"stripe_payout": "Pencairan Stripe"}


def row_key(row: ReportRow) -> str:
    """The key a row's drill-down address carries."""
    return row.key or NO_CATEGORY


def _drill_condition(dimension: Dimension, key: str):
    """The facts of one report row; LookupError for a key no row can have."""
    if dimension == Dimension.KECAMATAN and SLUG_PATTERN.fullmatch(key):
        return CommissionFact.kecamatan_slug == key
    if dimension == Dimension.CATEGORY and key == NO_CATEGORY:
        return CommissionFact.category_id.is_(None)
    if dimension == Dimension.CATEGORY and ID_PATTERN.fullmatch(key):
        return CommissionFact.category_id == int(key)
    if dimension == Dimension.MEMBER and ID_PATTERN.fullmatch(key):
        return CommissionFact.member_id == int(key)
    raise LookupError(key)


def _name_of(dimension: Dimension, key: str) -> str | None:
    """The row's name when the period has no fact to copy it from."""
    if dimension == Dimension.CATEGORY and key == NO_CATEGORY:
        return "Tanpa kategori"
    column, by = {
        Dimension.KECAMATAN: (Kecamatan.name, Kecamatan.slug),
        Dimension.CATEGORY: (Category.name, Category.id),
        Dimension.MEMBER: (Member.shop_name, Member.id),
    }[dimension]
    wanted = key if dimension == Dimension.KECAMATAN else int(key)
    return db.session.scalar(select(column).where(by == wanted))


def drill_rows(period: Period, dimension: Dimension, key: str) -> Select:
    """The order parts and ledger transactions behind one report row, newest
    first: one row per transaction, part and category, with (occurred_at,
    transaction_id, kind, order_code, shop_name, category_name, gross,
    commission). Raises LookupError for a key no row can have."""
    condition = _drill_condition(dimension, key)
    return (
        select(
            LedgerTransaction.occurred_at,
            LedgerTransaction.id.label("transaction_id"),
            LedgerTransaction.kind,
            Order.code.label("order_code"),
            func.max(CommissionFact.shop_name).label("shop_name"),
            func.max(CommissionFact.category_name).label("category_name"),
            func.sum(CommissionFact.gross).label("gross"),
            func.sum(CommissionFact.commission).label("commission"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == CommissionFact.transaction_id)
        .join(Order, Order.id == CommissionFact.order_id)
        .where(*in_period(period), condition)
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.occurred_at,
            LedgerTransaction.kind,
            Order.code,
            CommissionFact.part_id,
            CommissionFact.category_id,
        )
        .order_by(
            LedgerTransaction.occurred_at.desc(),
            LedgerTransaction.id.desc(),
            CommissionFact.part_id,
            CommissionFact.category_id,
        )
    )


@dataclass(frozen=True)
class DrillRow:
    occurred_at: datetime
    transaction_id: int
    kind: str
    order_code: str
    shop_name: str
    category_name: str
    gross: int
    commission: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Drill:
    """One page of what is behind a report row, and the row's totals (the
    same as the report's row)."""

    period: Period
    dimension: Dimension
    key: str
    name: str
    total: int  # rows over every page
    gross: int
    commission: int
    rows: list[DrillRow]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def rate_bps(self) -> int | None:
        return ReportRow("", "", self.gross, 0, self.commission).rate_bps


def drill(
    period: Period,
    dimension: Dimension,
    key: str,
    *,
    page: int = 1,
    per_page: int = DRILL_PER_PAGE,
) -> Drill:
    """Page `page` of `drill_rows`: two queries (three for a row without
    sales in the period, to find its name) whatever the page size. Raises
    LookupError for an unknown row."""
    rows = drill_rows(period, dimension, key).subquery()
    count, gross, commission, shop_name, category_name = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(rows.c.gross), 0),
            func.coalesce(func.sum(rows.c.commission), 0),
            func.max(rows.c.shop_name),
            func.max(rows.c.category_name),
        ).select_from(rows)
    ).one()
    # The name the report gives the row, copied on its facts (a kecamatan's lives in its table).
    name = {Dimension.MEMBER: shop_name, Dimension.CATEGORY: category_name}.get(dimension)
    found: Sequence[Row[Any]] = []
    if count:
        found = db.session.execute(
            drill_rows(period, dimension, key).limit(per_page).offset((page - 1) * per_page)
        ).all()
    if name is None:
        name = _name_of(dimension, key)
    if name is None:
        raise LookupError(key)
    return Drill(
        period=period,
        dimension=dimension,
        key=key,
        name=name,
        total=int(count),
        gross=int(gross),
        commission=int(commission),
        rows=[
            DrillRow(
                occurred_at=row.occurred_at,
                transaction_id=row.transaction_id,
                kind=row.kind,
                order_code=row.order_code,
                shop_name=row.shop_name,
                category_name=row.category_name,
                gross=int(row.gross),
                commission=int(row.commission),
            )
            for row in found
        ],
        page=page,
        per_page=per_page,
    )


# --- what no fact explains ---------------------------------------------------------


@dataclass(frozen=True)
class UnattributedRow:
    """A transaction that moved the commission income without commission
    facts: a manual adjustment, or a sale posted before the facts existed."""

    transaction_id: int
    occurred_at: datetime
    kind: str
    memo: str
    commission: int  # natural-signed: income earned is positive

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def unattributed(period: Period) -> list[UnattributedRow]:
    """The transactions behind `Report.unattributed`, newest first; one query.
    Their commission adds up to it."""
    start, end = month_bounds(period.first)[0], month_bounds(period.last)[1]
    moved = func.sum(LedgerEntry.amount)
    rows = db.session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.occurred_at,
            LedgerTransaction.kind,
            LedgerTransaction.memo,
            moved,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.code.startswith(COMMISSION + ":"),
            LedgerTransaction.occurred_at >= start,
            LedgerTransaction.occurred_at < end,
            ~exists().where(CommissionFact.transaction_id == LedgerTransaction.id),
        )
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.occurred_at,
            LedgerTransaction.kind,
            LedgerTransaction.memo,
        )
        .having(moved != 0)
        .order_by(LedgerTransaction.occurred_at.desc(), LedgerTransaction.id.desc())
    ).all()
    return [
        UnattributedRow(id_, occurred_at, kind, memo, -int(amount))
        for id_, occurred_at, kind, memo, amount in rows
    ]


# --- one ledger transaction -----------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    code: str
    name: str
    debit: int
    credit: int


@dataclass(frozen=True)
class TransactionDetail:
    """One ledger transaction as the treasurer reads it: who recorded it,
    its entries by account, what it is about and what reversed it."""

    transaction: LedgerTransaction
    recorded_by: str | None
    entries: list[EntryLine]
    order_code: str | None  # when it is about an order
    reversed_by: int | None  # the transaction that reverses this one
    # Every transaction about the same subject, this one included: (id, kind label, when, memo).
    related: list[tuple[int, str, datetime, str]]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.transaction.kind, self.transaction.kind)

    @property
    def subject_label(self) -> str:
        """What it is about, in words: `Pencairan Stripe #3`."""
        kind = self.transaction.subject_type or ""
        return f"{SUBJECT_LABELS.get(kind, kind)} #{self.transaction.subject_id}"

    @property
    def debit(self) -> int:
        return sum(entry.debit for entry in self.entries)

    @property
    def credit(self) -> int:
        return sum(entry.credit for entry in self.entries)


def transaction_detail(transaction_id: int) -> TransactionDetail | None:
    """Five queries whatever the number of entries; None for an unknown id."""
    found = db.session.execute(
        select(LedgerTransaction, User.name)
        .outerjoin(User, User.id == LedgerTransaction.recorded_by_id)
        .where(LedgerTransaction.id == transaction_id)
    ).one_or_none()
    if found is None:
        return None
    transaction, recorded_by = found
    entries = db.session.execute(
        select(LedgerAccount.code, LedgerEntry.amount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == transaction_id)
        .order_by(LedgerEntry.id)
    ).all()
    reversed_by = db.session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
    )
    order_code = None
    related = []
    if transaction.subject_type is not None:
        related = [
            (row.id, KIND_LABELS.get(row.kind, row.kind), row.occurred_at, row.memo)
            for row in db.session.execute(
                select(
                    LedgerTransaction.id,
                    LedgerTransaction.kind,
                    LedgerTransaction.occurred_at,
                    LedgerTransaction.memo,
                )
                .where(
                    LedgerTransaction.subject_type == transaction.subject_type,
                    LedgerTransaction.subject_id == transaction.subject_id,
                )
                .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
            )
        ]
    if transaction.subject_type == "order":
        order_code = db.session.scalar(select(Order.code).where(Order.id == transaction.subject_id))
    names = accounts.labels(code for code, _ in entries)
    return TransactionDetail(
        transaction=transaction,
        recorded_by=recorded_by,
        entries=[
            EntryLine(code, names[code], max(int(amount), 0), max(-int(amount), 0))
            for code, amount in entries
        ],
        order_code=order_code,
        reversed_by=reversed_by,
        related=related,
    )
