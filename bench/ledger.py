"""The treasurer's numbers at 1,000,000 ledger entries, on PostgreSQL.

1. Starts from nothing (the database is DROPPED and recreated, loopback
   hosts only), runs `flask db upgrade`, and writes 24 months of settlement
   history with COPY through psycopg (no ORM, no `post()` per posting), in
   the shapes `orders/settlement.py` posts: bank transfer sales (cash:bank,
   each member's pending payable, the three commission funds with the
   member's kecamatan chapter, the transfer code), cash sales (the member's
   available payable owes the commission), releases (pending -> available),
   refunds (the part's sale reversed, owed to the shopper) and refunds paid
   back; with the orders, parts and lines behind them and one commission
   fact per line and posting, so the reports by kecamatan, category and
   member have data. Growth over the two years, busier at Lebaran and at
   the year end.
2. Closes the first 22 months through `ledger.services.close_month` (each
   writes its `ledger_month_totals`), timed.
3. Times, in the same run, N times each after a warm-up: the dashboard's
   numbers and the 12-month report's numbers through
   `treasury/reports.py` (and the ledger balances the dashboard shows), the
   treasurer's pages through the Flask test client logged in as the
   treasurer (`PAGES`; a page that answers 404 is not built yet and is
   skipped), the bare SQL that computes the same numbers (month totals for
   the closed months, entries for the open ones, commission facts), and the
   naive SQL over every entry (no month totals). Prints median and p95,
   the ratio of each function and page to its bare SQL, and whether each
   page is within 1.5x of it and under 300 ms.
4. EXPLAIN (ANALYZE, BUFFERS) of the bare and the naive queries goes to the
   results file.

    .venv/bin/python -m bench.ledger                      # 1M entries, 20 runs
    .venv/bin/python -m bench.ledger --reuse --runs 50    # measure again, no seeding
    .venv/bin/python -m bench.ledger --entries 200000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_ledger_small

Results: `bench/results/ledger-<entries>-<time>.txt` (the table and the
plans) and `.json` (the raw timings).
"""

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from bench import bulk
from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.accounts.sessions import start_login
from marketplace.core.clock import WIB
from marketplace.core.money import split
from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.ledger.services import close_month, closed_through, month_to_close
from marketplace.treasury import queries as treasury_queries
from marketplace.treasury.reports import Dimension, Period, funds, funds_by_month, report

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results"
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_ledger"
SEED = 3302
MONTHS = 24
CLOSED = 22
MEMBERS = 400
BENCH_TREASURER = "bendahara@bench.aspikmas.id"
SHARES = {"empowerment": 50, "central": 30, "kecamatan": 20}
RATE_BPS = 500
ENTRIES_PER_ORDER = 8.7  # measured: the mix below posts about this many entries per order
PAGE_BUDGET_MS = 300
PAGE_RATIO = 1.5
LEBARAN = {2025: (3, 31), 2026: (3, 20), 2027: (3, 10), 2028: (2, 27)}

# The treasurer's pages to time: {first}/{last} are the 12-month report's
# months (YYYY-MM). A page that answers 404 is not built yet: skipped.
# Each is compared with the bare SQL named second.
PAGES = (
    ("/bendahara", "dashboard"),
    ("/bendahara/laporan?dari={first}&sampai={last}&lihat=kecamatan", "report kecamatan"),
    ("/bendahara/laporan?dari={first}&sampai={last}&lihat=kategori", "report kategori"),
    ("/bendahara/laporan?dari={first}&sampai={last}&lihat=anggota", "report anggota"),
    ("/bendahara/laporan?dari={first}&sampai={last}&lihat=dana", "report dana"),
    ("/transparansi", "transparency (public)"),
)


# --- months -----------------------------------------------------------------------


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """The UTC moment the Banyumas month begins."""
    return datetime(month.year, month.month, 1, tzinfo=WIB).astimezone(UTC)


def month_of(moment: datetime) -> date:
    local = moment.astimezone(WIB)
    return date(local.year, local.month, 1)


def weight(month: date, index: int) -> float:
    """Growth from half to full size over the two years, times the season."""
    lebaran = LEBARAN.get(month.year)
    season = 1.0
    if lebaran and month.month == lebaran[0]:
        season = 1.8
    elif lebaran and month.month == lebaran[0] - 1:
        season = 1.3
    elif month.month == 12:
        season = 1.4
    return (0.5 + 0.5 * index / (MONTHS - 1)) * season


# --- seeding ----------------------------------------------------------------------


@dataclass
class Seeded:
    orders: int = 0
    parts: int = 0
    lines: int = 0
    transactions: int = 0
    entries: int = 0
    facts: int = 0
    seconds: float = 0.0
    close_seconds: list[float] = field(default_factory=list)


