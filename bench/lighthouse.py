"""Lighthouse benchmark: seed the demo into a fresh SQLite database, serve it
with gunicorn on 127.0.0.1 (PUBLIC_URL = that address), run Lighthouse 12
with its default mobile emulation and throttling on the pages a shopper
lands on from a shared link, and print one table: the four scores, LCP,
CLS, bytes transferred and requests.

    bench/lighthouse.sh            # installs Lighthouse, then runs this
    python -m bench.lighthouse --lighthouse bench/.lighthouse/node_modules/.bin/lighthouse

The pages are found as a shopper finds them (links on the home page and
/produk), so a change of URL scheme needs no change here. Every audit that
did not pass in the accessibility, best-practices and SEO categories is
listed under the table. See bench/README.md."""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench import bulk
from bench.catalog import PUBLIC, Server

PROJECT_ROOT = bulk.PROJECT_ROOT
RESULTS = PROJECT_ROOT / "bench" / "results" / "lighthouse"
WORK = PROJECT_ROOT / "instance" / "bench" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox"


@dataclass
class Result:
    page: str
    path: str
    scores: dict[str, int]
    lcp_ms: float
    cls: float
    kilobytes: float
    requests: int
    failing: list[str]


def seed(database: Path, upload_dir: Path) -> None:
    """A fresh database with the demo in it, as `make run` makes one."""
    database.unlink(missing_ok=True)
    shutil.rmtree(upload_dir, ignore_errors=True)
    url = make_url(f"sqlite:///{database}")
    bulk.migrate(url)
    bulk.flask_command(url, "seed-demo", UPLOAD_DIR=str(upload_dir))
    # The phone-sized copies a page asks for are made on their first request
    # (core/variants.py); a shop that has been open a day has them all.
    bulk.flask_command(url, "images", "warm", "--kind", "webp", UPLOAD_DIR=str(upload_dir))


def _first(pattern: str, html: str, what: str) -> str:
    found = re.search(pattern, html)
    if not found:
        raise SystemExit(f"no {what} link found")
    return found.group(1).replace("&amp;", "&")


def pages(base: str, database: Path) -> list[tuple[str, str]]:
    """(name, path) of each page to measure: the busiest kecamatan and
    category pair for the filter, the rest from the pages' own links."""
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        kecamatan, category = connection.execute(
            sa.text(
                f"SELECT k.slug, c.slug {PUBLIC} GROUP BY k.slug, c.slug "
                "ORDER BY count(*) DESC, k.slug, c.slug LIMIT 1"
            )
        ).one()
    engine.dispose()

    def read(path: str) -> str:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            return response.read().decode()

    home, listing = read("/"), read("/produk")
    product = _first(r'href="(/produk/\d+[^"#?]*)"', listing, "product")
    shop = _first(r'href="(/toko/[^"#?]+)"', read(product), "shop")
    return [
        ("home", "/"),
        ("produk", "/produk"),
        ("filter", f"/produk?kecamatan={kecamatan}&kategori={category}"),
        ("kecamatan", _first(r'href="(/kecamatan/[^"#?]+)"', home, "kecamatan")),
        ("shop", shop),
        ("product", product),
    ]


def lighthouse(binary: str, url: str, output: Path) -> dict:
    env = os.environ | {"CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    done = subprocess.run(
        [
            binary,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={output}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    return json.loads(output.read_text())


def result(page: str, path: str, report: dict) -> Result:
    audits = report["audits"]
    failing = []
    for name in CATEGORIES[1:]:  # performance: the score and metrics say it
        for ref in report["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
                failing.append(f"{name}: {ref['id']} ({audit['title']})")
    return Result(
        page=page,
        path=path,
        scores={
            name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES
        },
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        cls=audits["cumulative-layout-shift"]["numericValue"],
        kilobytes=audits["total-byte-weight"]["numericValue"] / 1024,
        requests=len(audits["network-requests"]["details"]["items"]),
        failing=failing,
    )


def table(results: list[Result]) -> str:
    lines = [
        "| page | Perf | A11y | BP | SEO | LCP s | CLS | KB | requests | path |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for each in results:
        s = each.scores
        lines.append(
            f"| {each.page} | {s['performance']} | {s['accessibility']} | "
            f"{s['best-practices']} | {s['seo']} | {each.lcp_ms / 1000:.2f} | {each.cls:.3f} | "
            f"{each.kilobytes:.0f} | {each.requests} | `{each.path}` |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lighthouse",
        default=str(
            PROJECT_ROOT / "bench" / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
        ),
        help="the lighthouse command (bench/lighthouse.sh installs it there)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--cache", help="Redis URL for the page cache shared by the workers (default: none)"
    )
    return parser.parse_args(argv)


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # runs every `finally`, so gunicorn is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    database, upload_dir = WORK / "demo.sqlite", WORK / "uploads"
    print("· fresh demo database, flask db upgrade, flask seed-demo")
    seed(database, upload_dir)
    url = make_url(f"sqlite:///{database}")
    results = []
    try:
        with Server(url, upload_dir, RESULTS / "gunicorn.log", args.workers, args.cache) as server:
            for page, path in pages(server.base, database):
                print(f"· lighthouse {page}: {path}", flush=True)
                report = lighthouse(args.lighthouse, server.base + path, RESULTS / f"{page}.json")
                results.append(result(page, path, report))
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped", file=sys.stderr)
        return 130
    print()
    print(table(results))
    failing = sorted({line for each in results for line in each.failing})
    if failing:
        print("\nNot passed (any page):")
        for line in failing:
            pages_with = [each.page for each in results if line in each.failing]
            print(f"- {line}: {', '.join(pages_with)}")
    print(f"\nReports: {RESULTS.relative_to(PROJECT_ROOT)}/<page>.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
