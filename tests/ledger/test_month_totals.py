"""Months close in order, and each close records what every account moved
in the month; balances, trial balances and month-by-month movements read
those totals for closed months and the entries for open ones, and give the
same numbers as summing every entry."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import balances, monthly, problems, trial_balance
from marketplace.ledger.errors import LedgerError, PeriodClosed
from marketplace.ledger.models import (
    NORMAL_SIGN,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerMonthTotal,
    LedgerTransaction,
)
from marketplace.ledger.services import (
    close_month,
    closed_through,
    month_of,
    month_to_close,
    next_month,
    post,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("app_context")

ACCOUNTS = [
    "cash:bank",
    "payable:member:1:pending",
    "payable:member:2:available",
    "income:commission:central",
    "income:commission:kecamatan:wangon",
]


def random_postings(count: int, first: datetime, days: int, seed: int = 9) -> None:
    chance = random.Random(seed)
    for number in range(count):
        debit, credit = chance.sample(ACCOUNTS, 2)
        amount = chance.randint(1, 500_000)
        moment = first + timedelta(days=chance.randrange(days), minutes=chance.randrange(1440))
        post(
            key=f"test:{number}",
            kind="adjustment",
            entries=[(debit, amount), (credit, -amount)],
            occurred_at=moment,
        )


def summed(before: date | None = None, month: date | None = None) -> dict[str, int]:
    """Natural balances the slow way, entry by entry: those dated before the
    month `before`, or in `month`."""
    found: dict[str, int] = {}
    rows = db.session.execute(
        select(
            LedgerAccount.code,
            LedgerAccount.kind,
            LedgerEntry.amount,
            LedgerTransaction.occurred_at,
        )
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    )
    for code, kind, amount, moment in rows:
        entry_month = month_of(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        found.setdefault(code, 0)
        if before is not None and entry_month >= before:
            continue
        if month is not None and entry_month != month:
            continue
        found[code] += NORMAL_SIGN[AccountKind(kind)] * amount
    return found


@pytest.fixture
def treasurer(app):
    return UserFactory(roles=[Role.TREASURER])


def test_months_close_in_order_from_the_first_posting(app, treasurer):
    assert month_to_close() is None
    random_postings(30, datetime(2025, 3, 1, tzinfo=UTC), days=120)
    db.session.commit()
    first = month_of(
        db.session.scalar(select(func.min(LedgerTransaction.occurred_at))).replace(tzinfo=UTC)
    )
    assert month_to_close() == first

    with pytest.raises(LedgerError, match=f"tutup dahulu bulan {first:%m/%Y}"):
        close_month(month=next_month(first), closed_by=treasurer)
    close_month(month=first, closed_by=treasurer)
    db.session.commit()

    assert closed_through() == first and month_to_close() == next_month(first)
    with pytest.raises(PeriodClosed, match="sudah ditutup"):
        close_month(month=first, closed_by=treasurer)


def test_a_close_records_each_accounts_month_and_sums_read_them(app, treasurer):
    random_postings(200, datetime(2025, 1, 1, tzinfo=UTC), days=300)
    db.session.commit()
    everything = summed()
    month = month_to_close()
    closed = []
    while month < date(2025, 7, 1):
        close_month(month=month, closed_by=treasurer)
        closed.append(month)
        month = next_month(month)
    db.session.commit()

    recorded = db.session.scalar(select(func.count(LedgerMonthTotal.id)))
    assert recorded > 0
    assert balances() == {code: amount for code, amount in everything.items()}
    assert problems() == []
    for before in (date(2025, 3, 1), date(2025, 7, 1), date(2025, 9, 1)):
        rows = {row.code: row.balance for row in trial_balance(before=before)}
        assert {code: amount for code, amount in rows.items() if amount} == {
            code: amount for code, amount in summed(before=before).items() if amount
        }
    moved = monthly(date(2025, 1, 1), date(2025, 12, 1))
    assert list(moved) == [date(2025, m, 1) for m in range(1, 13)]
    for month, accounts in moved.items():
        assert accounts == {code: amount for code, amount in summed(month=month).items() if amount}
    assert monthly(date(2025, 2, 1), date(2025, 2, 1), "income")[date(2025, 2, 1)] == {
        code: amount
        for code, amount in summed(month=date(2025, 2, 1)).items()
        if amount and code.startswith("income")
    }


def test_nothing_may_be_dated_in_or_before_the_last_closed_month(app, treasurer):
    random_postings(5, datetime(2025, 1, 10, tzinfo=UTC), days=5)
    close_month(month=date(2025, 1, 1), closed_by=treasurer)
    db.session.commit()

    for moment in (datetime(2024, 6, 1, tzinfo=UTC), datetime(2025, 1, 31, tzinfo=UTC)):
        with pytest.raises(PeriodClosed):
            post(
                key=f"late:{moment:%Y%m}",
                kind="adjustment",
                entries=[("cash:bank", 1), ("income:commission:central", -1)],
                occurred_at=moment,
            )


def test_the_check_finds_a_month_total_that_disagrees_with_its_entries(app, treasurer):
    random_postings(20, datetime(2025, 1, 1, tzinfo=UTC), days=28)
    close_month(month=date(2025, 1, 1), closed_by=treasurer)
    db.session.commit()
    account = db.session.scalars(
        select(LedgerAccount).where(LedgerAccount.code == "cash:bank")
    ).one()
    # Inserting is all the triggers allow: a row the close did not write.
    db.session.execute(
        text(
            "INSERT INTO ledger_month_totals (month, account_id, amount, entry_count) "
            "VALUES (:month, :account, 1, 1)"
        ),
        {"month": date(2025, 2, 1), "account": account.id},
    )
    db.session.commit()

    assert any("02/2025" in problem and "cash:bank" in problem for problem in problems())


@pytest.mark.parametrize(
    "statement", ["UPDATE ledger_month_totals SET amount = 0", "DELETE FROM ledger_month_totals"]
)
def test_month_totals_cannot_be_changed(app, treasurer, statement):
    random_postings(3, datetime(2025, 1, 1, tzinfo=UTC), days=5)
    close_month(month=date(2025, 1, 1), closed_by=treasurer)
    db.session.commit()

    with pytest.raises(Exception, match="Buku besar tidak boleh diubah"), db.session.begin_nested():
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(func.count(LedgerMonthTotal.id))) > 0