class Writer:
    """Rows for one table, written by COPY when enough have gathered."""

    def __init__(self, cursor, table: str, columns: tuple[str, ...]) -> None:
        self.cursor, self.table, self.columns = cursor, table, columns
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        names = ", ".join(self.columns)
        with self.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(row)
        self.written += len(self.rows)
        self.rows.clear()


class Ledger:
    """Accounts by code (ids given here), transactions and entries."""

    def __init__(self, cursor, treasurer_id: int) -> None:
        self.accounts: dict[str, int] = {}
        self.treasurer_id = treasurer_id
        self.transactions = Writer(
            cursor,
            "ledger_transactions",
            (
                "id", "occurred_at", "kind", "memo", "subject_type", "subject_id",
                "recorded_by_id", "idempotency_key", "body_hash", "created_at",
            ),
        )  # fmt: skip
        self.entries = Writer(
            cursor,
            "ledger_entries",
            ("id", "transaction_id", "account_id", "amount", "occurred_at"),
        )
        self.facts = Writer(
            cursor,
            "commission_facts",
            (
                "id", "transaction_id", "month", "order_id", "seller_order_id", "order_line_id",
                "member_id", "kecamatan_slug", "category_id", "shop_name", "category_name",
                "gross", "commission",
            ),
        )  # fmt: skip
        self.transaction_id = self.entry_id = self.fact_id = 0

    def account(self, code: str) -> int:
        if code not in self.accounts:
            self.accounts[code] = len(self.accounts) + 1
        return self.accounts[code]

    def post(
        self,
        *,
        key: str,
        kind: str,
        when: datetime,
        order_id: int,
        entries: list[tuple[str, int]],
        memo: str,
        by: int | None,
    ) -> int:
        merged: dict[str, int] = {}
        for code, amount in entries:
            merged[code] = merged.get(code, 0) + amount
        assert sum(merged.values()) == 0, (key, merged)
        self.transaction_id += 1
        # Not the real body hash (that needs the canonical JSON of the posting):
        # only a replay of the same key reads it, and the bench replays nothing.
        body_hash = hashlib.sha256(key.encode()).hexdigest()
        self.transactions.add(
            (self.transaction_id, when, kind, memo, "order", order_id, by, key, body_hash, when)
        )
        for code, amount in merged.items():
            if amount:
                self.entry_id += 1
                self.entries.add(
                    (self.entry_id, self.transaction_id, self.account(code), amount, when)
                )
        return self.transaction_id

    def fact(self, transaction_id: int, when: datetime, line: dict, sign: int) -> None:
        self.fact_id += 1
        self.facts.add(
            (
                self.fact_id, transaction_id, month_of(when), line["order_id"],
                line["part_id"], line["id"], line["member_id"], line["slug"],
                line["category_id"], line["shop"], line["category"],
                sign * line["line_total"], sign * line["commission"],
            )
        )  # fmt: skip

    def flush(self) -> None:
        for writer in (self.transactions, self.entries, self.facts):
            writer.flush()


