"""Catalog benchmark: seed N products into a fresh database, serve the app
with gunicorn on 127.0.0.1, drive each catalog page with wrk and report
requests/s, p50 and p99, each against `/healthz` (a template without the
database) measured in the same run, and the slowdown of the largest size
against the smallest.

    python -m bench.catalog --products 1000 100000 \\
        --database-url 'postgresql+psycopg://postgres@127.0.0.1:5432/bench_{size}'

See bench/README.md."""

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import URL

from bench import bulk
from bench.bulk import label

PROJECT_ROOT = bulk.PROJECT_ROOT
RESULTS = PROJECT_ROOT / "bench" / "results"
WORK = PROJECT_ROOT / "instance" / "bench"
DEFAULT_DATABASE = f"sqlite:///{WORK / 'catalog-{size}.sqlite'}"
WRK = "/usr/bin/wrk"
REFERENCE = "healthz"
MAX_DURATION = 60
MAX_CONNECTIONS = 64


@dataclass
class Measure:
    page: str
    path: str
    requests_per_second: float = math.nan
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    requests: int = 0
    errors: int = 0  # non-2xx/3xx responses and socket errors
    note: str = ""


@dataclass
class Run:
    dialect: str
    products: int
    public_products: int
    seed_seconds: float | None
    measures: list[Measure] = field(default_factory=list)
    load: tuple[float, float] = (math.nan, math.nan)  # 1-minute load average, before and after

    def reference(self) -> Measure | None:
        found = next((m for m in self.measures if m.page == REFERENCE), None)
        return found if found and not math.isnan(found.requests_per_second) else None


# --- the pages ---------------------------------------------------------------


PUBLIC = (
    "FROM products p JOIN members m ON m.id = p.member_id "
    "JOIN kecamatan k ON k.id = m.kecamatan_id JOIN categories c ON c.id = p.category_id "
    "WHERE p.status = 'active' AND m.status = 'approved'"
)


def pages(url: URL, per_page: int) -> tuple[int, list[tuple[str, str]]]:
    """How many products are public, and (name, path) of each page to measure,
    chosen from the data: the busiest kecamatan and category pair, a page
    80 % of the way down the list, a public product from the middle and
    its shop."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        total = connection.execute(sa.text(f"SELECT count(*) {PUBLIC}")).scalar_one()
        kecamatan, category = connection.execute(
            sa.text(
                f"SELECT k.slug, c.slug {PUBLIC} GROUP BY k.slug, c.slug "
                "ORDER BY count(*) DESC, k.slug, c.slug LIMIT 1"
            )
        ).one()
        cheap_half = connection.execute(
            sa.text(f"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY p.min_price) {PUBLIC}")
            if url.get_backend_name() == "postgresql"
            else sa.text(
                f"SELECT p.min_price {PUBLIC} ORDER BY p.min_price "
                f"LIMIT 1 OFFSET (SELECT count(*) / 2 {PUBLIC})"
            )
        ).scalar_one()
        middle = connection.execute(sa.text("SELECT max(id) / 2 FROM products")).scalar_one()
        product_id, slug, shop = connection.execute(
            sa.text(
                f"SELECT p.id, p.slug, m.slug {PUBLIC} AND p.id >= :middle ORDER BY p.id LIMIT 1"
            ),
            {"middle": middle},
        ).one()
    engine.dispose()
    deep = max(1, round(math.ceil(total / per_page) * 0.8))
    return total, [
        (REFERENCE, "/healthz"),
        ("produk", "/produk"),
        ("filter", f"/produk?kecamatan={kecamatan}&kategori={category}"),
        ("search", "/produk?q=keripik"),
        # Relevance with same words and a phrase, and a typo's correction
        # (the vocabulary read, then a second search).
        ("search phrase", "/produk?q=kripik+tempe"),
        ("search same words", "/produk?q=gula+jawa"),
        ("search typo", "/produk?q=kripk"),
        ("deep page", f"/produk?hal={deep}"),
        ("price", f"/produk?harga_max={cheap_half}&urut=termurah"),
        ("top rated", "/produk?urut=rating"),
        ("4 stars", "/produk?bintang=4"),
        ("kecamatan", f"/kecamatan/{kecamatan}"),
        ("category", f"/produk?kategori={category}"),
        ("product", f"/produk/{product_id}-{slug}"),
        ("shop", f"/toko/{shop}"),
    ]


# --- the server --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn -w N on 127.0.0.1, in its own process group, always stopped.
    `environment` adds to (or overrides) the app's environment, e.g. the rate limits."""

    def __init__(
        self,
        url: URL,
        upload_dir: Path,
        log: Path,
        workers: int,
        cache_url: str | None,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            # Absolute URLs (canonical, og:url, the API's links) name this server.
            "PUBLIC_URL": self.base,
            "UPLOAD_DIR": str(upload_dir),
            "APP_ENV": "development",
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-only",
        }
        if cache_url:  # the page cache shared by the workers, as in production
            env |= {
                "CACHE_REDIS_URL": cache_url,
                "CACHE_KEY_PREFIX": f"bench-{os.getpid()}-{self.port}/",
            }
        else:  # every request renders: what a cache miss costs
            env |= {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": "1"}
        env.pop("FLASK_DEBUG", None)
        env |= environment or {}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def __enter__(self) -> Self:
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.process.returncode}); see {self.log.name}"
                )
            try:
                self.status("/healthz")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:  # its process group: the master and its workers
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self.log.closed:
            self.log.close()

    def status(self, path: str) -> int:
        """The HTTP status of `path`, redirects not followed (a redirect is
        not the page we mean to measure)."""
        try:
            with NO_REDIRECTS.open(self.base + path, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


# --- wrk ---------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output: str, measure: Measure) -> Measure:
    if found := re.search(r"Requests/sec:\s+([\d.]+)", output):
        measure.requests_per_second = float(found.group(1))
    if found := re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE):
        measure.p50_ms = _ms(found.group(1))
    if found := re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE):
        measure.p99_ms = _ms(found.group(1))
    if found := re.search(r"(\d+) requests in", output):
        measure.requests = int(found.group(1))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        measure.errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        measure.errors += sum(int(n) for n in found.groups())
    return measure


