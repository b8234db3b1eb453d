"""Savepoints nest inside the session's transaction on every database: on
SQLite too, where the driver, left to itself, would let a savepoint taken
before the first write commit on its own (core/db.py)."""

import os

import pytest
from sqlalchemy import func, make_url, select, text

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


@pytest.mark.postgres
def test_postgresql_plans_a_statement_run_many_times_with_its_own_values(app):
    """psycopg prepares a statement at its fifth run on a connection and
    PostgreSQL would then settle on one generic plan after five more (at
    100,000 products a search's count went from 38 to 263 ms that way):
    the connection is told to plan each run with its values."""
    counted = text("SELECT count(*) FROM ledger_accounts WHERE code = :code")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        for _ in range(12):
            connection.execute(counted, {"code": "cash:bank"})
        generic, custom = connection.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE 'SELECT count(*) FROM ledger_accounts%'"
            )
        ).one()
    assert (generic, custom) == (0, 7)  # prepared at the fifth run: planned for each after it


@pytest.mark.postgres
def test_a_database_urls_own_options_are_kept(make_app):
    url = make_url(os.environ["TEST_DATABASE_URL"]).update_query_dict(
        {"options": "-c statement_timeout=12345"}
    )
    app = make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "12345ms"
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
