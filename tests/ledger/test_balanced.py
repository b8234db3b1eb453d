"""PostgreSQL itself refuses to commit a ledger transaction whose entries do
not sum to zero (a deferred constraint trigger, migration 0013_ledger_balanced),
past every Python guard; the entries of a transaction may arrive one row at
a time, since the sum is taken at COMMIT. SQLite has no deferred triggers:
there `post()` checks, as it does everywhere (test_services.py)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.ledger.services import close_month, post, reverse
from tests.factories import UserFactory
from tests.ledger.helpers import SALE, rows, sum_of_all_entries
from tests.ledger.purge import allow_ledger_purge

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("app_context")]

JANUARY = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
REFUSED = r"Transaksi buku besar #\d+ tidak seimbang: debit dan kredit berselisih"


@pytest.fixture
def posted(app) -> int:
    """A sale through `post()`, by id: its accounts open, its entries balanced."""
    transaction_id = post(key="order:17:sale", kind="sale", entries=SALE, occurred_at=JANUARY).id
    db.session.commit()
    db.session.remove()
    return transaction_id


def account_id(connection: Connection, code: str) -> int:
    return connection.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))


def insert_transaction(connection: Connection, key: str) -> int:
    return connection.scalar(
        text(
            "INSERT INTO ledger_transactions (occurred_at, kind, idempotency_key, body_hash) "
            "VALUES (:moment, 'adjustment', :key, 'mentah') RETURNING id"
        ),
        {"moment": JANUARY, "key": key},
    )


def insert_entry(connection: Connection, transaction_id: int, code: str, amount: int) -> None:
    connection.execute(
        text(
            "INSERT INTO ledger_entries (transaction_id, account_id, amount, occurred_at) "
            "VALUES (:transaction_id, :account_id, :amount, :moment)"
        ),
        {
            "transaction_id": transaction_id,
            "account_id": account_id(connection, code),
            "amount": amount,
            "moment": JANUARY,
        },
    )


def raw_posting(connection: Connection, entries: list[tuple[str, int]], key: str = "mentah") -> int:
    transaction_id = insert_transaction(connection, key)
    for code, amount in entries:
        insert_entry(connection, transaction_id, code, amount)
    return transaction_id


def assert_only_the_sale() -> None:
    assert rows()["ledger_transactions"] == 1
    assert rows()["ledger_entries"] == len(SALE)
    assert sum_of_all_entries() == 0
    assert problems() == []


@pytest.mark.parametrize(
    "entries",
    [
        [("cash:bank", 1_000), ("income:commission:central", -999)],
        [("cash:bank", 1_000)],
        [("cash:bank", -1), ("cash:bank", -1), ("income:commission:central", 1)],
    ],
    ids=["off by one", "one-sided", "three rows"],
)
def test_raw_unbalanced_entries_are_refused_at_commit(posted, entries):
    connection = db.engine.connect()
    try:
        outer = connection.begin()
        raw_posting(connection, entries)  # each INSERT passes: the sum waits for COMMIT
        assert connection.scalar(select(func.sum(LedgerEntry.amount))) != 0
        with pytest.raises(IntegrityError, match=REFUSED):
            outer.commit()
    finally:
        connection.close()
    assert_only_the_sale()


def test_the_refusal_names_the_transaction_and_the_difference(posted):
    with pytest.raises(IntegrityError) as refused, db.engine.begin() as connection:
        transaction_id = raw_posting(
            connection, [("cash:bank", 5_000), ("income:commission:central", -4_750)]
        )
    assert (
        f"Transaksi buku besar #{transaction_id} tidak seimbang: "
        "debit dan kredit berselisih 250 rupiah." in str(refused.value)
    )
    assert_only_the_sale()


def test_an_entry_added_to_a_committed_transaction_is_refused(posted):
    with pytest.raises(IntegrityError, match=REFUSED), db.engine.begin() as connection:
        insert_entry(connection, posted, "cash:bank", 1)
    assert_only_the_sale()


def test_raw_balanced_entries_commit_one_row_at_a_time(posted):
    with db.engine.begin() as connection:
        raw_posting(
            connection,
            [
                ("cash:bank", 10_000),
                ("income:commission:central", -4_000),
                ("income:commission:empowerment", -6_000),
            ],
        )
        # A second transaction in the same COMMIT, made up across statements.
        second = insert_transaction(connection, "mentah-2")
        insert_entry(connection, second, "cash:bank", -500)
        insert_entry(connection, second, "income:commission:central", 500)

    assert rows()["ledger_transactions"] == 3
    assert sum_of_all_entries() == 0
    assert balance("cash:bank") == 115_000 + 10_000 - 500


def test_checked_at_once_when_a_transaction_asks_for_it(posted):
    """Deferrable: `SET CONSTRAINTS ... IMMEDIATE` checks each row as it comes."""
    with pytest.raises(IntegrityError, match=REFUSED), db.engine.begin() as connection:
        connection.execute(text("SET CONSTRAINTS ledger_entries_balanced IMMEDIATE"))
        transaction_id = insert_transaction(connection, "mentah")
        insert_entry(connection, transaction_id, "cash:bank", 1_000)  # refused here
        pytest.fail("the first entry alone was accepted")
    assert_only_the_sale()


def test_the_posting_paths_still_commit(posted):
    treasurer = UserFactory(roles=[Role.TREASURER])
    sale = db.session.get_one(LedgerTransaction, posted)
    reverse(transaction=sale, key="order:17:sale:reversal", recorded_by=treasurer)
    post(
        key="order:18:sale",
        kind="sale",
        entries=[("cash:bank", 20_000), ("payable:member:12:pending", -20_000)],
        names={"payable:member:12:pending": "Utang anggota 12 (tertahan)"},
        occurred_at=JANUARY,
    )
    close_month(month=date(2024, 1, 1), closed_by=treasurer)
    db.session.commit()

    assert rows()["ledger_transactions"] == 3
    assert balance("cash:bank") == 20_000
    assert problems() == []


def test_a_purge_that_leaves_a_transaction_unbalanced_is_refused(posted):
    """Even the test suite's cleanup: deleting some entries of a transaction
    (DELETE is covered too); emptying the ledger, as the cleanup does, sums to zero."""
    with pytest.raises(IntegrityError, match=REFUSED), db.engine.begin() as connection:
        allow_ledger_purge(connection)
        connection.execute(text("DELETE FROM ledger_entries WHERE amount < 0"))
    assert_only_the_sale()

    with db.engine.begin() as connection:
        allow_ledger_purge(connection)
        connection.execute(text("DELETE FROM ledger_entries"))
        connection.execute(text("DELETE FROM ledger_transactions"))
    assert rows()["ledger_transactions"] == rows()["ledger_entries"] == 0
