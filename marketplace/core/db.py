"""The database: the declarative base every model derives from, with a
naming convention so that migrations name their constraints the same way
on SQLite and PostgreSQL; Flask-SQLAlchemy's extension, whose engines
(the app's, the tests', the migrations') all nest savepoints in their
transaction on SQLite; the page number `paginate` reads."""

from datetime import datetime
from typing import Annotated, Any, cast

from flask import Flask, flash, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Connection, CursorResult, DateTime, Engine, MetaData, Result, event
from sqlalchemy.orm import DeclarativeBase, mapped_column

from marketplace.core.pages import page_number

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A timezone-aware UTC moment; use as `Mapped[Timestamp]`.
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


def begin_before_sqlite_savepoints(engine: Engine) -> None:
    """On a SQLite engine (nothing elsewhere), a savepoint always nests in
    the transaction it belongs to. The sqlite3 driver opens its transaction
    only at the first INSERT, UPDATE or DELETE, so a SAVEPOINT issued before
    that (`session.begin_nested()` as a service's first write) opens a
    transaction of its own, which its RELEASE commits behind the caller's
    back. So the savepoint is preceded by a BEGIN when none is open.

    SQLAlchemy's full pysqlite recipe (the driver opens no transaction,
    `isolation_level = None`, and every transaction starts with an explicit
    BEGIN) does this too, but it also opens the transaction at the first
    read: SQLite then holds its shared lock from a session's first SELECT to
    its end, so a session that reads while another process writes (the
    outbox worker beside a request, the test suite's cleanup) makes that
    writer wait and fail with "database is locked", and a session polling
    for another's commit never sees it. Reads outside a write stay as
    PostgreSQL's READ COMMITTED has them, each seeing what is committed."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "savepoint", _begin_before_savepoint)


def _begin_before_savepoint(connection: Connection, name: str | None) -> None:
    driver_connection = connection.connection.driver_connection
    if driver_connection is not None and not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose engines nest savepoints in their transaction on
    SQLite (`begin_before_sqlite_savepoints`, whatever SQLALCHEMY_ENGINE_OPTIONS
    an app sets), and whose `paginate` reads `?page=` with `page_number`, telling
    the user (a flashed message) when it was not a page number."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        with app.app_context():  # the engines are made, not yet connected
            for engine in self.engines.values():
                begin_before_sqlite_savepoints(engine)

    def paginate(self, select: Any, *, page: int | None = None, **kwargs: Any) -> Pagination:
        if page is None and has_request_context():
            page, message = page_number(request.args.get("page"))
            if message:
                flash(message, "warning")
        return super().paginate(select, page=page, **kwargs)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a cursor's)."""
    return cast(CursorResult[Any], result).rowcount or 0
