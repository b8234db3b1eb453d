"""Counting what a piece of code asks the database: for the tests that pin a
page to a fixed number of queries (no N+1)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text

from marketplace.extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every SQL statement sent to the database while inside, but the
    planner's settings (`SET LOCAL …`), which read no data."""
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if not statement.startswith("SET LOCAL "):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def ids_put_back(*tables: str) -> Iterator[None]:
    """For a PostgreSQL test that loads many rows at once: afterwards each
    table's id sequence is back where it was, so the tests after it get
    small ids again (the sitemap's parts are ranges of product ids). The
    rows themselves go with the test's clean-up, before anyone inserts."""
    sequences = {
        table: db.session.execute(text(f"SELECT last_value, is_called FROM {table}_id_seq")).one()
        for table in tables
    }
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            for table, (last_value, is_called) in sequences.items():
                connection.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": f"{table}_id_seq", "value": last_value, "called": is_called},
                )
