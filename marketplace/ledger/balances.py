"""Reads of the ledger: balances, the trial balance, what accounts moved
month by month, the entries of a transaction, and the audit behind
`flask ledger check`.

A balance is natural-signed (see models): positive cash is money held,
a positive payable is owed by the association, positive income is earned.

Sums read the closed months from their `LedgerMonthTotal` rows and add the
entries of the months still open, so their cost follows the open months,
not the age of the ledger."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Select, case, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from marketplace.core.clock import as_date
from marketplace.extensions import db
from marketplace.ledger.models import (
    NORMAL_SIGN,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerMonthTotal,
    LedgerPeriodClose,
    LedgerTransaction,
)
from marketplace.ledger.services import closed_through, month_bounds, next_month

PREFIX_PATTERN = re.compile(r"((cash|payable|income|expense)(:[a-z0-9][a-z0-9-]*)*)?:?")


@dataclass(frozen=True)
class TrialBalanceRow:
    """An account's net position on the debit side or on the credit side."""

    code: str
    name: str
    kind: AccountKind
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return NORMAL_SIGN[self.kind] * (self.debit - self.credit)


def _open_entries(since: datetime | None, until: datetime | None) -> Select:
    """(account_id, amount) of the entries no month total holds: dated after
    the last closed month (all of them before any close), and before `until`."""
    statement = select(LedgerEntry.account_id, LedgerEntry.amount)
    if since is not None:
        statement = statement.where(LedgerEntry.occurred_at >= since)
    if until is not None:
        statement = statement.where(LedgerEntry.occurred_at < until)
    return statement


def _account_sums(*conditions, before: date | None = None) -> list[tuple[LedgerAccount, int]]:
    """Each account's sum of entries, dated before the month `before` when given."""
    through = closed_through()
    since = month_bounds(through)[1] if through is not None else None
    totals = select(LedgerMonthTotal.account_id, LedgerMonthTotal.amount)
    until = None
    if before is not None:
        totals = totals.where(LedgerMonthTotal.month < before)
        until = month_bounds(before)[0]
    moved = union_all(totals, _open_entries(since, until)).subquery()
    total = func.coalesce(func.sum(moved.c.amount), 0)
    rows = db.session.execute(
        select(LedgerAccount, total)
        .outerjoin(moved, moved.c.account_id == LedgerAccount.id)
        .where(*conditions)
        .group_by(LedgerAccount.id)
        .order_by(LedgerAccount.code)
    ).all()
    # PostgreSQL sums bigint into numeric (a Decimal): back to whole rupiah.
    return [(account, int(amount)) for account, amount in rows]


