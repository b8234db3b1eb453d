"""The sitemap: every public address of the shop, for search engines.

`/sitemap.xml` is a sitemap index (sitemaps.org 0.9) naming child sitemaps,
one run per section (static pages, categories, kecamatan, shops, products),
each cut into parts of at most `URLS_PER_SITEMAP` addresses, the protocol's
limit. The sections but the products' are small (a shop per member) and
read whole; products are cut by id in blocks of the limit, so the index
finds their parts in one grouped query and a part is a range of the
primary key.

What "public" means is the catalog's own (`queries.is_public`,
`queries.is_public_shop`): a draft or archived product, or any product or
shop of a member not approved (pending, rejected, suspended), is in no part.
`lastmod` is when what a page shows last changed: a product's own
`updated_at` (its variants' prices and stock are summarised on its row, so
they move it too); for a shop, its member's `updated_at` (the profile, the
approval) or its latest public product's, whichever is later; for a
kecamatan, a category and the lists, the latest change of a public product
on it. A page with nothing to date (an empty category) goes without one.

The index and the parts are built once per catalog *generation*
(catalog.cache): it moves after every commit that changes a catalog row, so
a new, repriced or archived product shows in the next request, and nothing
is ever cleared by hand. A part of products is a narrow read (id, slug,
`updated_at`) turned into text row by row: no model object is made."""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote
from xml.sax.saxutils import escape

from sqlalchemy import Select, func, select

from marketplace.catalog.cache import GENERATION_KEY, generations
from marketplace.catalog.models import Category, Product
from marketplace.catalog.queries import is_public, is_public_shop
from marketplace.core.clock import as_utc
from marketplace.core.urls import public_url, public_urls
from marketplace.extensions import cache, db
from marketplace.members.models import Kecamatan, Member

URLS_PER_SITEMAP = 50_000  # the protocol's most per file; tests lower it
XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
T = TypeVar("T")
PLAIN = re.compile(r"[a-z0-9-]+")  # a slug that needs no quoting in an address


class Section(StrEnum):
    """A run of child sitemaps; the value is in its address."""

    PAGES = "halaman"
    CATEGORIES = "kategori"
    KECAMATAN = "kecamatan"
    SHOPS = "toko"
    PRODUCTS = "produk"


# The public pages that are neither one product, shop, category nor
# kecamatan; the ones that list products are as fresh as the newest change.
STATIC_PAGES: tuple[tuple[str, bool], ...] = (
    ("catalog.home", True),
    ("catalog.products", True),
    ("transparency.index", False),
)


@dataclass(frozen=True)
class Part:
    """One child sitemap: its section, its page number (from 1), its newest
    `lastmod` (None if none of its addresses has one)."""

    section: Section
    page: int
    lastmod: datetime | None


# --- what each section lists ------------------------------------------------

Entry = tuple[str, datetime | None]  # an address and its lastmod


def _latest_changes() -> Select[tuple[int, int, datetime]]:
    """The latest change of a public product per (member, category): one
    scan of the products from which every shop, kecamatan, category and
    list page is dated."""
    return (
        select(Product.member_id, Product.category_id, func.max(Product.updated_at))
        .join(Product.member)
        .where(is_public())
        .group_by(Product.member_id, Product.category_id)
    )


def _shops() -> Select[tuple[int, str, int, datetime]]:
    return (
        select(Member.id, Member.slug, Member.kecamatan_id, Member.updated_at)
        .where(is_public_shop())
        .order_by(Member.id)
    )


def _newest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((as_utc(moment) for moment in moments if moment is not None), default=None)


def small_sections() -> dict[Section, list[Entry]]:
    """Every section but the products', whole: a few thousand addresses at
    most (a shop per member), dated from one grouped scan of the products."""
    changes = db.session.execute(_latest_changes()).all()
    shops = db.session.execute(_shops()).all()
    by_member: dict[int, list[datetime]] = {}
    by_category: dict[int, list[datetime]] = {}
    for member_id, category_id, changed in changes:
        by_member.setdefault(member_id, []).append(changed)
        by_category.setdefault(category_id, []).append(changed)
    latest_of_member = {member_id: _newest(found) for member_id, found in by_member.items()}
    by_kecamatan: dict[int, list[datetime | None]] = {}
    for shop in shops:
        by_kecamatan.setdefault(shop.kecamatan_id, []).append(latest_of_member.get(shop.id))
    latest = _newest(latest_of_member.values())
    build = public_urls()
    places = db.session.execute(select(Kecamatan.id, Kecamatan.slug).order_by(Kecamatan.id))
    categories = db.session.execute(select(Category.id, Category.slug).order_by(Category.id))
    return {
        Section.PAGES: [
            (build(endpoint), latest if dated else None) for endpoint, dated in STATIC_PAGES
        ],
        # A category's page answers at the list filtered by it (its
        # canonical address); /kategori/<slug> only redirects there.
        Section.CATEGORIES: [
            (build("catalog.products", kategori=slug), _newest(by_category.get(id_, [])))
            for id_, slug in categories
        ],
        Section.KECAMATAN: [
            (build("catalog.kecamatan", slug=slug), _newest(by_kecamatan.get(id_, [])))
            for id_, slug in places
        ],
        # A shop is as fresh as its own row (profile, approval) or its
        # latest public product.
        Section.SHOPS: [
            (
                build("catalog.shop", slug=shop.slug),
                _newest((shop.updated_at, latest_of_member.get(shop.id))),
            )
            for shop in shops
        ],
    }


