"""Checkout throughput: shoppers, each with an account of their own, log in
and place orders over HTTP (product page, add to the cart, the checkout
form, bank transfer), each form read from its page with its CSRF token as a
browser would, against gunicorn -w 4 on PostgreSQL with the login limits on
in Redis and the page cache in Redis, as in production. Then the treasurer
confirms each transfer through the queue's own form. Reports orders/s and
confirmations/s with p50 and p99, `/healthz` in the same run for the ratio,
the CPU each side used, and afterwards whether the stock and the ledger add
up (no oversell, every posting balanced).

    python -m bench.checkout --rounds 3 --duration 5

The database is DROPPED and recreated, then filled by `flask seed-demo`.
See bench/README.md."""

import argparse
import json
import math
import multiprocessing
import os
import queue
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from bench import shop
from bench.catalog import RESULTS, WORK, Measure, Server, parse_wrk, wrk

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkout"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
PLENTY = 1_000_000  # stock of every variant but the scarce ones
SCARCE_STOCK = 3  # stock of each variant of a scarce product: shoppers race for it
MAX_DURATION = 60


# --- the shop ---------------------------------------------------------------------------------


@dataclass
class Stock:
    """The stock when the run starts, to check the run against."""

    variants: dict[int, int]  # variant id -> stock
    last_order_id: int
    scarce: list[int]  # product ids with SCARCE_STOCK per variant


def stock_up(url: URL, scarce: int, seed: int) -> Stock:
    """Every buyable variant gets PLENTY in stock, but those of `scarce`
    products, which get SCARCE_STOCK each (sold out within the first round:
    the race for the last pieces is what oversells if anything does)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        buyable = connection.scalars(
            sa.text(
                "SELECT p.id FROM products p JOIN members m ON m.id = p.member_id "
                "WHERE p.status = 'active' AND m.status = 'approved' ORDER BY p.id"
            )
        ).all()
        few = sorted(random.Random(seed).sample(buyable, min(scarce, len(buyable))))
        connection.execute(sa.text("UPDATE product_variants SET stock = :n"), {"n": PLENTY})
        if few:
            connection.execute(
                sa.text(
                    "UPDATE product_variants SET stock = :n WHERE product_id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"n": SCARCE_STOCK, "ids": few},
            )
        connection.execute(
            sa.text(
                "UPDATE products SET total_stock = (SELECT coalesce(sum(v.stock), 0) "
                "FROM product_variants v WHERE v.product_id = products.id)"
            )
        )
        variants = dict(connection.execute(sa.text("SELECT id, stock FROM product_variants")).all())
        last = connection.scalar(sa.text("SELECT coalesce(max(id), 0) FROM orders"))
    engine.dispose()
    return Stock(variants=variants, last_order_id=last, scarce=few)


def checks(url: URL, stock: Stock) -> dict:
    """After the run: the stock sold is what the new orders' lines hold,
    variant by variant; no stock below zero; each product's total is its
    variants' sum; and the ledger's own self-check (`ledger.balances.problems`:
    every transaction's entries sum to zero, and the rest) finds nothing."""
    from marketplace import create_app
    from marketplace.ledger.balances import problems

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        now = dict(connection.execute(sa.text("SELECT id, stock FROM product_variants")).all())
        ordered = dict(
            connection.execute(
                sa.text(
                    "SELECT l.variant_id, sum(l.quantity) FROM order_lines l "
                    "JOIN seller_orders p ON p.id = l.seller_order_id WHERE p.order_id > :last "
                    "GROUP BY l.variant_id"
                ),
                {"last": stock.last_order_id},
            ).all()
        )
        orders = dict(
            connection.execute(
                sa.text("SELECT status, count(*) FROM orders WHERE id > :last GROUP BY status"),
                {"last": stock.last_order_id},
            ).all()
        )
        totals_off = connection.scalar(
            sa.text(
                "SELECT count(*) FROM products p WHERE p.total_stock <> (SELECT "
                "coalesce(sum(v.stock), 0) FROM product_variants v WHERE v.product_id = p.id)"
            )
        )
        scarce_left = connection.scalar(
            sa.text(
                "SELECT coalesce(sum(stock), 0) FROM product_variants WHERE product_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": stock.scarce or [0]},
        )
    engine.dispose()
    sold = {
        vid: stock.variants[vid] - now[vid] for vid in now if stock.variants.get(vid) != now[vid]
    }
    mismatched = {
        vid: (sold.get(vid, 0), int(ordered.get(vid, 0)))
        for vid in set(sold) | set(ordered)
        if sold.get(vid, 0) != int(ordered.get(vid, 0))
    }
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "TESTING": False}
    )
    with app.app_context():
        ledger = problems()
    return {
        "orders_by_status": orders,
        "pieces_sold": sum(sold.values()),
        "pieces_in_order_lines": int(sum(ordered.values())),
        "variants_sold_not_as_ordered": {str(k): v for k, v in list(mismatched.items())[:10]},
        "variants_below_zero": sum(1 for value in now.values() if value < 0),
        "products_total_stock_off": totals_off,
        "scarce_pieces_left": scarce_left,
        "ledger_problems": ledger[:10],
        "ok": not mismatched
        and min(now.values(), default=0) >= 0
        and not totals_off
        and not ledger,
    }


