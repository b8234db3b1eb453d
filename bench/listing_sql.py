"""Where a listing page's time goes: for each page bench.catalog measures,
every SQL statement it sends with `EXPLAIN (ANALYZE, BUFFERS)` (PostgreSQL)
or `EXPLAIN QUERY PLAN` (SQLite), and the request's time in process split
into SQL (as the driver returns it) and the rest (ORM and rendering).

    python -m bench.listing_sql --products 100000 \\
        --database-url 'postgresql+psycopg://postgres@127.0.0.1:5432/bench_{size}'

Reads a database bench.catalog seeded (`--reuse`); changes nothing."""

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from bench import bulk
from bench.catalog import DEFAULT_DATABASE, WORK, pages

REPEAT = 30


@contextmanager
def _statements(engine: sa.Engine) -> Iterator[list[tuple[str, Any, float]]]:
    """(statement, parameters, seconds) of each statement sent while inside."""
    found: list[tuple[str, Any, float]] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        connection.info["bench_started"] = time.perf_counter()

    def after(connection, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - connection.info.pop("bench_started")
        found.append((statement, parameters, took))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def _explain(engine: sa.Engine, statement: str, parameters: Any, settings: list[str]) -> list[str]:
    postgresql = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        for setting in settings:  # the request's own SET LOCAL, same transaction
            cursor.execute(setting)
        cursor.execute(prefix + statement, parameters or ())
        rows = cursor.fetchall()
        raw.rollback()  # type: ignore[union-attr]
    return [" | ".join(str(cell) for cell in row) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--page", action="append", help="only the pages of these names")
    parser.add_argument("--plans", action="store_true", help="print each statement's plan")
    args = parser.parse_args(argv)
    url = bulk.database_url(args.database_url, args.products)
    os.environ.update(
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "UPLOAD_DIR": str(WORK / "uploads-explain"),
            "APP_ENV": "development",
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-only",
            "CACHE_TYPE": "NullCache",
            "CACHE_NO_NULL_WARNING": "1",
        }
    )
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app()
    _, targets = pages(url, int(os.environ.get("CATALOG_PAGE_SIZE", "24")))
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        for name, path in targets:
            if name in ("healthz", "product") or (args.page and name not in args.page):
                continue
            for _ in range(3):
                client.get(path)
            totals, sql = [], []
            for _ in range(REPEAT):
                with _statements(engine) as found:
                    started = time.perf_counter()
                    response = client.get(path)
                    totals.append(time.perf_counter() - started)
                sql.append(sum(took for _, _, took in found))
            total_ms = statistics.median(totals) * 1000
            sql_ms = statistics.median(sql) * 1000
            print(
                f"\n## {name} {path} HTTP {response.status_code}: {total_ms:.1f} ms in process, "
                f"SQL {sql_ms:.1f} ms, the rest {total_ms - sql_ms:.1f} ms, "
                f"{len(found)} statements"
            )
            settings = [s for s, _, _ in found if s.startswith("SET LOCAL")]
            for number, (statement, parameters, took) in enumerate(found, start=1):
                if statement.startswith("SET LOCAL"):
                    continue
                plan = _explain(engine, statement, parameters, settings)
                summary = " ".join(statement.split())[:110]
                execution = next((line for line in plan if "Execution Time" in line), "")
                print(f"{number}. {took * 1000:6.2f} ms  {summary}  [{execution.strip()}]")
                if args.plans:
                    for line in plan:
                        print("      " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