def _seed_history(connection, args: argparse.Namespace, now: datetime) -> Seeded:
    """Users, members, orders and their postings over MONTHS months ending
    this month; returns the counts."""
    rng = random.Random(SEED)
    with connection.begin():
        members = bulk._members(connection, rng, MEMBERS, now)
        shopper_id, treasurer_id = MEMBERS + 1, MEMBERS + 2
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, name, whatsapp, password_hash, is_active, "
                "created_at) VALUES (:id, :email, :name, '6281200000000', 'x', true, now())"
            ),
            [
                {"id": shopper_id, "email": "pembeli@bench.aspikmas.id", "name": "Pembeli"},
                {"id": treasurer_id, "email": BENCH_TREASURER, "name": "Bendahara"},
            ],
        )
        connection.execute(
            sa.text("INSERT INTO user_roles (user_id, role) VALUES (:user, :role)"),
            [{"user": shopper_id, "role": "shopper"}, {"user": treasurer_id, "role": "treasurer"}],
        )
    slugs = dict(connection.execute(sa.text("SELECT id, slug FROM kecamatan")).tuples().all())
    categories = connection.execute(sa.text("SELECT id, name FROM categories")).tuples().all()
    connection.commit()
    sellers = [m for m in members if m["status"] == "approved"]
    for member in sellers:
        member["slug"] = slugs[member["kecamatan_id"]]

    raw = connection.connection.driver_connection
    cursor = raw.cursor()
    ledger = Ledger(cursor, treasurer_id)
    orders = Writer(
        cursor,
        "orders",
        (
            "id", "code", "idempotency_key", "buyer_id", "contact_name", "contact_whatsapp",
            "address", "kecamatan_id", "desa", "payment_method", "status", "subtotal",
            "delivery_total", "unique_code", "total", "placed_at", "expires_at", "paid_at",
            "completed_at",
        ),
    )  # fmt: skip
    parts_out = Writer(
        cursor,
        "seller_orders",
        (
            "id", "order_id", "member_id", "status", "delivery_method", "delivery_fee",
            "subtotal", "commission_total", "kecamatan_slug", "paid_at", "completed_at",
            "cancelled_at", "cancel_reason", "refund_amount", "refund_unique_code",
            "refund_paid_at", "payable_released_at", "updated_at",
        ),
    )  # fmt: skip
    lines_out = Writer(
        cursor,
        "order_lines",
        (
            "id", "seller_order_id", "category_id", "product_name", "variant_name",
            "unit_price", "quantity", "line_total", "commission_rate_bps", "commission",
        ),
    )  # fmt: skip

    this_month = month_of(now)
    months = [month_add(this_month, -(MONTHS - 1 - index)) for index in range(MONTHS)]
    total_weight = sum(weight(month, index) for index, month in enumerate(months))
    wanted_orders = args.entries / ENTRIES_PER_ORDER
    latest = now - timedelta(hours=1)
    order_id = part_id = line_id = 0
    started = perf_counter()
    for index, month in enumerate(months):
        start = month_start(month)
        end = min(month_start(month_add(month, 1)), latest)
        count = round(wanted_orders * weight(month, index) / total_weight)
        for placed in sorted(start + (end - start) * rng.random() for _ in range(count)):
            order_id += 1
            cash = rng.random() < 0.15
            code = 0 if cash else rng.randint(1, 999)
            chosen = rng.sample(sellers, 2 if rng.random() < 0.3 else 1)
            parts = []
            for member in chosen:
                part_id += 1
                delivery = rng.random() < 0.3
                part = {
                    "id": part_id,
                    "member": member,
                    "fee": rng.choice((5_000, 8_000, 10_000, 12_500)) if delivery else 0,
                    "lines": [],
                }
                for _ in range(rng.choice((1, 1, 2, 3))):
                    line_id += 1
                    category_id, category_name = rng.choice(categories)
                    price = rng.randrange(10_000, 150_000, 500)
                    quantity = rng.choice((1, 1, 2, 3))
                    line_total = price * quantity
                    part["lines"].append(
                        {
                            "id": line_id,
                            "order_id": order_id,
                            "part_id": part_id,
                            "member_id": member["id"],
                            "slug": member["slug"],
                            "shop": member["shop_name"],
                            "category_id": category_id,
                            "category": category_name,
                            "price": price,
                            "quantity": quantity,
                            "line_total": line_total,
                            "commission": (line_total * RATE_BPS * 2 + 10_000) // 20_000,
                        }
                    )
                part["subtotal"] = sum(line["line_total"] for line in part["lines"])
                part["commission"] = sum(line["commission"] for line in part["lines"])
                part["share"] = part["subtotal"] - part["commission"] + part["fee"]
                part["funds"] = {
                    {
                        "empowerment": "income:commission:empowerment",
                        "central": "income:commission:central",
                        "kecamatan": f"income:commission:kecamatan:{member['slug']}",
                    }[fund]: amount
                    for fund, amount in split(part["commission"], SHARES).items()
                }
                parts.append(part)
            subtotal = sum(part["subtotal"] for part in parts)
            delivery_total = sum(part["fee"] for part in parts)
            total = subtotal + delivery_total + code
            paid = min(placed + timedelta(hours=rng.uniform(0.5, 6)), latest)
            _settle(ledger, rng, order_id, parts, cash, code, total, paid, latest)
            statuses = [part["status"] for part in parts]
            if all(s == "completed" for s in statuses):
                status = "completed"
            elif all(s == "cancelled" for s in statuses):
                status = "refunded"
            elif "cancelled" in statuses:
                status = "partially_refunded"
            else:
                status = "paid"
            done = max((part["done"] or paid for part in parts), default=paid)
            orders.add(
                (
                    order_id, f"B{order_id:09d}", f"bench-{order_id}", shopper_id, "Pembeli",
                    "6281200000000", "Jl. Bench", rng.choice(list(slugs)), "Desa",
                    "cash" if cash else "bank_transfer", status, subtotal, delivery_total, code,
                    total, placed, placed + timedelta(hours=24), None if cash else paid,
                    done if status == "completed" else None,
                )
            )  # fmt: skip
            for part in parts:
                parts_out.add(
                    (
                        part["id"], order_id, part["member"]["id"], part["status"],
                        "delivery" if part["fee"] else "pickup", part["fee"], part["subtotal"],
                        part["commission"], part["member"]["slug"], part["paid"], part["done"],
                        part["cancelled"], "Stok habis." if part["cancelled"] else "",
                        part["refund"], part["refund_code"], part["refund_paid"],
                        part["released"], part["done"] or paid,
                    )
                )  # fmt: skip
                for line in part["lines"]:
                    lines_out.add(
                        (
                            line["id"], part["id"], line["category_id"], "Produk bench",
                            "Biasa", line["price"], line["quantity"], line["line_total"],
                            RATE_BPS, line["commission"],
                        )
                    )  # fmt: skip
        # Parents before children: orders, parts, lines, then the ledger and the facts.
        with connection.begin():  # commits the COPYs
            for writer in (orders, parts_out, lines_out):
                writer.flush()
            accounts = list(ledger.accounts.items())
            cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_accounts")
            (known,) = cursor.fetchone()
            with cursor.copy("COPY ledger_accounts (id, code, name, kind) FROM STDIN") as copy:
                for code, account_id in accounts[known:]:
                    kind = {"cash": "asset", "payable": "liability", "income": "income"}[
                        code.split(":")[0]
                    ]
                    copy.write_row((account_id, code, code, kind))
            ledger.flush()
        print(
            f"  {month:%Y-%m}: {count:>6,} orders, {ledger.entry_id:>9,} entries so far "
            f"({perf_counter() - started:.0f} s)",
            flush=True,
        )
    with connection.begin():  # commits the COPYs
        for table in (
            "orders", "seller_orders", "order_lines", "ledger_accounts",
            "ledger_transactions", "ledger_entries", "commission_facts",
        ):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    return Seeded(
        orders=order_id,
        parts=part_id,
        lines=line_id,
        transactions=ledger.transaction_id,
        entries=ledger.entry_id,
        facts=ledger.fact_id,
    )


