"""Fixtures: a migrated database per test run (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), emptied back to its migrated state after every
test; the app, its client and runner, and a way to log in as anyone."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.ledger.models import LedgerPurgePermit
from tests import factories
from tests.ledger.purge import allow_ledger_purge

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None
pytest_plugins = ("tests.mail_server",)  # a real SMTP server: mail_server, start_mail_server


class ClosingClient(FlaskClient):
    """Reads each response whole and closes it, as a WSGI server does, so
    what runs after the response (`call_on_close`: the emails) has run."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def base_overrides(database_url: str, upload_dir: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(upload_dir),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "CACHE_TYPE": "NullCache",  # tests/catalog/test_cache.py turns it on
        "CACHE_NO_NULL_WARNING": True,
        # Not the test client's host, so a link built from the request shows.
        "PUBLIC_URL": "https://pasar.aspikmas.test",
    }


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        _reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the migrations once; remember the rows they seed, to restore them."""
    app = create_app(base_overrides(database_url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()
        snapshot = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(table.select()).mappings().all()
            if rows:
                snapshot[table.name] = [dict(row) for row in rows]
        db.session.remove()
        db.engine.dispose()
    return snapshot


def empty_database(snapshot: dict) -> None:
    """Delete every row, then put back what the migrations seeded."""
    db.session.remove()
    with db.engine.begin() as connection:
        allow_ledger_purge(connection)  # ledger rows are append-only everywhere else
        permits = LedgerPurgePermit.__table__
        for table in reversed(db.metadata.sorted_tables):
            if table is not permits:
                connection.execute(table.delete())
        connection.execute(permits.delete())  # last: the triggers look for it
        for table in db.metadata.sorted_tables:
            if table.name in snapshot:
                connection.execute(table.insert(), snapshot[table.name])


def _forget_the_last_requests_user() -> None:
    """A test holds one app context across its requests, and Flask-Login
    caches the user in `g`: forget it, as a worker's new context does, so
    each request loads its user from its own cookies."""
    g.pop("_login_user", None)


@pytest.fixture
def make_app(database_url: str, migrated: dict, tmp_path: Path) -> Iterator:
    """Build apps on the test database; `make_app(**overrides)`."""
    built: list[Flask] = []

    def build(**overrides) -> Flask:
        app = create_app(base_overrides(database_url, tmp_path / "uploads") | overrides)
        app.before_request(_forget_the_last_requests_user)
        app.test_client_class = ClosingClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
    if built:
        with built[0].app_context():
            empty_database(migrated)
            db.engine.dispose()
    for app in built[1:]:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def login_as(client: FlaskClient):
    """Log the test client in as `user` (made with the role given, if a Role)."""

    def login(who: User | Role) -> User:
        user = factories.UserFactory(roles=[who]) if isinstance(who, Role) else who
        factories.log_in(client, user)
        return user

    return login


@pytest.fixture
def postgres_missing_in_ci() -> None:
    pytest.fail("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests skip on SQLite, with a reason; in CI they must
    run in the PostgreSQL pass, so a CI without that pass fails them."""
    if POSTGRES_URL:
        return
    postgres_pass_follows = os.environ.get("POSTGRES_PASS_FOLLOWS") == "1"
    for item in items:
        if "postgres" not in item.keywords:
            continue
        if os.environ.get("CI") and not postgres_pass_follows:
            item.add_marker(pytest.mark.usefixtures("postgres_missing_in_ci"))
        else:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL"))
