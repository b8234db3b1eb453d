"""Fixtures: a migrated database per test run (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), put back to its migrated state after every test;
the app, its client and runner, and a way to log in as anyone.

As in Flask's tutorial, no fixture holds an app context across requests:
each request of the test client runs in a context of its own, as under a
WSGI server. A test that uses the ORM itself (factories, `db.session`,
`url_for`) asks for `app_context`, which pushes one for the test's own use.

Two things make a test cheap to set up and to clean after:
- one app serves the tests that ask for `app` (building one compiles every
  URL rule); each test gets it back with its config as built, an upload
  folder of its own and empty rate limits. `make_app(**overrides)` still
  builds apps of the test's own.
- after a test, only the tables it wrote are emptied (the seeded ones are
  put back as the migrations left them). The tables written are those whose
  row counts differ from the migrated ones, and those any INSERT, UPDATE or
  DELETE named, on any engine and from any thread."""

import contextvars
import copy
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from marketplace import create_app
from marketplace.accounts.mail_after_commit import EXTENSION as MAIL_DELIVERY
from marketplace.accounts.mail_after_commit import Pause
from marketplace.accounts.models import Role, User
from marketplace.extensions import db, limiter
from marketplace.ledger.models import LedgerPurgePermit
from tests import factories
from tests.ledger.purge import allow_ledger_purge

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None
pytest_plugins = ("tests.mail_server",)  # a real SMTP server: mail_server, start_mail_server


class ClosingClient(FlaskClient):
    """Reads each response whole and closes it, as a WSGI server does, so
    what runs after the response (`call_on_close`: the emails) has run.

    Each request runs in a context of its own, as a worker's does: its own
    `g` (the logged-in user) and its own database session. What the test's
    own session holds is committed first, so the request sees what the test
    made, and the test reads afresh what the request did."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        if has_app_context():
            db.session.commit()
        return super().open(*args, buffered=buffered, **kwargs)

    def run_wsgi_app(
        self, environ: "WSGIEnvironment", buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        # A new contextvars context holds no app context: Flask pushes one
        # for the request instead of reusing the test's.
        return contextvars.Context().run(super().run_wsgi_app, environ, buffered)


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


# --- the database ---------------------------------------------------------------

_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE
)
_SCHEMA = re.compile(r"\s*(?:CREATE|DROP|ALTER)\s", re.IGNORECASE)


@dataclass
class Writes:
    """The tables written since the last clean-up, and whether the schema
    changed (the migrations' tests downgrade and upgrade): noted from every
    statement any engine sends, in any thread."""

    tables: set[str] = field(default_factory=set)
    schema_changed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, connection: sa.Connection, cursor: Any, statement: str, *args: Any) -> None:
        if match := _WRITE.match(statement):
            with self.lock:
                self.tables.add(match.group(1))
        elif _SCHEMA.match(statement):
            self.schema_changed = True

    def take(self) -> tuple[set[str], bool]:
        with self.lock:
            taken = self.tables, self.schema_changed
            self.tables, self.schema_changed = set(), False
        return taken


WRITES = Writes()


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
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Run the migrations once; remember the rows they seed, to restore them;
    from then on, note what every statement writes."""
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
    sa.event.listen(sa.Engine, "before_cursor_execute", WRITES.note)
    WRITES.take()
    yield snapshot
    sa.event.remove(sa.Engine, "before_cursor_execute", WRITES.note)


@pytest.fixture(scope="session")
def cleaner(database_url: str, migrated: dict) -> Iterator[sa.Engine]:
    """The engine that puts the database back after each test (pinging
    first: tests/core/test_database_outage.py terminates its connections)."""
    engine = sa.create_engine(database_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


def empty_database(snapshot: dict) -> None:
    """Put the database back as the migrations left it (`snapshot`), on the
    engine of the app context."""
    db.session.remove()
    _restore(db.engine, snapshot)


def _restore(engine: sa.Engine, snapshot: dict) -> bool:
    """Empty the tables written since the last time (all of them after a
    change of schema) and put back the rows the migrations seeded in them.
    Whether the schema had changed."""
    written, schema_changed = WRITES.take()
    tables = db.metadata.sorted_tables
    with engine.begin() as connection:
        if schema_changed:
            dirty = tables
        else:
            counts = connection.execute(
                sa.select(
                    *(
                        sa.select(sa.func.count()).select_from(table).scalar_subquery()
                        for table in tables
                    )
                )
            ).one()
            dirty = [
                table
                for table, count in zip(tables, counts, strict=True)
                if count != len(snapshot.get(table.name, ()))
                or (table.name in written and table.name in snapshot)
            ]
        if dirty:
            _empty(connection, dirty, snapshot)
    WRITES.take()  # the clean-up's own statements
    return schema_changed


def _empty(connection: sa.Connection, tables: list[sa.Table], snapshot: dict) -> None:
    """Delete every row of `tables` (in dependency order), then put back what
    the migrations seeded in them."""
    allow_ledger_purge(connection)  # ledger rows are append-only everywhere else
    permits = LedgerPurgePermit.__table__
    for table in reversed(tables):
        if table is not permits:
            connection.execute(table.delete())
    connection.execute(sa.delete(LedgerPurgePermit))  # last: the triggers look for it
    for table in tables:
        if table.name in snapshot:
            connection.execute(table.insert(), snapshot[table.name])


# --- the apps -------------------------------------------------------------------


@dataclass
class SharedApp:
    """The app the tests that ask for `app` share, as built: its config,
    and the rate limiter's storage it was built with (the limiter is one
    object for the process: each `create_app` points it at its own app's)."""

    app: Flask
    config: dict
    limits: object


_shared: list[SharedApp] = []


def _build(database_url: str, upload_dir: Path, **overrides: Any) -> Flask:
    app = create_app(base_overrides(database_url, upload_dir) | overrides)
    app.test_client_class = ClosingClient
    return app


def _shared_app(database_url: str, upload_dir: Path) -> Flask:
    """The shared app, as built, with `upload_dir` for this test: built again
    when another app was built since (the limiter serves the last one)."""
    if _shared and limiter.storage is not _shared[0].limits:
        _drop_shared_app()
    if not _shared:
        app = _build(database_url, upload_dir)
        _shared.append(SharedApp(app, copy.deepcopy(dict(app.config)), limiter.storage))
    shared = _shared[0]
    shared.app.config.clear()
    shared.app.config.update(copy.deepcopy(shared.config), UPLOAD_DIR=str(upload_dir))
    shared.app.extensions[MAIL_DELIVERY] = Pause(shared.app.config["MAIL_PAUSE_SECONDS"])
    limiter.reset()
    return shared.app


def _drop_shared_app() -> None:
    with _shared.pop().app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str, migrated: dict, cleaner: sa.Engine, tmp_path: Path) -> Iterator:
    """Build apps of the test's own on the test database; `make_app(**overrides)`.
    After the test, put the database back as the migrations left it."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = _build(database_url, tmp_path / "uploads", **overrides)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()
    schema_changed = _restore(cleaner, migrated)
    if schema_changed:  # connections may hold plans of dropped tables
        cleaner.dispose()
        if _shared:
            _drop_shared_app()


@pytest.fixture
def app(make_app, database_url: str, tmp_path: Path) -> Flask:
    """The shared app, as built; no context pushed."""
    return _shared_app(database_url, tmp_path / "uploads")


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """An app context for the test's own use of the ORM (factories,
    `db.session`, `url_for`): the requests it sends have their own."""
    with app.app_context():
        yield


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
def login_as(client: FlaskClient, app_context: None):
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
