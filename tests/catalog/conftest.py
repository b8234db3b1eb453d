"""Catalog fixtures: the page cache in memory and in Redis, and a counter of
the SQL statements a request runs."""

import os
import uuid
from collections.abc import Callable

import pytest

from marketplace.config import RESILIENT_REDIS_CACHE
from marketplace.extensions import cache, db
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


@pytest.fixture(
    params=[
        "SimpleCache",
        pytest.param(
            RESILIENT_REDIS_CACHE,
            marks=pytest.mark.skipif(
                not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL for Redis"
            ),
        ),
    ]
)
def any_cache_app(request, make_app):
    """The page cache in memory, and in Redis (under a prefix of its own)."""
    overrides = {"CACHE_TYPE": request.param}
    if request.param == RESILIENT_REDIS_CACHE:
        overrides |= {
            "CACHE_REDIS_URL": os.environ["TEST_REDIS_URL"],
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}/",
        }
    app = make_app(**overrides)
    with app.app_context():
        yield app
        cache.clear()