def _settle(
    ledger: Ledger,
    rng: random.Random,
    order_id: int,
    parts: list[dict],
    cash: bool,
    code: int,
    total: int,
    paid: datetime,
    latest: datetime,
) -> None:
    """The postings `orders/settlement.py` makes for this order, each at its time."""
    for part in parts:
        part.update(
            status="new", paid=None if cash else paid, done=None, cancelled=None, refund=0,
            refund_code=0, refund_paid=None, released=None,
        )  # fmt: skip
    if not cash:
        entries = [("cash:bank", total), ("income:transfer-code", -code)]
        for part in parts:
            entries.append((f"payable:member:{part['member']['id']}:pending", -part["share"]))
            entries.extend((account, -amount) for account, amount in part["funds"].items())
        sale = ledger.post(
            key=f"order:{order_id}:sale", kind="sale", when=paid, order_id=order_id,
            entries=entries, memo=f"Penjualan B{order_id:09d} (transfer bank)",
            by=ledger.treasurer_id,
        )  # fmt: skip
        for part in parts:
            for line in part["lines"]:
                ledger.fact(sale, paid, line, 1)
    open_parts = len(parts)
    for part in parts:
        member_id = part["member"]["id"]
        if not cash and rng.random() < 0.035:  # the member cannot fulfil it: refunded
            cancelled = paid + timedelta(days=rng.uniform(0.2, 3))
            if cancelled > latest:
                continue
            open_parts -= 1
            part["status"], part["cancelled"] = "cancelled", cancelled
            part["refund_code"] = code if open_parts == 0 else 0
            part["refund"] = part["subtotal"] + part["fee"] + part["refund_code"]
            entries = [
                (f"payable:member:{member_id}:pending", part["share"]),
                ("income:transfer-code", part["refund_code"]),
                ("payable:shopper-refunds", -part["refund"]),
                *part["funds"].items(),
            ]
            refund = ledger.post(
                key=f"seller-order:{part['id']}:refund", kind="refund", when=cancelled,
                order_id=order_id, entries=entries, memo=f"Pengembalian dana B{order_id:09d}",
                by=member_id,
            )  # fmt: skip
            for line in part["lines"]:
                ledger.fact(refund, cancelled, line, -1)
            sent = cancelled + timedelta(days=rng.uniform(1, 5))
            if sent <= latest:
                part["refund_paid"] = sent
                ledger.post(
                    key=f"seller-order:{part['id']}:refund-paid", kind="refund", when=sent,
                    order_id=order_id,
                    entries=[
                        ("payable:shopper-refunds", part["refund"]),
                        ("cash:bank", -part["refund"]),
                    ],
                    memo=f"Dana B{order_id:09d} ditransfer kembali ke pembeli",
                    by=ledger.treasurer_id,
                )  # fmt: skip
            continue
        done = paid + timedelta(days=rng.uniform(0.5, 4))
        if done > latest:
            continue
        part["status"], part["done"] = "completed", done
        if cash:
            part["paid"] = done
            entries = [(f"payable:member:{member_id}:available", part["commission"])]
            entries.extend((account, -amount) for account, amount in part["funds"].items())
            sale = ledger.post(
                key=f"seller-order:{part['id']}:cash-sale", kind="sale", when=done,
                order_id=order_id, entries=entries,
                memo=f"Penjualan B{order_id:09d} (tunai)", by=member_id,
            )  # fmt: skip
            for line in part["lines"]:
                ledger.fact(sale, done, line, 1)
        else:
            part["released"] = done
            ledger.post(
                key=f"seller-order:{part['id']}:release", kind="adjustment", when=done,
                order_id=order_id,
                entries=[
                    (f"payable:member:{member_id}:pending", part["share"]),
                    (f"payable:member:{member_id}:available", -part["share"]),
                ],
                memo=f"Pesanan B{order_id:09d} selesai", by=None,
            )  # fmt: skip


