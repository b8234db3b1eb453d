"""Mixed load: anonymous visitors browse while shoppers check out and the
treasurer confirms their transfers, on gunicorn -w 4 with the page cache in
Redis, as in production. Reports how many catalog pages came from the cache
(the `X-Cache` header), the latency of hits and misses, what the cache holds
afterwards, and the orders placed and confirmed.

    python -m bench.mixed --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_mixed

The database is DROPPED and recreated, then filled by `flask seed-demo`.
See bench/README.md."""

import argparse
import json
import os
import queue
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
import requests
from sqlalchemy.engine import make_url

from bench.catalog import RESULTS, WORK, Server
from bench.shop import (
    PASSWORD,
    TREASURER,
    Catalog,
    Refused,
    add_to_cart,
    catalog,
    check_out,
    confirm_transfer,
    empty_cart,
    log_in,
    prepare,
    shopper_email,
    transfer_totals,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_mixed"
DEFAULT_CACHE = "redis://127.0.0.1:6379/3"
FILTERS = (
    "",
    "?urut=termurah",
    "?urut=termahal",
    "?urut=terlaris",
    "?tersedia=1",
    "?hal=2",
    "?hal=3",
    "?q=keripik",
    "?q=batik",
    "?q=gula",
    "?harga_max=25000",
)


# --- what each kind of visitor does -------------------------------------------------------------


@dataclass
class Tally:
    """What the visitors saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pages: Counter = field(default_factory=Counter)  # (kind, HIT/MISS/-) -> count
    latency: dict = field(default_factory=lambda: defaultdict(list))  # HIT/MISS -> seconds
    timeline: list = field(default_factory=list)  # (t, HIT/MISS)
    errors: Counter = field(default_factory=Counter)
    orders: int = 0
    refused: int = 0
    confirmed: int = 0

    def page(self, kind: str, response: requests.Response, took: float, at: float) -> None:
        said = response.headers.get("X-Cache", "-")
        with self.lock:
            self.pages[kind, said] += 1
            if said in ("HIT", "MISS"):
                self.latency[said].append(took)
                self.timeline.append((at, said))
            if response.status_code >= 400:
                self.errors[f"{kind} {response.status_code}"] += 1


def browse_address(rng: random.Random, shop: Catalog) -> tuple[str, str]:
    """An anonymous visitor's next page: popular products more often."""
    roll = rng.random()
    if roll < 0.35:
        rank = min(int(rng.paretovariate(1.1)) - 1, len(shop.products) - 1)
        return "produk", shop.products[
            rank if rng.random() < 0.6 else rng.randrange(len(shop.products))
        ]
    if roll < 0.45:
        return "beranda", "/"
    if roll < 0.65:
        choice = rng.random()
        if choice < 0.4:
            return "daftar", "/produk" + rng.choice(FILTERS)
        if choice < 0.7:
            return "daftar", f"/produk?kategori={rng.choice(shop.categories)}"
        return "daftar", f"/produk?kecamatan={rng.choice(shop.kecamatan)}"
    if roll < 0.80:
        return "toko", f"/toko/{rng.choice(shop.shops)}"
    if roll < 0.90:
        return "kecamatan", f"/kecamatan/{rng.choice(shop.kecamatan)}"
    if roll < 0.95:
        return "api", "/api/v1/products" + rng.choice(("", "?urut=termurah", "?hal=2"))
    return "api", f"/api/v1/products/{rng.choice(shop.product_ids)}"


def browser(base: str, shop: Catalog, tally: Tally, stop: threading.Event, seed: int, t0: float):
    rng = random.Random(seed)
    with requests.Session() as http:
        while not stop.is_set():
            kind, address = browse_address(rng, shop)
            started = time.perf_counter()
            try:
                response = http.get(base + address, allow_redirects=False, timeout=60)
            except requests.RequestException as error:
                with tally.lock:
                    tally.errors[f"{kind} {type(error).__name__}"] += 1
                continue
            tally.page(kind, response, time.perf_counter() - started, started - t0)
            http.cookies.clear()  # every visit anonymous and without a session


def shopper(base, shop, tally, stop, number, confirmations, pause):
    rng = random.Random(1000 + number)
    with requests.Session() as http:
        log_in(http, base, shopper_email(number), PASSWORD)
        while not stop.is_set():
            try:
                _one_order(http, base, shop, tally, rng, confirmations)
            except requests.RequestException as error:
                with tally.lock:
                    tally.errors[f"checkout {type(error).__name__}"] += 1
            stop.wait(rng.uniform(0.5 * pause, 1.5 * pause))


def _one_order(http, base, shop, tally, rng, confirmations) -> None:
    product_id = rng.choice(shop.product_ids[: max(20, len(shop.product_ids) // 2)])
    if product_id not in shop.ways:
        return
    member_id, way = shop.ways[product_id]
    try:
        add_to_cart(http, base, shop.address(product_id), rng.choice)
        code = check_out(http, base, member_id, way)
    except Refused:  # out of stock meanwhile, or refused: empty the cart for the next try
        with tally.lock:
            tally.refused += 1
        empty_cart(http, base)
        return
    with tally.lock:
        tally.orders += 1
    confirmations.put(code)


def treasurer(base, url, tally, stop, confirmations):
    with requests.Session() as http:
        log_in(http, base, *TREASURER)
        while not stop.is_set():
            try:
                code = confirmations.get(timeout=0.5)
            except queue.Empty:
                continue
            status = confirm_transfer(http, base, code, transfer_totals(url, [code])[code])
            with tally.lock:
                if status == 302:
                    tally.confirmed += 1
                else:
                    tally.errors[f"konfirmasi {status}"] += 1


# --- the run ----------------------------------------------------------------------------------


def cache_contents(cache_url: str, prefix: str) -> dict:
    client = redis.Redis.from_url(cache_url)
    keys = list(client.scan_iter(match=f"{prefix}page/*", count=1000))
    size = 0
    for start in range(0, len(keys), 500):
        pipe = client.pipeline(transaction=False)
        for key in keys[start : start + 500]:
            pipe.strlen(key)
        size += sum(pipe.execute())
    return {"pages": len(keys), "megabytes": round(size / 1e6, 1)}


def run(args: argparse.Namespace) -> dict:
    url = make_url(args.database_url)
    if not args.keep_database:
        print(
            f"seeding {url.render_as_string()} (demo shop, {args.shoppers} shoppers)…", flush=True
        )
        prepare(url, args.shoppers, WORK / "mixed-uploads")
    shop = catalog(url)
    log = WORK / "mixed-gunicorn.log"
    WORK.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    stop = threading.Event()
    confirmations: queue.Queue[str] = queue.Queue()
    with Server(url, WORK / "mixed-uploads", log, args.workers, args.cache) as server:
        prefix = f"bench-{os.getpid()}-{server.port}/"
        t0 = time.perf_counter()
        threads = [
            threading.Thread(target=browser, args=(server.base, shop, tally, stop, n, t0))
            for n in range(args.browsers)
        ]
        if not args.no_orders:
            threads += [
                threading.Thread(
                    target=shopper,
                    args=(server.base, shop, tally, stop, n, confirmations, args.pause),
                )
                for n in range(args.shoppers)
            ]
            threads.append(
                threading.Thread(
                    target=treasurer, args=(server.base, url, tally, stop, confirmations)
                )
            )
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - t0
        held = cache_contents(args.cache, prefix)
    return summary(args, tally, elapsed, held)


def _ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(args, tally: Tally, elapsed: float, held: dict) -> dict:
    hits = sum(n for (kind, said), n in tally.pages.items() if said == "HIT")
    misses = sum(n for (kind, said), n in tally.pages.items() if said == "MISS")
    settled = [said for at, said in tally.timeline if at >= args.warmup]
    by_kind = {}
    for kind in sorted({kind for kind, _ in tally.pages}):
        h, m = tally.pages[kind, "HIT"], tally.pages[kind, "MISS"]
        by_kind[kind] = round(100 * h / (h + m), 1) if h + m else None
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "workers": args.workers,
        "browsers": args.browsers,
        "shoppers": 0 if args.no_orders else args.shoppers,
        "seconds": round(elapsed, 1),
        "pages": hits + misses,
        "pages_per_second": round((hits + misses) / elapsed, 1),
        "hit_rate": round(100 * hits / (hits + misses), 1) if hits + misses else None,
        "hit_rate_after_warmup": round(100 * settled.count("HIT") / len(settled), 1)
        if settled
        else None,
        "hit_rate_by_page": by_kind,
        "hit_ms_p50_p99": [_ms(tally.latency["HIT"], 0.5), _ms(tally.latency["HIT"], 0.99)],
        "miss_ms_p50_p99": [_ms(tally.latency["MISS"], 0.5), _ms(tally.latency["MISS"], 0.99)],
        "orders_placed": tally.orders,
        "orders_refused": tally.refused,
        "orders_per_second": round(tally.orders / elapsed, 2),
        "transfers_confirmed": tally.confirmed,
        "errors": dict(tally.errors),
        "cache_after": held,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--cache", default=DEFAULT_CACHE, help="Redis URL of the page cache")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument(
        "--warmup", type=int, default=15, help="seconds left out of the settled rate"
    )
    parser.add_argument("--browsers", type=int, default=6, help="anonymous visitors at once")
    parser.add_argument("--shoppers", type=int, default=3, help="shoppers checking out at once")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between a shopper's orders"
    )
    parser.add_argument("--no-orders", action="store_true", help="browsing only, for reference")
    parser.add_argument("--keep-database", action="store_true", help="reuse the seeded database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"mixed-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
