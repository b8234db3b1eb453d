"""The sitemap: every public address of the shop, for search engines.

`/sitemap.xml` is a sitemap index (sitemaps.org 0.9) naming child sitemaps,
one run per section (static pages, categories, kecamatan, shops, products),
each cut into parts of at most `URLS_PER_SITEMAP` addresses, the protocol's
limit. A part is a page number over its section's rows in a fixed order, so
the index finds every part and its `lastmod` in one query per section (a
window over the rows), without reading the parts themselves.

What "public" means is the catalog's own (`queries.is_public`,
`queries.is_public_shop`): a draft or archived product, or any product or
shop of a member not approved (pending, rejected, suspended), is in no part.
`lastmod` is when what a page shows last changed: a product's own
`updated_at` (its variants' prices and stock are summarised on its row, so
they move it too); for a shop, a kecamatan, a category and the lists, the
latest change of a public product on it (a shop: at least its approval).
A page with nothing to date (an empty category) goes without one.

The index and the parts are built once per catalog *generation*
(catalog.cache): it moves after every commit that changes a catalog row, so
a new, repriced or archived product shows in the next request, and nothing
is ever cleared by hand. A part is a narrow read (id, slug, `updated_at`)
turned into text row by row: no model object is made, so 50,000 products
cost one query and a string."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from sqlalchemy import Select, case, func, select

from marketplace.catalog.cache import GENERATION_KEY, generations
from marketplace.catalog.models import Category, Product
from marketplace.catalog.queries import is_public, is_public_shop
from marketplace.core.clock import as_utc
from marketplace.core.urls import public_urls
from marketplace.extensions import cache, db
from marketplace.members.models import Kecamatan, Member

URLS_PER_SITEMAP = 50_000  # the protocol's most per file; tests lower it
XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
T = TypeVar("T")


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


def _latest_public_change() -> Select[tuple[datetime]]:
    """The latest change of any public product (None if there is none)."""
    return select(func.max(Product.updated_at)).join(Product.member).where(is_public())


def _latest_by(column: Any) -> Any:
    """The latest change of a public product, per value of `column`."""
    return (
        select(column.label("key"), func.max(Product.updated_at).label("changed"))
        .select_from(Product)
        .join(Product.member)
        .where(is_public())
        .group_by(column)
        .subquery()
    )


def _products() -> Select[Any]:
    return (
        select(Product.id, Product.slug, Product.updated_at.label("lastmod"))
        .join(Product.member)
        .where(is_public())
    )


def _shops() -> Select[Any]:
    latest = _latest_by(Product.member_id)
    joined = func.coalesce(Member.approved_at, Member.created_at)
    lastmod = case((latest.c.changed > joined, latest.c.changed), else_=joined)
    return (
        select(Member.slug, lastmod.label("lastmod"))
        .outerjoin(latest, latest.c.key == Member.id)
        .where(is_public_shop())
    )


def _kecamatan() -> Select[Any]:
    latest = _latest_by(Member.kecamatan_id)
    return select(Kecamatan.slug, latest.c.changed.label("lastmod")).outerjoin(
        latest, latest.c.key == Kecamatan.id
    )


def _categories() -> Select[Any]:
    latest = _latest_by(Product.category_id)
    return select(Category.slug, latest.c.changed.label("lastmod")).outerjoin(
        latest, latest.c.key == Category.id
    )


# Each section's rows and the order that numbers its parts (a unique key).
ROWS = {
    Section.CATEGORIES: (_categories, Category.id),
    Section.KECAMATAN: (_kecamatan, Kecamatan.id),
    Section.SHOPS: (_shops, Member.id),
    Section.PRODUCTS: (_products, Product.id),
}


def _static_pages() -> list[tuple[str, datetime | None]]:
    latest = db.session.scalar(_latest_public_change())
    build = public_urls()
    return [(build(endpoint), latest if dated else None) for endpoint, dated in STATIC_PAGES]


def _url(section: Section, row: Any, build: Any) -> str:
    if section is Section.PRODUCTS:
        return build("catalog.product", product_id=row.id, slug=row.slug)
    if section is Section.SHOPS:
        return build("catalog.shop", slug=row.slug)
    if section is Section.KECAMATAN:
        return build("catalog.kecamatan", slug=row.slug)
    # A category's page answers at the list filtered by it (its canonical
    # address); /kategori/<slug> only redirects there.
    return build("catalog.products", kategori=row.slug)


# --- parts and their addresses ----------------------------------------------


def parts(limit: int) -> list[Part]:
    """Every child sitemap, in the index's order: one query per section."""
    found: list[Part] = []
    pages = _static_pages()
    for page, start in enumerate(range(0, len(pages), limit), start=1):
        found.append(Part(Section.PAGES, page, _newest(d for _, d in pages[start : start + limit])))
    for section, (rows, order) in ROWS.items():
        numbered = rows().add_columns(func.row_number().over(order_by=order).label("n")).subquery()
        page_of = ((numbered.c.n - 1) // limit).label("page")
        statement = (
            select(page_of, func.max(numbered.c.lastmod)).group_by(page_of).order_by(page_of)
        )
        for page, lastmod in db.session.execute(statement):
            found.append(Part(section, int(page) + 1, lastmod))
    return found


def entries(section: Section, page: int, limit: int) -> Iterator[tuple[str, datetime | None]]:
    """The addresses of one part, with their `lastmod`, row by row."""
    if section is Section.PAGES:
        yield from _static_pages()[(page - 1) * limit : page * limit]
        return
    rows, order = ROWS[section]
    build = public_urls()
    statement = rows().order_by(order).limit(limit).offset((page - 1) * limit)
    for row in db.session.execute(statement):
        yield _url(section, row, build), row.lastmod


def _newest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((as_utc(moment) for moment in moments if moment is not None), default=None)


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


def current_parts() -> list[Part]:
    return _cached("parts", lambda: parts(URLS_PER_SITEMAP))


def index() -> bytes:
    return _cached("index", lambda: index_xml(current_parts()))


def part(section: Section, page: int) -> bytes | None:
    """One child sitemap; None if the index names no such part (so a made-up
    page number costs no query and makes no key)."""
    if not any(p.section is section and p.page == page for p in current_parts()):
        return None
    return _cached(
        f"{section.value}/{page}",
        lambda: urlset_xml(entries(section, page, URLS_PER_SITEMAP)),
    )