# --- the machine ------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> tuple[int, float]:
    """(process group, CPU seconds) of `pid`, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


def cpu_seconds(group: int, database: str) -> dict[str, float]:
    """CPU seconds so far of gunicorn (process group `group`) and of the
    PostgreSQL backends serving `database` (its ps title names it), and the
    machine's busy and total seconds over all its cores."""
    found = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            pgrp, seconds = _cpu_of(int(entry.name))
            if pgrp == group:
                found["gunicorn"] += seconds
            else:
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    title = cmdline.read().replace(b"\0", b" ").decode(errors="replace").split()
                if title[:1] == ["postgres:"] and database in title[2:4]:
                    found["postgres"] += seconds
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
    with open("/proc/stat") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]
    found["machine_busy"] = (sum(ticks) - idle) / TICKS
    found["machine_total"] = sum(ticks) / TICKS
    return found


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# --- the shoppers (client processes) ----------------------------------------------------------


@dataclass
class Sample:
    """What one client process saw in one phase."""

    order_ms: list[float] = field(default_factory=list)  # product page to placed order
    checkout_post_ms: list[float] = field(default_factory=list)  # the POST /checkout alone
    login_ms: list[float] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sold_out: int = 0  # the product page offered nothing, or the checkout refused
    errors: Counter = field(default_factory=Counter)
    cpu_seconds: float = 0.0


def _session(number: int) -> requests.Session:
    """A shopper's browser: a cookie jar of its own, and an address of its
    own (X-Forwarded-For, read by the app as behind one proxy), so the login
    limit per address applies to each shopper as it would in production."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = (
        f"10.{number // 62500 % 250}.{number // 250 % 250}.{number % 250 + 1}"
    )
    return http


def _plain(sample: Sample) -> dict:
    """The sample as plain data for the queue (asdict would make the Counter
    count its own items)."""
    return asdict(replace(sample, errors=Counter())) | {"errors": dict(sample.errors)}


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _one_order(http, base: str, catalog: shop.Catalog, choose, rng, sample, lock) -> None:
    product_id = choose(rng)
    member_id, way = catalog.ways[product_id]
    started = time.perf_counter()
    try:
        shop.add_to_cart(http, base, catalog.address(product_id), rng.choice)
        posted = time.perf_counter()
        code = shop.check_out(http, base, member_id, way)
    except shop.Refused:
        with lock:
            sample.sold_out += 1
        shop.empty_cart(http, base)
        return
    done = time.perf_counter()
    with lock:
        sample.order_ms.append(1000 * (done - started))
        sample.checkout_post_ms.append(1000 * (done - posted))
        sample.codes.append(code)


def _shopper_loop(http, base, catalog, choose, seed, until, sample, lock) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        try:
            _one_order(http, base, catalog, choose, rng, sample, lock)
        except Exception as error:  # noqa: BLE001 - counted and shown, the shopper goes on
            with lock:
                sample.errors[f"{type(error).__name__}: {str(error)[:80]}"] += 1


def client_process(index, base, catalog, numbers, args_dict, barrier, results) -> None:
    """One client process: its shoppers log in (each a real login, timed),
    then in each round place orders in a thread each for `duration` seconds."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run
    args = argparse.Namespace(**args_dict)
    plenty = [p for p in catalog.product_ids if p in catalog.ways and p not in args.scarce]
    scarce = [p for p in args.scarce if p in catalog.ways]

    def choose(rng: random.Random) -> int:
        if scarce and rng.random() < args.hot:
            return rng.choice(scarce)
        return rng.choice(plenty)

    lock = threading.Lock()
    sessions = {number: _session(number) for number in numbers}
    login = Sample()

    def log_in(number: int) -> None:
        started = time.perf_counter()
        try:
            shop.log_in(sessions[number], base, shop.shopper_email(number), shop.PASSWORD)
        except (requests.RequestException, RuntimeError) as error:
            with lock:
                login.errors[str(error)[:60]] += 1
            return
        with lock:
            login.login_ms.append(1000 * (time.perf_counter() - started))

    if not _together(barrier):  # every process ready: the logins start together
        return
    cpu = _process_cpu()
    _in_threads(log_in, [(number,) for number in numbers])
    login.cpu_seconds = _process_cpu() - cpu
    results.put(("login", index, _plain(login)))
    for round_number in range(args.rounds):
        sample = Sample()
        if not _together(barrier):
            return
        cpu = _process_cpu()
        until = time.monotonic() + args.duration
        _in_threads(
            _shopper_loop,
            [
                (sessions[n], base, catalog, choose, 1000 * round_number + n, until, sample, lock)
                for n in numbers
            ],
        )
        sample.cpu_seconds = _process_cpu() - cpu
        results.put(("round", index, _plain(sample)))
    for http in sessions.values():
        http.close()


