"""Ledger transactions and entries are never updated or deleted: the ORM
refuses (SQLite and PostgreSQL) and so does the database itself (triggers)."""

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.ledger.errors import LedgerImmutable
from marketplace.ledger.models import LedgerEntry, LedgerPurgePermit, LedgerTransaction
from marketplace.ledger.services import post
from tests.ledger.helpers import SALE, rows
from tests.ledger.purge import allow_ledger_purge

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def posted(app) -> LedgerTransaction:
    transaction = post(key="order:17:sale", kind="sale", entries=SALE, subject=("order", 17))
    db.session.commit()
    return transaction


def assert_untouched() -> None:
    db.session.rollback()
    assert rows()["ledger_transactions"] == 1
    assert rows()["ledger_entries"] == len(SALE)
    assert balance("cash:bank") == 115_000
    assert db.session.scalar(select(LedgerTransaction.memo)) == ""
    assert problems() == []


# --- the ORM --------------------------------------------------------------------------


def change_amount(transaction: LedgerTransaction) -> None:
    transaction.entries[0].amount = 115_001


def change_memo(transaction: LedgerTransaction) -> None:
    transaction.memo = "diubah"


def add_an_entry(transaction: LedgerTransaction) -> None:
    transaction.entries.append(LedgerEntry(account=transaction.entries[0].account, amount=1))


def delete_an_entry(transaction: LedgerTransaction) -> None:
    db.session.delete(transaction.entries[0])


def delete_the_transaction(transaction: LedgerTransaction) -> None:
    db.session.delete(transaction)


@pytest.mark.parametrize(
    "change",
    [change_amount, change_memo, add_an_entry, delete_an_entry, delete_the_transaction],
)
def test_the_orm_refuses_to_change_posted_rows(posted, change):
    change(posted)

    with pytest.raises(LedgerImmutable, match="tidak boleh diubah atau dihapus"):
        db.session.flush()
    assert_untouched()


@pytest.mark.parametrize(
    "statement",
    [
        update(LedgerEntry).values(amount=LedgerEntry.amount * 2),
        update(LedgerEntry).where(LedgerEntry.amount > 0).values(amount=1),
        update(LedgerTransaction).values(memo="diubah"),
        delete(LedgerEntry),
        delete(LedgerTransaction).where(LedgerTransaction.kind == "sale"),
        LedgerEntry.__table__.update().values(amount=1),
        LedgerTransaction.__table__.delete(),
    ],
    ids=str,
)
def test_bulk_update_and_delete_statements_are_refused(posted, statement):
    with pytest.raises(LedgerImmutable):
        db.session.execute(statement)
    assert_untouched()


# --- the database -------------------------------------------------------------------


RAW_CHANGES = [
    "UPDATE ledger_entries SET amount = amount + 1",
    "UPDATE ledger_entries SET account_id = account_id",
    "UPDATE ledger_transactions SET memo = 'diubah'",
    "UPDATE ledger_transactions SET idempotency_key = 'lain'",
    "DELETE FROM ledger_entries",
    "DELETE FROM ledger_entries WHERE amount < 0",
    "DELETE FROM ledger_transactions",
]


@pytest.mark.parametrize("sql", RAW_CHANGES)
def test_the_database_refuses_raw_sql_that_changes_posted_rows(posted, sql):
    """Past every Python guard: a trigger (SQLite and PostgreSQL) refuses."""
    db.session.remove()
    with (
        pytest.raises(IntegrityError, match="tidak boleh diubah atau dihapus"),
        db.engine.begin() as connection,
    ):
        connection.execute(text(sql))
    assert_untouched()


@pytest.mark.parametrize("sql", [s for s in RAW_CHANGES if s.startswith("UPDATE")])
def test_even_the_test_cleanup_permission_never_allows_an_update(posted, sql):
    db.session.remove()
    with (
        pytest.raises(IntegrityError, match="tidak boleh diubah atau dihapus"),
        db.engine.begin() as connection,
    ):
        allow_ledger_purge(connection)
        connection.execute(text(sql))
    assert_untouched()


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["ledger_entries", "ledger_transactions"])
def test_postgresql_refuses_truncate(posted, table):
    db.session.remove()
    with (
        pytest.raises(IntegrityError, match="tidak boleh diubah atau dihapus"),
        db.engine.begin() as connection,
    ):
        connection.execute(text(f"TRUNCATE {table} CASCADE"))
    assert_untouched()


@pytest.mark.postgres
def test_the_postgresql_permission_ends_with_its_transaction(posted):
    with db.engine.begin() as connection:
        allow_ledger_purge(connection)
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries"))
    assert_untouched()


def test_no_purge_permission_is_ever_left_behind(app):
    """The previous test's cleanup removed its permit (SQLite) with the rest."""
    assert db.session.scalar(select(func.count()).select_from(LedgerPurgePermit)) == 0