def _under(prefix: str) -> list:
    """The condition for accounts whose code is `prefix` or lies under it."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"not an account code prefix: {prefix!r}")
    prefix = prefix.rstrip(":")
    if not prefix:
        return []
    return [or_(LedgerAccount.code == prefix, LedgerAccount.code.startswith(prefix + ":"))]


def balance(account_code: str) -> int:
    """The natural balance of one account; 0 for an account never posted to."""
    rows = _account_sums(LedgerAccount.code == account_code)
    return sum(NORMAL_SIGN[AccountKind(account.kind)] * amount for account, amount in rows)


def balances(prefix: str = "") -> dict[str, int]:
    """Natural balances of every account whose code is `prefix` or lies under
    it: `balances("payable:member:12")` gives that member's pending and
    available payables (and not member 120's)."""
    return {
        account.code: NORMAL_SIGN[AccountKind(account.kind)] * amount
        for account, amount in _account_sums(*_under(prefix))
    }


def trial_balance(*, before: date | None = None) -> list[TrialBalanceRow]:
    """Every account, by code, with its net debit or credit; with `before`
    (a month's first day), as it stood when that month began, so a month's
    closing trial balance is `trial_balance(before=next_month(month))`. The
    debits and the credits of a sound ledger add up to the same amount."""
    return [
        TrialBalanceRow(
            code=account.code,
            name=account.name,
            kind=AccountKind(account.kind),
            debit=max(amount, 0),
            credit=max(-amount, 0),
        )
        for account, amount in _account_sums(before=before)
    ]


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first` to `last`, inclusive."""
    months = []
    month = date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def monthly(first: date, last: date, prefix: str = "") -> dict[date, dict[str, int]]:
    """What each account under `prefix` moved in each month from `first` to
    `last` (first days, inclusive), natural-signed: {month: {code: amount}},
    every month present, accounts that did not move left out. Closed months
    come from their totals, open ones from their entries; one query."""
    months = months_between(first, last)
    through = closed_through()
    closed = [month for month in months if through is not None and month <= through]
    still_open = [month for month in months if month not in closed]
    parts = []
    if closed:
        parts.append(
            select(
                LedgerMonthTotal.month.label("month"),
                LedgerMonthTotal.account_id,
                LedgerMonthTotal.amount,
            ).where(LedgerMonthTotal.month.in_(closed))
        )
    if still_open:
        bucket = case(
            *(
                (LedgerEntry.occurred_at < month_bounds(month)[1], literal(month, Date))
                for month in still_open
            )
        )
        parts.append(
            select(bucket.label("month"), LedgerEntry.account_id, LedgerEntry.amount).where(
                LedgerEntry.occurred_at >= month_bounds(still_open[0])[0],
                LedgerEntry.occurred_at < month_bounds(still_open[-1])[1],
            )
        )
    found: dict[date, dict[str, int]] = {month: {} for month in months}
    if not parts:
        return found
    moved = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    rows = db.session.execute(
        select(moved.c.month, LedgerAccount.code, LedgerAccount.kind, func.sum(moved.c.amount))
        .join(LedgerAccount, LedgerAccount.id == moved.c.account_id)
        .where(*_under(prefix))
        .group_by(moved.c.month, LedgerAccount.code, LedgerAccount.kind)
    ).all()
    for month, code, kind, amount in rows:
        if int(amount):
            found[as_date(month)][code] = NORMAL_SIGN[AccountKind(kind)] * int(amount)
    return found


def entries_of(transaction: LedgerTransaction) -> list[LedgerEntry]:
    """The entries of `transaction` with their accounts, in posting order."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.transaction_id == transaction.id)
            .order_by(LedgerEntry.id)
        )
    )


def transactions_about(subject_type: str, subject_id: int) -> list[LedgerTransaction]:
    """Every transaction about one subject (e.g. "order", 17), oldest first."""
    return list(
        db.session.scalars(
            select(LedgerTransaction)
            .where(
                LedgerTransaction.subject_type == subject_type,
                LedgerTransaction.subject_id == subject_id,
            )
            .options(selectinload(LedgerTransaction.entries))
            .order_by(LedgerTransaction.id)
        )
    )


def problems() -> list[str]:
    """What is wrong with the ledger as stored, in words; empty when sound.
    Looks past the guards: rows changed by hand in the database show here."""
    found = []
    total = func.sum(LedgerEntry.amount)
    for transaction_id, difference in db.session.execute(
        select(LedgerEntry.transaction_id, total)
        .group_by(LedgerEntry.transaction_id)
        .having(total != 0)
        .order_by(LedgerEntry.transaction_id)
    ):
        found.append(
            f"Transaksi #{transaction_id} tidak seimbang: selisih {int(difference)} rupiah."
        )
    entry_count = func.count(LedgerEntry.id)
    for (transaction_id,) in db.session.execute(
        select(LedgerTransaction.id)
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having(entry_count < 2)
        .order_by(LedgerTransaction.id)
    ):
        found.append(f"Transaksi #{transaction_id} memiliki kurang dari dua baris.")
    for entry_id, account_id in db.session.execute(
        select(LedgerEntry.id, LedgerEntry.account_id)
        .outerjoin(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.id.is_(None))
        .order_by(LedgerEntry.id)
    ):
        found.append(f"Baris #{entry_id} merujuk akun #{account_id} yang tidak ada.")
    for entry_id, transaction_id in db.session.execute(
        select(LedgerEntry.id, LedgerEntry.transaction_id)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.id.is_(None))
        .order_by(LedgerEntry.id)
    ):
        found.append(f"Baris #{entry_id} merujuk transaksi #{transaction_id} yang tidak ada.")
    for entry_id, transaction_id in db.session.execute(
        select(LedgerEntry.id, LedgerEntry.transaction_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.occurred_at != LedgerTransaction.occurred_at)
        .order_by(LedgerEntry.id)
    ):
        found.append(f"Baris #{entry_id} tidak bertanggal sama dengan transaksi #{transaction_id}.")
    grand_total = int(db.session.scalar(select(func.coalesce(total, 0))) or 0)
    if grand_total != 0:
        found.append(f"Jumlah seluruh baris buku besar tidak nol: {grand_total} rupiah.")
    found.extend(_month_total_problems())
    return found


def _month_total_problems() -> list[str]:
    """Each closed month's recorded totals against its entries, account by account."""
    found = []
    months = set(db.session.scalars(select(LedgerMonthTotal.month).distinct()))
    months |= set(db.session.scalars(select(LedgerPeriodClose.month)))
    for month in sorted(months):
        start, end = month_bounds(month)
        recorded = {
            code: (int(amount), count)
            for code, amount, count in db.session.execute(
                select(LedgerAccount.code, LedgerMonthTotal.amount, LedgerMonthTotal.entry_count)
                .join(LedgerAccount, LedgerAccount.id == LedgerMonthTotal.account_id)
                .where(LedgerMonthTotal.month == month)
            )
        }
        actual = {
            code: (int(amount), count)
            for code, amount, count in db.session.execute(
                select(LedgerAccount.code, func.sum(LedgerEntry.amount), func.count(LedgerEntry.id))
                .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
                .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                .where(LedgerTransaction.occurred_at >= start, LedgerTransaction.occurred_at < end)
                .group_by(LedgerAccount.code)
            )
        }
        for code in sorted(set(recorded) | set(actual)):
            if recorded.get(code) != actual.get(code):
                found.append(
                    f"Total bulan {month:%m/%Y} untuk akun {code} tidak cocok dengan barisnya: "
                    f"tercatat {recorded.get(code)}, dihitung {actual.get(code)} "
                    "(jumlah, banyak baris)."
                )
    return found
