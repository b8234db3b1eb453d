"""Reads of the ledger: balances, the trial balance, the entries of a
transaction, and the audit behind `flask ledger check`.

A balance is natural-signed (see models): positive cash is money held,
a positive payable is owed by the association, positive income is earned."""

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.ledger.models import (
    NORMAL_SIGN,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

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


def _account_sums(*conditions) -> list[tuple[LedgerAccount, int]]:
    total = func.coalesce(func.sum(LedgerEntry.amount), 0)
    rows = db.session.execute(
        select(LedgerAccount, total)
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(*conditions)
        .group_by(LedgerAccount.id)
        .order_by(LedgerAccount.code)
    ).all()
    # PostgreSQL sums bigint into numeric (a Decimal): back to whole rupiah.
    return [(account, int(amount)) for account, amount in rows]


def balance(account_code: str) -> int:
    """The natural balance of one account; 0 for an account never posted to."""
    rows = _account_sums(LedgerAccount.code == account_code)
    return sum(NORMAL_SIGN[AccountKind(account.kind)] * amount for account, amount in rows)


def balances(prefix: str = "") -> dict[str, int]:
    """Natural balances of every account whose code is `prefix` or lies under
    it: `balances("payable:member:12")` gives that member's pending and
    available payables (and not member 120's)."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"not an account code prefix: {prefix!r}")
    prefix = prefix.rstrip(":")
    conditions = (
        [or_(LedgerAccount.code == prefix, LedgerAccount.code.startswith(prefix + ":"))]
        if prefix
        else []
    )
    return {
        account.code: NORMAL_SIGN[AccountKind(account.kind)] * amount
        for account, amount in _account_sums(*conditions)
    }


def trial_balance() -> list[TrialBalanceRow]:
    """Every account, by code, with its net debit or credit. The debits and
    the credits of a sound ledger add up to the same amount."""
    return [
        TrialBalanceRow(
            code=account.code,
            name=account.name,
            kind=AccountKind(account.kind),
            debit=max(amount, 0),
            credit=max(-amount, 0),
        )
        for account, amount in _account_sums()
    ]


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
    grand_total = int(db.session.scalar(select(func.coalesce(total, 0))))
    if grand_total != 0:
        found.append(f"Jumlah seluruh baris buku besar tidak nol: {grand_total} rupiah.")
    return found