def seed(url: URL, args: argparse.Namespace) -> Seeded:
    """A fresh database with the history; then the first CLOSED months closed."""
    started = perf_counter()
    bulk.recreate(url)
    bulk.migrate(url)
    print(f"migrated in {perf_counter() - started:.1f} s; seeding...", flush=True)
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    with engine.connect() as connection:
        seeded = _seed_history(connection, args, now)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    seeded.seconds = perf_counter() - started
    return seeded


def close_months(app, seeded: Seeded | None) -> None:
    """Close the first CLOSED months, in order, through the ledger's own close."""
    with app.app_context():
        treasurer = _treasurer()
        last = month_add(month_of(datetime.now(UTC)), -(MONTHS - CLOSED))
        while (month := month_to_close()) is not None and month <= last:
            started = perf_counter()
            close_month(month=month, closed_by=treasurer)
            db.session.commit()
            if seeded is not None:
                seeded.close_seconds.append(perf_counter() - started)
        print(f"closed through {closed_through():%Y-%m}", flush=True)


def _treasurer() -> User:
    return db.session.scalars(sa.select(User).where(User.email == BENCH_TREASURER)).one()


# --- the bare SQL ---------------------------------------------------------------------

# Commission income by month and account: closed months from their totals,
# open months from their entries, bucketed by the Banyumas month.
FUNDS_BY_MONTH = """
SELECT m.month, a.code, sum(m.amount)
FROM (
    SELECT month, account_id, amount FROM ledger_month_totals
    WHERE month >= :first AND month <= :closed_last
    UNION ALL
    SELECT date_trunc('month', e.occurred_at AT TIME ZONE 'Asia/Jakarta')::date,
           e.account_id, e.amount
    FROM ledger_entries e
    WHERE e.occurred_at >= :open_start AND e.occurred_at < :open_end
) m JOIN ledger_accounts a ON a.id = m.account_id
WHERE a.code LIKE 'income:commission:%'
GROUP BY m.month, a.code
"""
# Every account's balance: the closed months' totals plus the open months' entries.
BALANCES = """
SELECT a.code, a.kind, coalesce(sum(m.amount), 0)
FROM ledger_accounts a LEFT JOIN (
    SELECT account_id, amount FROM ledger_month_totals
    UNION ALL
    SELECT e.account_id, e.amount
    FROM ledger_entries e
    WHERE e.occurred_at >= :open_start
) m ON m.account_id = a.id
GROUP BY a.code, a.kind
"""
TRANSFERS = """
SELECT count(*), coalesce(sum(CASE WHEN expires_at <= :now THEN 1 ELSE 0 END), 0)
FROM orders WHERE status = 'pending_payment' AND payment_method = 'bank_transfer'
"""
FACTS = {
    "kecamatan": ("kecamatan_slug", "kecamatan_slug"),
    "kategori": ("category_id", "category_name"),
    "anggota": ("member_id", "shop_name"),
}
# An order counts in a row when it sold more there in the period than came
# back in it: summed per row and order first, as treasury.reports does.
FACT_ROWS = """
SELECT key, max(name), sum(gross), count(CASE WHEN gross > 0 THEN 1 END), sum(commission)
FROM (
    SELECT {key} AS key, max({name}) AS name, sum(gross) AS gross, sum(commission) AS commission
    FROM commission_facts WHERE month >= :first AND month <= :last
    GROUP BY {key}, order_id
) per_order
GROUP BY key
"""
SOLD_ORDERS = """
SELECT count(*) FROM (
    SELECT order_id FROM commission_facts WHERE month >= :first AND month <= :last
    GROUP BY order_id HAVING sum(gross) > 0
) sold
"""
KECAMATAN = "SELECT slug, name FROM kecamatan"


