"""The database: the declarative base every model derives from, with a
naming convention so that migrations name their constraints the same way
on SQLite and PostgreSQL; Flask-SQLAlchemy's extension, whose engines
(the app's, the tests', the migrations') all nest savepoints in their
transaction on SQLite and plan every statement with its own values on
PostgreSQL; the page number `paginate` reads."""

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


def plan_with_values_on_postgresql(engine: Engine) -> None:
    """On a PostgreSQL engine (nothing elsewhere), the server plans every
    statement for the values it is given (`plan_cache_mode =
    force_custom_plan`, sent with the connection's own options).

    psycopg prepares a statement on the server after its fifth execution on
    a connection, and PostgreSQL, after five more, may keep one generic plan
    for any values. For the catalog's statements that plan is blind to what
    matters: how many products a search's words match, how many members the
    array holds. Measured at 100,000 products (issue 17): a search's facet
    count went from 38 ms to 263 ms at the eleventh request and stayed
    there, its page from 49 ms to 357 ms, and the kecamatan + category
    filter doubled. Planning each time costs well under a millisecond."""
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "do_connect", _custom_plans)


def _custom_plans(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
    options = cparams.get("options", "")  # a DATABASE_URL's own `?options=` stay
    cparams["options"] = f"{options} -c plan_cache_mode=force_custom_plan".strip()


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose engines nest savepoints in their transaction on
    SQLite (`begin_before_sqlite_savepoints`) and plan with each statement's
    values on PostgreSQL (`plan_with_values_on_postgresql`), whatever
    SQLALCHEMY_ENGINE_OPTIONS an app sets, and whose `paginate` reads `?page=` with `page_number`, telling
    the user (a flashed message) when it was not a page number."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        with app.app_context():  # the engines are made, not yet connected
            for engine in self.engines.values():
                begin_before_sqlite_savepoints(engine)
                plan_with_values_on_postgresql(engine)

    def paginate(self, select: Any, *, page: int | None = None, **kwargs: Any) -> Pagination:
        if page is None and has_request_context():
            page, message = page_number(request.args.get("page"))
            if message:
                flash(message, "warning")
        return super().paginate(select, page=page, **kwargs)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a cursor's)."""
    return cast(CursorResult[Any], result).rowcount or 0
