"""The login limit: per address, POST only, in the storage every worker shares."""

import os
import uuid

import pytest

from marketplace.extensions import db, limiter
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("app_context")

REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
)


def unique_address() -> str:
    """An address of its own per test, so counts in a shared Redis never mix."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"


def attempt(app, address: str, url: str = "/akun/masuk"):
    """A wrong password from `address`, each for an email of its own, so the
    per-account limit (accounts.throttle) never mixes in, even in a shared
    Redis that outlives the test run."""
    return app.test_client().post(
        url,
        data={"email": f"{uuid.uuid4().hex}@contoh.id", "password": "tebak-tebak"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_login_attempts_get_the_friendly_429_page(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    address = unique_address()
    with app.app_context():
        UserFactory(email="budi@contoh.id")
        db.session.commit()
    for _ in range(3):
        assert attempt(app, address).status_code == 200
    refused = attempt(app, address)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # a minute, rounded up
    assert "Terlalu banyak percobaan" in refused.text
    assert '<html lang="id">' in refused.text
    # the right password does not get past the limit either
    client = app.test_client()
    right = client.post(
        "/akun/masuk",
        data={"email": "budi@contoh.id", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )
    assert right.status_code == 429
    # another address, and reading the page, are not limited
    assert attempt(app, unique_address()).status_code == 200
    assert (
        app.test_client().get("/akun/masuk", environ_base={"REMOTE_ADDR": address}).status_code
        == 200
    )


def test_default_limit_is_five_a_minute(make_app):
    app = make_app()
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute;30 per hour"
    address = unique_address()
    assert [attempt(app, address).status_code for _ in range(6)] == [200] * 5 + [429]


def test_forgot_password_is_limited_too(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    address = unique_address()
    codes = [attempt(app, address, "/akun/lupa-sandi").status_code for _ in range(3)]
    assert codes == [302, 302, 429]


@pytest.fixture
def forget_addresses():
    """Addresses whose counts to delete from Redis after the test."""
    addresses: list[str] = []
    yield addresses
    if REDIS_URL and addresses:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        try:
            for address in addresses:
                for key in client.scan_iter(match=f"*/{address}/*"):
                    client.delete(key)
        finally:
            client.close()


@pytest.mark.parametrize(
    ("storage", "second_worker_status"),
    [
        pytest.param("memory://", 200, id="memory-each-worker-counts-alone"),
        pytest.param(REDIS_URL, 429, id="redis-workers-share-the-count", marks=needs_redis),
    ],
)
def test_limit_is_shared_between_workers_only_through_shared_storage(
    make_app, forget_addresses, storage, second_worker_status
):
    address = unique_address()
    forget_addresses.append(address)
    first = make_app(RATELIMIT_STORAGE_URI=storage, LOGIN_RATE_LIMIT="3 per minute")
    for _ in range(3):
        assert attempt(first, address).status_code == 200
    # A second worker starts with its own connection to the storage. (Both
    # apps share the one `limiter`, which takes the storage of the app built
    # last: so the second worker is built after the first has counted.)
    second = make_app(RATELIMIT_STORAGE_URI=storage, LOGIN_RATE_LIMIT="3 per minute")
    assert attempt(second, address).status_code == second_worker_status


@pytest.fixture
def limits_on_a_dead_redis(make_app):
    """Logins whose limits storage (Redis) does not answer."""
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="3 per minute")
    yield app
    limiter._storage_dead = False  # the one limiter serves the next test's app


def test_logins_go_on_with_their_limit_while_the_limits_storage_is_down(
    limits_on_a_dead_redis, caplog
):
    """No 500: each worker counts in its own memory, with the same limit,
    and says once that it does."""
    address = unique_address()

    answers = [attempt(limits_on_a_dead_redis, address).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    said = [
        record for record in caplog.records if "falling back to in-memory" in record.getMessage()
    ]
    assert len(said) == 1
