"""Catalog fixtures: a counter of the SQL statements a request runs."""

from collections.abc import Callable

import pytest

from marketplace.extensions import db
from tests.sql import recorded_statements


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