def wrk(url: str, *, threads: int, connections: int, seconds: int) -> str:
    result = subprocess.run(
        [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    # Requests still queued in gunicorn when wrk stops would slow the start
    # of the next measurement: let them drain first.
    slowest = parse_wrk(result.stdout, Measure(page="", path="")).p99_ms
    time.sleep(min(30.0, max(0.5, 2 * slowest / 1000 if not math.isnan(slowest) else 2.0)))
    return result.stdout


# --- one size ----------------------------------------------------------------


def run_size(args: argparse.Namespace, products: int, log: Path) -> Run:
    url = bulk.database_url(args.database_url, products)
    upload_dir = WORK / f"uploads-{url.get_backend_name()}-{label(products)}"
    seed_seconds = None
    if args.reuse and bulk.count_products(url) == products:
        print(f"· {products:,} products already in {url.render_as_string()}: reusing them")
    else:
        print(f"· fresh database {url.render_as_string()}, flask db upgrade")
        bulk.recreate(url)
        shutil.rmtree(upload_dir, ignore_errors=True)
        bulk.migrate(url)
        report = bulk.seed(url, products, upload_dir)
        seed_seconds = report.seconds
        print(
            f"· seeded {products:,} products, {report.variants:,} variants, "
            f"{report.members:,} members in {report.seconds:.1f} s"
        )
    per_page = int(os.environ.get("CATALOG_PAGE_SIZE", "24"))
    public, targets = pages(url, per_page)
    run = Run(
        dialect=url.get_backend_name(),
        products=products,
        public_products=public,
        seed_seconds=seed_seconds,
    )
    load_before = os.getloadavg()[0]
    with Server(url, upload_dir, log, args.workers, args.cache) as server:
        ready = []
        for name, path in targets:
            status = server.status(path)
            if status != 200:
                print(f"  {name:<10} {path}: HTTP {status}, not measured")
                run.measures.append(Measure(page=name, path=path, note=f"HTTP {status}"))
                continue
            for _ in range(args.warmup):
                server.status(path)
            wrk(
                server.base + path,
                threads=args.threads,
                connections=args.connections,
                seconds=min(3, args.duration),
            )  # both workers warm, caches filled
            ready.append((name, path))
        # Rounds go over every page in turn, so that a burst of other load on
        # the machine hits all pages alike; each figure is the median of rounds.
        rounds: dict[str, list[Measure]] = {name: [] for name, _ in ready}
        for number in range(args.rounds):
            for name, path in ready:
                output = wrk(
                    server.base + path,
                    threads=args.threads,
                    connections=args.connections,
                    seconds=args.duration,
                )
                measure = parse_wrk(output, Measure(page=name, path=path))
                rounds[name].append(measure)
                print(
                    f"  {number + 1}/{args.rounds} {name:<10} "
                    f"{measure.requests_per_second:8.1f} req/s  p50 {measure.p50_ms:7.2f} ms  "
                    f"p99 {measure.p99_ms:7.2f} ms  {path}"
                )
        for name, path in ready:
            run.measures.append(median(rounds[name]))
        run.measures.sort(key=lambda m: [name for name, _ in targets].index(m.page))
    run.load = (load_before, os.getloadavg()[0])
    return run


def median(measures: list[Measure]) -> Measure:
    first = measures[0]
    return Measure(
        page=first.page,
        path=first.path,
        requests_per_second=statistics.median(m.requests_per_second for m in measures),
        p50_ms=statistics.median(m.p50_ms for m in measures),
        p99_ms=statistics.median(m.p99_ms for m in measures),
        requests=sum(m.requests for m in measures),
        errors=sum(m.errors for m in measures),
    )


# --- the report --------------------------------------------------------------


def _number(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def _ratio(value: float, reference: float) -> str:
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return "-"
    return f"{value / reference:.2f}x"


def table(run: Run, args: argparse.Namespace) -> str:
    ref = run.reference()
    load = f"load {run.load[0]:.1f} -> {run.load[1]:.1f} on {os.cpu_count()} CPUs"
    drive = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
    if args.rounds > 1:
        drive += f" x {args.rounds} rounds (median)"
    seeded = f", seeded in {run.seed_seconds:.1f} s" if run.seed_seconds else ""
    lines = [
        (
            f"{run.dialect}, {run.products:,} products ({run.public_products:,} public){seeded}; "
            f"gunicorn -w {args.workers}, {drive}; {load}; "
            f"page cache: {'Redis' if args.cache else 'off (every request renders)'}"
        ),
        (
            f"{'page':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'req/s/ref':>9} "
            f"{'p50/ref':>8} {'p99/ref':>8} {'errors':>6}  path"
        ),
    ]
    for m in run.measures:
        lines.append(
            f"{m.page:<10} {_number(m.requests_per_second):>9} {_number(m.p50_ms, 2):>8} "
            f"{_number(m.p99_ms, 2):>8} "
            f"{_ratio(m.requests_per_second, ref.requests_per_second) if ref else '-':>9} "
            f"{_ratio(m.p50_ms, ref.p50_ms) if ref else '-':>8} "
            f"{_ratio(m.p99_ms, ref.p99_ms) if ref else '-':>8} {m.errors:>6}  {m.path}"
            + (f"  ({m.note})" if m.note else "")
        )
    if ref is None:
        lines.append("(no /healthz in this app yet: ratios to the reference left out)")
    return "\n".join(lines)


def slowdown(small: Run, large: Run) -> str:
    before, after = label(small.products), label(large.products)
    lines = [
        (
            f"{large.dialect}: {after} against {before} "
            "(slowdown = req/s small / req/s large; p50 x = p50 large / p50 small)"
        ),
        (
            f"{'page':<10} {'req/s ' + before:>11} {'req/s ' + after:>11} {'slowdown':>9} "
            f"{'p50 ' + before:>9} {'p50 ' + after:>9} {'p50 x':>7}"
        ),
    ]
    for one in small.measures:
        other = next((m for m in large.measures if m.page == one.page), None)
        if other is None:
            continue
        lines.append(
            f"{one.page:<10} {_number(one.requests_per_second):>11} "
            f"{_number(other.requests_per_second):>11} "
            f"{_ratio(one.requests_per_second, other.requests_per_second):>9} "
            f"{_number(one.p50_ms, 2):>9} {_number(other.p50_ms, 2):>9} "
            f"{_ratio(other.p50_ms, one.p50_ms):>7}"
        )
    return "\n".join(lines)


# --- main --------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.catalog",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--products",
        type=int,
        nargs="+",
        default=[1000],
        help="catalogue sizes to run, e.g. 1000 100000 (default 1000)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help="SQLAlchemy URL; {size} becomes 1k, 100k... (default: a SQLite "
        "file per size under instance/bench/). It is DROPPED and recreated.",
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds of wrk per page and round"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every page this many times in turn; report the median",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=20, help="requests per page before wrk")
    parser.add_argument(
        "--cache",
        default=None,
        metavar="REDIS_URL",
        help="serve with the page cache in this Redis (e.g. redis://127.0.0.1:6379/2); "
        "without it every request renders from the database (cache misses)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database that already holds exactly N products"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be 1-5")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be 1-{MAX_DURATION} s")
    if not 1 <= args.connections <= MAX_CONNECTIONS or not 1 <= args.threads <= args.connections:
        parser.error(f"--connections must be 1-{MAX_CONNECTIONS}, --threads 1-connections")
    if not all(0 < n <= 1_000_000 for n in args.products):
        parser.error("--products must be 1-1,000,000")
    args.products = sorted(set(args.products))
    return args


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # runs every `finally`, so gunicorn is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(WRK).exists():
        print(f"wrk not found at {WRK}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGHUP, _stop_on_sigterm)
    RESULTS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dialect = bulk.database_url(args.database_url, args.products[0]).get_backend_name()
    name = f"catalog-{dialect}-{'-'.join(label(n) for n in args.products)}-{stamp}"
    runs = []
    try:
        for products in args.products:
            runs.append(run_size(args, products, RESULTS / f"{name}.gunicorn.log"))
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped", file=sys.stderr)
        if not runs:
            return 130
    report = "\n\n".join(table(run, args) for run in runs)
    if len(runs) > 1:
        report += "\n\n" + slowdown(runs[0], runs[-1])
    print("\n" + report)
    (RESULTS / f"{name}.txt").write_text(report + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps([asdict(run) for run in runs], indent=2))
    print(f"\nsaved to {(RESULTS / name).relative_to(PROJECT_ROOT)}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
