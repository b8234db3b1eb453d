"""Ledger rows. An entry's `amount` is signed whole rupiah: a DEBIT is
positive, a CREDIT is negative, so the entries of every transaction, and of
the whole ledger, sum to zero.

An account's natural balance keeps its own sign: assets and expenses grow
with debits (balance = sum of amounts), liabilities and income grow with
credits (balance = -sum of amounts). So cash received is positive on
`cash:bank`, and what the association owes a member is positive on
`payable:member:<id>:available` (negative: the member owes the association).

Transactions and entries are append-only. The ORM refuses to update or
delete them (the listeners at the bottom of this module) and so does the
database (triggers, migration 0004_ledger); a mistake is corrected by a
reversing transaction."""

from datetime import date
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.ledger.errors import LedgerImmutable


class AccountKind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    INCOME = "income"
    EXPENSE = "expense"


# An account code starts with its kind's prefix: `cash:bank`, `payable:member:12:pending`.
KIND_BY_PREFIX = {
    "cash": AccountKind.ASSET,
    "payable": AccountKind.LIABILITY,
    "income": AccountKind.INCOME,
    "expense": AccountKind.EXPENSE,
}
# Multiply the sum of an account's amounts by this to get its natural balance.
NORMAL_SIGN = {
    AccountKind.ASSET: 1,
    AccountKind.EXPENSE: 1,
    AccountKind.LIABILITY: -1,
    AccountKind.INCOME: -1,
}


class TransactionKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    PAYOUT = "payout"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


class LedgerAccount(Model):
    """Opened by the first posting that names its code."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(String(20))
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())


class LedgerTransaction(Model):
    """One posting: entries that sum to zero, recorded once per idempotency key.
    `body_hash` fingerprints what was posted (kind, entries, subject, reversed
    transaction), so a key reused for something else is refused."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        CheckConstraint("(subject_type IS NULL) = (subject_id IS NULL)", name="subject_complete"),
        Index("ix_ledger_transactions_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[Timestamp] = mapped_column(index=True)
    kind: Mapped[TransactionKind] = mapped_column(String(20))
    memo: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the posting is about, e.g. ("order", 17); no foreign key: the ledger
    # serves every domain and knows none of them.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    entries: Mapped[list["LedgerEntry"]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id", passive_deletes="all"
    )


class LedgerEntry(Model):
    """A signed amount on one account: debit positive, credit negative."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # Sums over a span of time read this index alone (PostgreSQL: with the amount).
        Index(
            "ix_ledger_entries_occurred_at",
            "occurred_at",
            "account_id",
            postgresql_include=["amount"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    # The transaction's `occurred_at`, copied: a month's sum reads entries by
    # date without joining their transactions (`flask ledger check` compares).
    occurred_at: Mapped[Timestamp]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")


class LedgerPeriodClose(Model):
    """A closed month (`month` is its first day): no posting may be dated in it."""

    __tablename__ = "ledger_period_closes"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    closed_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class LedgerMonthTotal(Model):
    """What one account moved in one closed month (the sum of its entries
    dated in it, debit positive), written once by `close_month` in the same
    transaction as the close. A closed month accepts no posting, so these
    never go stale; reports and balances read them instead of summing the
    month's entries again, and `flask ledger check` compares the two."""

    __tablename__ = "ledger_month_totals"
    __table_args__ = (
        UniqueConstraint("month", "account_id"),
        Index("ix_ledger_month_totals_account", "account_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    entry_count: Mapped[int]


class LedgerPurgePermit(Model):
    """Always empty. SQLite triggers cannot read a session setting, so on
    SQLite the append-only triggers let a DELETE through only while a row
    exists here, and only the test suite's cleanup adds one, inside the very
    transaction that empties every table (and this one). Nothing in the app
    writes here. PostgreSQL ignores this table: its trigger asks for
    `SET LOCAL ledger.allow_purge = 'on'` instead, which ends with the transaction."""

    __tablename__ = "ledger_purge_permits"

    id: Mapped[int] = mapped_column(primary_key=True)


# --- append-only, in the ORM --------------------------------------------------

APPEND_ONLY = (LedgerTransaction, LedgerEntry, LedgerMonthTotal)
APPEND_ONLY_TABLES = frozenset(model.__tablename__ for model in APPEND_ONLY)
REFUSAL = "Buku besar tidak boleh diubah atau dihapus; koreksi dengan transaksi pembalik."


def _refuse_change(mapper, connection, target) -> None:
    raise LedgerImmutable(REFUSAL)


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in APPEND_ONLY_TABLES:
            raise LedgerImmutable(REFUSAL)


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_statement)
