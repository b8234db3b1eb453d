"""Savepoints nest inside the session's transaction on every database: on
SQLite too, where the driver, left to itself, would let a savepoint taken
before the first write commit on its own (core/db.py)."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.models import AccountKind, LedgerAccount

pytestmark = pytest.mark.usefixtures("app_context")


def accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerAccount))


def open_an_account_in_a_savepoint() -> None:
    assert accounts() == 0  # a read first: the transaction is open, nothing written yet
    with db.session.begin_nested():
        db.session.add(LedgerAccount(code="cash:bank", name="Kas bank", kind=AccountKind.ASSET))


@pytest.mark.parametrize(
    "engine_options",
    [None, {"pool_size": 2, "pool_pre_ping": False}],
    ids=["configured", "options of a test's own"],
)
def test_a_released_savepoint_is_undone_with_its_transaction(make_app, engine_options):
    app = make_app(**({"SQLALCHEMY_ENGINE_OPTIONS": engine_options} if engine_options else {}))
    with app.app_context():
        open_an_account_in_a_savepoint()
        assert accounts() == 1

        db.session.rollback()

        assert accounts() == 0


def test_a_savepoint_rolled_back_keeps_what_came_before_it(app):
    db.session.add(LedgerAccount(code="cash:bank", name="Kas bank", kind=AccountKind.ASSET))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(LedgerAccount(code="cash:stripe", name="Kas Stripe", kind=AccountKind.ASSET))
    db.session.flush()
    savepoint.rollback()
    db.session.commit()

    assert db.session.scalars(select(LedgerAccount.code)).all() == ["cash:bank"]


def test_a_savepoint_taken_first_opens_the_transaction_it_nests_in(app):
    """SQLite's driver has no transaction open after a read; the savepoint
    begins one first, so its RELEASE commits nothing."""
    connection = db.session.connection()
    with db.session.begin_nested():
        db.session.add(LedgerAccount(code="cash:bank", name="Kas bank", kind=AccountKind.ASSET))
        db.session.flush()
    assert connection.in_transaction()
    if connection.dialect.name == "sqlite":
        assert connection.connection.driver_connection.in_transaction
    db.session.rollback()

    assert accounts() == 0


def test_reads_see_what_another_connection_committed(app):
    """Outside a write, each read sees what is committed (PostgreSQL's READ
    COMMITTED; on SQLite the driver opens no transaction for a SELECT), so a
    session that reads does not hold other writers back."""
    assert accounts() == 0
    with db.engine.begin() as other:
        other.execute(
            LedgerAccount.__table__.insert().values(code="cash:bank", name="Kas", kind="asset")
        )
    assert accounts() == 1
