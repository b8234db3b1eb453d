"""Counting what a piece of code asks the database: for the tests that pin a
page to a fixed number of queries (no N+1)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

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