def _fact_rows_sql(tab: str) -> str:
    key, name = FACTS[tab]
    return FACT_ROWS.format(key=key, name=name)


# Without month totals: every entry of the period, and every entry for the balances.
NAIVE_FUNDS_BY_MONTH = """
SELECT date_trunc('month', t.occurred_at AT TIME ZONE 'Asia/Jakarta')::date, a.code,
       sum(e.amount)
FROM ledger_entries e
JOIN ledger_transactions t ON t.id = e.transaction_id
JOIN ledger_accounts a ON a.id = e.account_id
WHERE a.code LIKE 'income:commission:%' AND t.occurred_at >= :start AND t.occurred_at < :end
GROUP BY 1, 2
"""
NAIVE_BALANCES = """
SELECT a.code, a.kind, coalesce(sum(e.amount), 0)
FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
GROUP BY a.code, a.kind
"""


@dataclass
class Window:
    """The months the dashboard and the 12-month report look at."""

    first: date  # twelve months ago
    last: date  # this month
    year_start: date
    closed_last: date
    open_start: datetime
    open_end: datetime
    now: datetime

    @classmethod
    def of(cls, now: datetime, closed_last: date) -> "Window":
        last = month_of(now)
        return cls(
            first=month_add(last, -11),
            last=last,
            year_start=date(last.year, 1, 1),
            closed_last=closed_last,
            open_start=month_start(month_add(closed_last, 1)),
            open_end=month_start(month_add(last, 1)),
            now=now,
        )

    def funds_params(self, first: date) -> dict:
        return {
            "first": first,
            "closed_last": self.closed_last,
            "open_start": max(self.open_start, month_start(first)),
            "open_end": self.open_end,
        }


def _sql(statement: str, **params) -> list:
    return db.session.execute(sa.text(statement), params).all()


def bare_dashboard(w: Window) -> None:
    _sql(FUNDS_BY_MONTH, **w.funds_params(w.first))
    _sql(BALANCES, open_start=w.open_start)
    _sql(TRANSFERS, now=w.now)


def bare_report(w: Window, tab: str) -> None:
    _sql(FUNDS_BY_MONTH, **w.funds_params(w.first))
    if tab == "dana":
        return
    _sql(_fact_rows_sql(tab), first=w.first, last=w.last)
    _sql(SOLD_ORDERS, first=w.first, last=w.last)
    if tab == "kecamatan":
        _sql(KECAMATAN)


def naive_dashboard(w: Window) -> None:
    _sql(NAIVE_FUNDS_BY_MONTH, start=month_start(w.first), end=w.open_end)
    _sql(NAIVE_BALANCES)
    _sql(TRANSFERS, now=w.now)


def naive_funds(w: Window) -> None:
    _sql(NAIVE_FUNDS_BY_MONTH, start=month_start(w.first), end=w.open_end)


# --- the same numbers through treasury.reports ---------------------------------------------


def reports_dashboard(w: Window) -> None:
    """What the dashboard shows: this month, last month and the year to date,
    the last 12 months by fund, each fund's balance, what is owed to and by
    members and to shoppers, the bank, and the transfers waiting."""
    funds_by_month(Period(w.first, w.last))
    funds(Period(w.year_start, w.last))
    balances("income:commission")
    balances("payable")
    balance("cash:bank")
    db.session.execute(treasury_queries.transfer_counts(w.now)).one()


TABS = {
    "kecamatan": Dimension.KECAMATAN,
    "kategori": Dimension.CATEGORY,
    "anggota": Dimension.MEMBER,
}


def reports_report(w: Window, tab: str) -> None:
    period = Period(w.first, w.last)
    if tab == "dana":
        funds_by_month(period)
    else:
        report(period, TABS[tab])


def numbers_agree(w: Window) -> list[str]:
    """The bare SQL gives the reports' numbers (else the comparison means nothing)."""
    found = []
    by_month: dict[date, int] = {}
    for month, _, amount in _sql(FUNDS_BY_MONTH, **w.funds_params(w.first)):
        by_month[month] = by_month.get(month, 0) - int(amount)
    for month, split_ in funds_by_month(Period(w.first, w.last)):
        if split_.total != by_month.get(month, 0):
            found.append(f"funds {month:%Y-%m}: reports {split_.total}, SQL {by_month.get(month)}")
    for tab, dimension in TABS.items():
        rows = _sql(_fact_rows_sql(tab), first=w.first, last=w.last)
        bare = sorted((int(r[4]), int(r[2]), int(r[3])) for r in rows)
        got = report(Period(w.first, w.last), dimension)
        mine = sorted(
            (row.commission, row.gross, row.orders)
            for row in got.rows
            if row.gross or row.commission
        )
        if bare != mine:
            found.append(f"report {tab}: rows differ")
        if got.unattributed != 0:
            found.append(f"report {tab}: {got.unattributed} unattributed")
    return found