def _together(barrier) -> bool:
    """Wait for the others; False when the run was stopped meanwhile."""
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        return False
    return True


def _in_threads(target, arguments: list[tuple]) -> None:
    threads = [threading.Thread(target=target, args=args, daemon=True) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the treasurer (in this process) ----------------------------------------------------------


def confirm_all(base: str, url: URL, codes: list[str], sessions: list, limit: float) -> Sample:
    """The treasurer's desks (one logged-in session each) confirm `codes`
    in turn, each through the queue's search and the row's form."""
    totals = shop.transfer_totals(url, codes)
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for code in codes:
        todo.put(code)
    sample, lock = Sample(), threading.Lock()
    until = time.monotonic() + limit

    def desk(http: requests.Session) -> None:
        while time.monotonic() < until:
            try:
                code = todo.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                status = shop.confirm_transfer(http, base, code, totals[code])
            except requests.RequestException as error:
                with lock:
                    sample.errors[type(error).__name__] += 1
                continue
            with lock:
                if status == 302:
                    sample.order_ms.append(1000 * (time.perf_counter() - started))
                    sample.codes.append(code)
                else:
                    sample.errors[f"konfirmasi {status}"] += 1

    cpu = _process_cpu()
    _in_threads(desk, [(http,) for http in sessions])
    sample.cpu_seconds = _process_cpu() - cpu
    return sample


# --- the profile (py-spy on one worker) -------------------------------------------------------


def workers_of(master: int) -> list[int]:
    """gunicorn's worker processes: the children of its master."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == master:
                        found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def start_profile(master: int, seconds: int, out: Path) -> subprocess.Popen | None:
    """py-spy (requirements-dev) sampling one worker for `seconds`, as
    collapsed stacks in `out`; None when py-spy is not installed."""
    spy = Path(sys.executable).with_name("py-spy")
    workers = workers_of(master)
    if not spy.exists() or not workers:
        return None
    return subprocess.Popen(
        [str(spy), "record", "-p", str(workers[0]), "-d", str(seconds), "-r", "200"]
        + ["--format", "raw", "--nonblocking", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_summary(collapsed: Path, top: int = 25) -> list[str]:
    """The app's functions by their share of the worker's samples (inclusive)."""
    if not collapsed.exists():
        return []
    total, shares = 0, Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        frames = {re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")}
        for frame in frames:
            if "marketplace/" in frame:
                shares[frame] += int(count)
    return [f"{100 * n / total:5.1f} % {frame}" for frame, n in shares.most_common(top)]


# --- the run ----------------------------------------------------------------------------------


def _ms(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _merge(samples: list[dict]) -> Sample:
    merged = Sample()
    for s in samples:
        merged.order_ms += s["order_ms"]
        merged.checkout_post_ms += s["checkout_post_ms"]
        merged.login_ms += s["login_ms"]
        merged.codes += s["codes"]
        merged.sold_out += s["sold_out"]
        merged.errors.update(s["errors"])
        merged.cpu_seconds += s["cpu_seconds"]
    return merged


def _shares(before: dict, after: dict, seconds: float) -> dict:
    """CPU used in the phase, as a share of the machine (all its cores)."""
    total = after["machine_total"] - before["machine_total"]
    if total <= 0:
        return {}
    return {
        "gunicorn": round(100 * (after["gunicorn"] - before["gunicorn"]) / total, 1),
        "postgres": round(100 * (after["postgres"] - before["postgres"]) / total, 1),
        "machine_busy": round(100 * (after["machine_busy"] - before["machine_busy"]) / total, 1),
    }


def healthz(server: Server, seconds: int) -> Measure:
    return parse_wrk(
        wrk(server.base + "/healthz", threads=2, connections=8, seconds=seconds),
        Measure(page="healthz", path="/healthz"),
    )


def run(args: argparse.Namespace) -> dict:
    url = make_url(args.database_url)
    uploads = WORK / "checkout-uploads"
    if not args.keep_database:
        print(f"· fresh database {url.render_as_string()}: demo shop, {args.shoppers} shoppers")
        shop.prepare(url, args.shoppers, uploads)
    else:
        shop.add_shoppers(url, args.shoppers)
    stock = stock_up(url, args.scarce, args.seed)
    catalog = shop.catalog(url)
    environment = {
        # The limits on, counted in Redis as in production; each shopper
        # comes from an address of its own through one proxy (X-Forwarded-For).
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": args.redis,
        "PROXY_FIX_X_FOR": "1",
    }
    log = RESULTS / f"checkout-{args.stamp}.gunicorn.log"
    rounds, logins = [], None
    context = multiprocessing.get_context("fork")
    with Server(url, uploads, log, args.workers, args.redis, environment) as server:
        group = os.getpgid(server.process.pid)
        numbers = list(range(args.shoppers))
        per_process = [numbers[i :: args.processes] for i in range(args.processes)]
        barrier = context.Barrier(args.processes + 1)
        results = context.Queue()
        child_args = vars(args) | {"scarce": stock.scarce}
        children = [
            context.Process(
                target=client_process,
                args=(i, server.base, catalog, part, child_args, barrier, results),
                daemon=True,
            )
            for i, part in enumerate(per_process)
        ]
        for child in children:
            child.start()
        try:
            desks = []
            for desk in range(args.treasurers):
                http = _session(100_000 + desk)
                shop.log_in(http, server.base, *shop.TREASURER)
                desks.append(http)
            before, started = cpu_seconds(group, url.database), time.perf_counter()
            barrier.wait()
            login_samples = [results.get(timeout=600)[2] for _ in children]
            elapsed = time.perf_counter() - started
            logins = _merge(login_samples)
            logins_cpu = _shares(before, cpu_seconds(group, url.database), elapsed)
            print(
                f"· {len(logins.login_ms)} logins in {elapsed:.1f} s, "
                f"p50 {_ms(logins.login_ms, 0.5)} ms, errors {dict(logins.errors)}"
            )
            for round_number in range(args.rounds):
                profile = args.profile and round_number == 0
                rounds.append(
                    one_round(
                        args,
                        server,
                        url,
                        group,
                        barrier,
                        results,
                        desks,
                        children,
                        RESULTS / f"checkout-{args.stamp}.py-spy.txt" if profile else None,
                    )
                )
                print(f"· round {round_number + 1}: {json.dumps(rounds[-1]['summary'])}")
        finally:
            barrier.abort()  # a run stopped early: the clients waiting for a round give up
            for child in children:
                child.join(timeout=args.duration + 120)
                if child.is_alive():
                    child.kill()
    found = checks(url, stock)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.render_as_string(),
        "workers": args.workers,
        "shoppers": args.shoppers,
        "client_processes": args.processes,
        "treasurer_desks": args.treasurers,
        "scarce_products": len(stock.scarce),
        "logins": {
            "count": len(logins.login_ms) if logins else 0,
            "p50_ms": _ms(logins.login_ms, 0.5) if logins else None,
            "p99_ms": _ms(logins.login_ms, 0.99) if logins else None,
            "errors": dict(logins.errors) if logins else {},
            "cpu_share": logins_cpu if logins else {},
            "password_hash_ms": password_hash_ms(),
        },
        "rounds": rounds,
        "median": {
            # rounded: the median of two rounds is their mean, with float noise
            key: round(statistics.median(r["summary"][key] for r in rounds), 3)
            for key in rounds[0]["summary"]
        }
        if rounds
        else {},
        "checks": found,
        "profile": profile_summary(RESULTS / f"checkout-{args.stamp}.py-spy.txt")
        if args.profile
        else [],
    }


def one_round(args, server, url, group, barrier, results, desks, children, profile=None) -> dict:
    load_before = load_average()
    reference = healthz(server, args.duration)
    before = cpu_seconds(group, url.database)
    started = time.perf_counter()
    spy = start_profile(server.process.pid, args.duration, profile) if profile else None
    barrier.wait()
    samples = [results.get(timeout=args.duration + 300)[2] for _ in children]
    elapsed = time.perf_counter() - started
    if spy is not None:
        spy.wait(timeout=60)
    after = cpu_seconds(group, url.database)
    orders = _merge(samples)
    shares = _shares(before, after, elapsed)
    total = after["machine_total"] - before["machine_total"]
    shares["client"] = round(100 * orders.cpu_seconds / total, 1) if total > 0 else math.nan
    # CPU time per order: what a busy machine changes least (its share of the cores it gets).
    per_order = {
        side: round(1000 * (after[side] - before[side]) / max(1, len(orders.codes)), 1)
        for side in ("gunicorn", "postgres")
    } | {"client": round(1000 * orders.cpu_seconds / max(1, len(orders.codes)), 1)}
    before = cpu_seconds(group, url.database)
    started = time.perf_counter()
    confirmed = confirm_all(server.base, url, orders.codes, desks, limit=10 * args.duration)
    confirm_seconds = time.perf_counter() - started
    after = cpu_seconds(group, url.database)
    confirm_shares = _shares(before, after, confirm_seconds)
    per_confirmation = {
        side: round(1000 * (after[side] - before[side]) / max(1, len(confirmed.codes)), 1)
        for side in ("gunicorn", "postgres")
    }
    total = after["machine_total"] - before["machine_total"]
    confirm_shares["client"] = round(100 * confirmed.cpu_seconds / total, 1) if total else 0
    summary = {
        "healthz_rps": reference.requests_per_second,
        "orders_per_second": round(len(orders.codes) / elapsed, 1),
        "order_p50_ms": _ms(orders.order_ms, 0.5),
        "order_p99_ms": _ms(orders.order_ms, 0.99),
        "checkout_post_p50_ms": _ms(orders.checkout_post_ms, 0.5),
        "checkout_post_p99_ms": _ms(orders.checkout_post_ms, 0.99),
        "confirmations_per_second": round(len(confirmed.codes) / confirm_seconds, 1),
        "confirm_p50_ms": _ms(confirmed.order_ms, 0.5),
        "confirm_p99_ms": _ms(confirmed.order_ms, 0.99),
        "client_cpu_share": shares["client"],
        "gunicorn_cpu_ms_per_order": per_order["gunicorn"],
        "postgres_cpu_ms_per_order": per_order["postgres"],
        "client_cpu_ms_per_order": per_order["client"],
        "gunicorn_cpu_ms_per_confirmation": per_confirmation["gunicorn"],
        "postgres_cpu_ms_per_confirmation": per_confirmation["postgres"],
        "load_before": load_before,
        "load_after": load_average(),
    }
    return {
        "summary": summary,
        "orders": len(orders.codes),
        "sold_out_or_refused": orders.sold_out,
        "order_errors": dict(orders.errors),
        "seconds": round(elapsed, 2),
        "cpu_share_orders": shares,
        "confirmed": len(confirmed.codes),
        "confirm_errors": dict(confirmed.errors),
        "confirm_seconds": round(confirm_seconds, 2),
        "cpu_share_confirm": confirm_shares,
        "healthz": asdict(reference),
    }


def password_hash_ms() -> float:
    """What one argon2id verification costs here, alone (the login's floor)."""
    from marketplace.accounts.passwords import hash_password, verify_password

    hashed = hash_password(shop.PASSWORD)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        verify_password(hashed, shop.PASSWORD)
        times.append(1000 * (time.perf_counter() - started))
    return round(statistics.median(times), 1)


def table(result: dict) -> str:
    m, c, lg = result["median"], result["checks"], result["logins"]
    lines = [
        (
            f"Checkout, {result['database']}, gunicorn -w {result['workers']}, "
            f"{result['shoppers']} shoppers in {result['client_processes']} client processes, "
            f"{result['treasurer_desks']} treasurer desks; median of {len(result['rounds'])} rounds"
        ),
        "",
        "| | per second | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
        f"| /healthz (wrk -c8, reference) | {m['healthz_rps']:.0f} | | |",
        (
            f"| orders (product page to placed order) | {m['orders_per_second']} "
            f"| {m['order_p50_ms']} | {m['order_p99_ms']} |"
        ),
        f"| the POST /checkout alone | | {m['checkout_post_p50_ms']} | {m['checkout_post_p99_ms']} |",
        (
            f"| transfer confirmations | {m['confirmations_per_second']} "
            f"| {m['confirm_p50_ms']} | {m['confirm_p99_ms']} |"
        ),
        f"| logins (all at once, before the rounds) | | {lg['p50_ms']} | {lg['p99_ms']} |",
        "",
        f"one argon2id verification alone: {lg['password_hash_ms']} ms",
        f"client CPU share (of both cores) while ordering: {m['client_cpu_share']} %",
        (
            f"CPU ms per order: gunicorn {m['gunicorn_cpu_ms_per_order']}, PostgreSQL "
            f"{m['postgres_cpu_ms_per_order']} (its backends), client {m['client_cpu_ms_per_order']}; "
            f"per confirmation: gunicorn {m['gunicorn_cpu_ms_per_confirmation']}, PostgreSQL "
            f"{m['postgres_cpu_ms_per_confirmation']}"
        ),
        f"load average (1 min) before/after: {m['load_before']} / {m['load_after']}",
        "",
        "CPU shares per round (orders | confirmations):",
    ]
    for number, r in enumerate(result["rounds"], 1):
        lines.append(f"  round {number}: {r['cpu_share_orders']} | {r['cpu_share_confirm']}")
    lines += [
        "",
        f"orders after the run by status: {c['orders_by_status']}",
        (
            f"pieces sold {c['pieces_sold']} == pieces in order lines {c['pieces_in_order_lines']}; "
            f"variants sold otherwise than ordered: {len(c['variants_sold_not_as_ordered'])}; "
            f"below zero: {c['variants_below_zero']}; product totals off: "
            f"{c['products_total_stock_off']}; scarce pieces left: {c['scarce_pieces_left']}; "
            f"tries refused (sold out meanwhile): {sum(r['sold_out_or_refused'] for r in result['rounds'])}"
        ),
        f"ledger problems: {len(c['ledger_problems'])}",
        "CHECKS PASS" if c["ok"] else "CHECKS FAIL",
    ]
    if result["profile"]:
        lines += ["", "one worker, first round (py-spy, share of its samples):", *result["profile"]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--redis", default=DEFAULT_REDIS, help="Redis URL of the login limits and the page cache"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--shoppers", type=int, default=32, help="shoppers at once")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--treasurers", type=int, default=4, help="treasurer desks at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of orders per round")
    parser.add_argument("--scarce", type=int, default=3, help="products with little stock")
    parser.add_argument(
        "--hot", type=float, default=0.25, help="share of orders for the scarce products"
    )
    parser.add_argument("--seed", type=int, default=3302)
    parser.add_argument(
        "--profile", action="store_true", help="py-spy on one worker during the first round"
    )
    parser.add_argument("--keep-database", action="store_true", help="reuse the seeded database")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be 1-{MAX_DURATION} s")
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be 1-5")
    if not 1 <= args.processes <= args.shoppers <= 1000:
        parser.error("--shoppers must be 1-1000, --processes 1-shoppers")
    if make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("the checkout benchmark runs on PostgreSQL")
    args.stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return args


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # runs every `finally`, so gunicorn is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGHUP, _stop_on_sigterm)
    RESULTS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped", file=sys.stderr)
        return 130
    report = table(result)
    name = RESULTS / f"checkout-{args.stamp}"
    Path(f"{name}.json").write_text(json.dumps(result, indent=2, default=list))
    Path(f"{name}.txt").write_text(report + "\n")
    print("\n" + report)
    print(f"\nsaved to {name}.txt")
    return 0 if result["checks"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