# Products are numbered by id in blocks of the limit: a part holds the
# public products of its block (so at most the limit, and a product keeps
# its part while others come and go), read on the primary key's range.
def _product_blocks(limit: int) -> Select[tuple[int, datetime]]:
    block = ((Product.id - 1) // limit).label("block")
    return (
        select(block, func.max(Product.updated_at))
        .join(Product.member)
        .where(is_public())
        .group_by(block)
        .order_by(block)
    )


def _products_of_block(page: int, limit: int) -> Select[tuple[int, str, datetime]]:
    return (
        select(Product.id, Product.slug, Product.updated_at)
        .join(Product.member)
        .where(is_public(), Product.id > (page - 1) * limit, Product.id <= page * limit)
        .order_by(Product.id)
    )


def _product_address() -> Callable[[int, str], str]:
    """A product's absolute address, by filling in one Werkzeug built:
    building 50,000 of them one by one takes a second."""
    sample_id, sample_slug = 987_654_321, "contoh-nama-produk"
    sample = public_urls()("catalog.product", product_id=sample_id, slug=sample_slug)
    head, found, tail = sample.partition(f"{sample_id}-{sample_slug}")
    if not found:  # pragma: no cover - the rule changed shape: build each
        return lambda id_, slug: public_url("catalog.product", product_id=id_, slug=slug)
    return lambda id_, slug: (
        f"{head}{id_}-{slug if PLAIN.fullmatch(slug) else quote(slug, safe='')}{tail}"
    )


# --- parts and their addresses ----------------------------------------------


def parts(small: dict[Section, list[Entry]], limit: int) -> list[Part]:
    """Every child sitemap, in the index's order."""
    found: list[Part] = []
    for section, listed in small.items():
        for page, start in enumerate(range(0, len(listed), limit), start=1):
            dates = (lastmod for _, lastmod in listed[start : start + limit])
            found.append(Part(section, page, _newest(dates)))
    found += [
        Part(Section.PRODUCTS, block + 1, lastmod)
        for block, lastmod in db.session.execute(_product_blocks(limit))
    ]
    return found


def product_entries(page: int, limit: int) -> Iterator[Entry]:
    """The products of one part, row by row: no model object is made."""
    address = _product_address()
    for id_, slug, lastmod in db.session.execute(_products_of_block(page, limit)):
        yield address(id_, slug), lastmod


# --- the XML ----------------------------------------------------------------


def w3c_datetime(moment: datetime) -> str:
    """`2026-12-06T08:44:10+00:00`: W3C Datetime, to the second, in UTC."""
    return as_utc(moment).astimezone(UTC).isoformat(timespec="seconds")


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{w3c_datetime(moment)}</lastmod>" if moment is not None else ""


def index_xml(found: list[Part]) -> bytes:
    build = public_urls()
    lines = [HEAD, f'<sitemapindex xmlns="{XMLNS}">\n']
    for part in found:
        loc = build("catalog.crawlers.sitemap_part", section=part.section.value, page=part.page)
        lines.append(f"<sitemap><loc>{escape(loc)}</loc>{_lastmod(part.lastmod)}</sitemap>\n")
    lines.append("</sitemapindex>\n")
    return "".join(lines).encode()


def urlset_xml(found: Iterable[tuple[str, datetime | None]]) -> bytes:
    lines = [HEAD, f'<urlset xmlns="{XMLNS}">\n']
    lines.extend(f"<url><loc>{escape(loc)}</loc>{_lastmod(when)}</url>\n" for loc, when in found)
    lines.append("</urlset>\n")
    return "".join(lines).encode()


# --- cached per catalog generation --------------------------------------------


def _cached(name: str, build: Callable[[], T]) -> T:
    """`build()`, kept under `name` for the current catalog generation; built
    afresh, and not kept, while the cache is out of reach."""
    (generation,) = generations((GENERATION_KEY,))
    if not generation:
        return build()
    key = f"sitemap/{generation}/{URLS_PER_SITEMAP}/{name}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found)
    return found


def current_small_sections() -> dict[Section, list[Entry]]:
    return _cached("small", small_sections)


def current_parts() -> list[Part]:
    return _cached("parts", lambda: parts(current_small_sections(), URLS_PER_SITEMAP))


def index() -> bytes:
    return _cached("index", lambda: index_xml(current_parts()))


def part(section: Section, page: int) -> bytes | None:
    """One child sitemap; None if the index names no such part (so a made-up
    page number costs no query and makes no key)."""
    if not any(p.section is section and p.page == page for p in current_parts()):
        return None

    def build() -> bytes:
        if section is Section.PRODUCTS:
            return urlset_xml(product_entries(page, URLS_PER_SITEMAP))
        listed = current_small_sections()[section]
        return urlset_xml(listed[(page - 1) * URLS_PER_SITEMAP : page * URLS_PER_SITEMAP])

    return _cached(f"{section.value}/{page}", build)