# --- timing -------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    kind: str  # reports | page | bare | naive
    runs_ms: list[float]
    against: str = ""  # the bare SQL timing this is compared with
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.runs_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(name: str, kind: str, work: Callable[[], object], runs: int, **extra) -> Timing:
    for _ in range(2):  # warm-up: plans and caches, as a page already visited
        work()
        db.session.rollback()
    times = []
    for _ in range(runs):
        started = perf_counter()
        work()
        times.append((perf_counter() - started) * 1000)
        db.session.rollback()
    return Timing(name, kind, times, **extra)


def logged_in_client(app):
    client = app.test_client()
    treasurer = _treasurer()
    start_login(
        user=treasurer,
        remember=False,
        lifetime=timedelta(days=1),
        user_agent="bench",
        now=datetime.now(UTC),
    )
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = treasurer.get_id()
        session["_fresh"] = True
    return client


def time_pages(app, w: Window, runs: int) -> tuple[list[Timing], list[str]]:
    timings, skipped = [], []
    client = logged_in_client(app)
    for template, against in PAGES:
        path = template.format(first=f"{w.first:%Y-%m}", last=f"{w.last:%Y-%m}")
        status = client.get(path).status_code
        if status == 404:
            skipped.append(f"{path}: 404 (not built on this branch)")
            continue
        if status != 200:
            skipped.append(f"{path}: HTTP {status}")
            continue

        def get(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        timings.append(timed(f"GET {path}", "page", get, runs, against=against))
    return timings, skipped


class Statements:
    """The SQL statements run while it listens, with their times: to find the
    slowest one the reports and pages send."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[float, str, object]] = []

    def __enter__(self) -> Self:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc_info) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        elapsed = (perf_counter() - conn.info.pop("bench_started")) * 1000
        self.seen.append((elapsed, statement, parameters))


def explain(statement: str, parameters) -> str:
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    db.session.rollback()
    return plan


def measure(app, runs: int) -> tuple[list[Timing], list[str], str, list[str]]:
    with app.app_context():
        now = datetime.now(UTC)
        w = Window.of(now, closed_through())
        disagree = numbers_agree(w)
        db.session.rollback()
        timings = [
            timed("dashboard (bare SQL)", "bare", lambda: bare_dashboard(w), runs),
            timed(
                "dashboard (treasury.reports + balances)",
                "reports",
                lambda: reports_dashboard(w),
                runs,
                against="dashboard",
            ),
            timed(
                "dashboard, naive (no month totals)",
                "naive",
                lambda: naive_dashboard(w),
                runs,
                against="dashboard",
            ),
        ]
        for tab in ("kecamatan", "kategori", "anggota", "dana"):
            timings.append(
                timed(f"report {tab} (bare SQL)", "bare", lambda tab=tab: bare_report(w, tab), runs)
            )
            timings.append(
                timed(
                    f"report {tab} (treasury.reports)",
                    "reports",
                    lambda tab=tab: reports_report(w, tab),
                    runs,
                    against=f"report {tab}",
                )
            )
        timings.append(
            timed(
                "12 months by fund, naive (no month totals)",
                "naive",
                lambda: naive_funds(w),
                runs,
                against="report dana",
            )
        )
    with app.app_context():
        pages, skipped = time_pages(app, w, runs)
    timings += pages
    plans = _plans(app, w)
    return timings, skipped, plans, disagree


def _plans(app, w: Window) -> str:
    """EXPLAIN ANALYZE of the slowest statement the reports and pages send,
    of the bare funds-by-month query, and of the naive balances."""
    with app.app_context():
        engine = db.engine
        with Statements(engine) as heard:
            reports_dashboard(w)
            for tab in ("kecamatan", "kategori", "anggota", "dana"):
                reports_report(w, tab)
            db.session.rollback()
        slowest = max(heard.seen, key=lambda seen: seen[0])
        parts = [
            (
                f"-- slowest statement from treasury.reports/balances ({slowest[0]:.1f} ms):\n"
                f"{slowest[1]}\n-- params: {slowest[2]}\n{explain(slowest[1], slowest[2])}"
            ),
        ]
        for name, statement, params in (
            ("bare funds by month", FUNDS_BY_MONTH, w.funds_params(w.first)),
            ("bare balances", BALANCES, {"open_start": w.open_start}),
            ("naive balances (all entries)", NAIVE_BALANCES, {}),
        ):
            compiled = sa.text(statement).bindparams(**params).compile(dialect=engine.dialect)
            parts.append(f"-- {name}:\n{explain(str(compiled), compiled.params)}")
        return "\n\n".join(parts)


# --- the table -------------------------------------------------------------------------


def table(timings: list[Timing], seeded: Seeded | None, runs: int, counts: dict) -> str:
    bare = {t.name.removesuffix(" (bare SQL)"): t for t in timings if t.kind == "bare"}
    load = os.getloadavg()[0]
    lines = [
        (
            f"PostgreSQL, {counts['entries']:,} ledger entries, {counts['transactions']:,} "
            f"transactions, {counts['facts']:,} commission facts, {counts['orders']:,} orders; "
            f"{MONTHS} months, the first {CLOSED} closed; {runs} runs each (after 2 warm-up); "
            f"load {load:.1f} on {os.cpu_count()} CPUs"
        ),
    ]
    if seeded is not None:
        closes = seeded.close_seconds
        lines.append(
            f"seeded in {seeded.seconds:.0f} s; {len(closes)} month closes "
            f"(median {statistics.median(closes) * 1000:.0f} ms, max {max(closes) * 1000:.0f} ms)"
            if closes
            else f"seeded in {seeded.seconds:.0f} s"
        )
    lines.append(
        f"{'what':<62} {'median ms':>9} {'p95 ms':>8} {'bare ms':>8} {'ratio':>6}  verdict"
    )
    for t in timings:
        reference = bare.get(t.against)
        ratio = t.median / reference.median if reference else float("nan")
        verdict = ""
        if t.kind == "page":
            fast = f"{'under' if t.p95 < PAGE_BUDGET_MS else 'NOT under'} {PAGE_BUDGET_MS} ms"
            if reference is None:  # a page with no bare SQL to compare (the public one)
                verdict = fast
            else:
                within = ratio <= PAGE_RATIO
                verdict = f"{'within' if within else 'NOT within'} {PAGE_RATIO}x, {fast}"
        elif t.kind == "reports":
            verdict = f"{'within' if ratio <= PAGE_RATIO else 'NOT within'} {PAGE_RATIO}x"
        elif t.kind == "naive":
            verdict = f"{ratio:.0f}x the month totals"
        lines.append(
            f"{t.name[:62]:<62} {t.median:>9.1f} {t.p95:>8.1f} "
            + (
                f"{reference.median:>8.1f} {ratio:>5.2f}x  "
                if reference
                else f"{'-':>8} {'-':>6}  "
            )
            + verdict
        )
    return "\n".join(lines)


def counts_now(app) -> dict:
    with app.app_context():
        return {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("ledger_entries", "ledger_transactions", "commission_facts", "orders")
        }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE,
        help="PostgreSQL URL (default: $DATABASE_URL, else bench_ledger on 127.0.0.1). "
        "It is DROPPED and recreated unless --reuse.",
    )
    parser.add_argument("--entries", type=int, default=1_000_000, help="about this many entries")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each (3-500)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database as it is: no seeding"
    )
    args = parser.parse_args(argv)
    if not 3 <= args.runs <= 500:
        parser.error("--runs must be 3-500")
    if not 10_000 <= args.entries <= 20_000_000:
        parser.error("--entries must be 10,000-20,000,000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = make_url(args.database_url)
    if url.get_backend_name() != "postgresql":
        print("bench.ledger runs on PostgreSQL", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    seeded = None
    if not args.reuse:
        seeded = seed(url, args)
        print(f"seeded {seeded.entries:,} entries in {seeded.seconds:.0f} s", flush=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "SECRET_KEY": "bench-ledger",
            "RATELIMIT_ENABLED": False,
            "CACHE_TYPE": "NullCache",
            "CACHE_NO_NULL_WARNING": True,
        }
    )
    if not args.reuse:
        close_months(app, seeded)
    found = counts_now(app)
    counts = {
        "entries": found["ledger_entries"],
        "transactions": found["ledger_transactions"],
        "facts": found["commission_facts"],
        "orders": found["orders"],
    }
    timings, skipped, plans, disagree = measure(app, args.runs)
    report_text = table(timings, seeded, args.runs, counts)
    if skipped:
        report_text += "\nskipped: " + "; ".join(skipped)
    report_text += "\nbare SQL agrees with treasury.reports: " + (
        "yes" if not disagree else "NO: " + "; ".join(disagree)
    )
    print("\n" + report_text)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"ledger-{bulk.label(counts['entries'] // 1000 * 1000)}-{stamp}"
    (RESULTS / f"{name}.txt").write_text(report_text + "\n\n" + plans + "\n")
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "counts": counts,
                "seeded": asdict(seeded) if seeded else None,
                "timings": [asdict(t) for t in timings],
                "skipped": skipped,
                "disagree": disagree,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nplans and figures saved to {(RESULTS / name).relative_to(PROJECT_ROOT)}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
