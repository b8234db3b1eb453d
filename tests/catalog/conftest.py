"""Catalog fixtures: a counter of the SQL statements a request runs."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from marketplace.extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every SQL statement sent to the database while inside."""
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def statements_of() -> Callable:
    """`statements_of(client, url)` -> (response, statements). The session is
    emptied first, so nothing the test loaded hides a lazy load."""

    def run(client, url: str):
        db.session.remove()
        with recorded_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return response, list(statements)

    return run
