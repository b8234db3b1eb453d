"""Reads of the catalog. Functions named for what they return; those that
return a `Select` leave execution and paging to the caller. The public
pages' reads come first, then a member's own listings (the /kelola pages),
each scoped to one member: what is not theirs is simply not found.

The product and shop pages' reads are built once (`@cache`) with the
request's values as named bound parameters (`bindparam("product_id")`),
passed at execution: building a statement with its loader options costs
about 1 ms of Python, a fifth of such a page (bench/README.md, issue 17).
Such a statement must not capture anything that changes between requests
(a date, a setting): bind it instead."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    UnaryExpression,
    and_,
    any_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload, undefer_group
from sqlalchemy.sql import operators

from marketplace.catalog.certificates.queries import has_certificate
from marketplace.catalog.certificates.rules import today
from marketplace.catalog.filters import CatalogFilter, Sort
from marketplace.catalog.models import (
    Category,
    ListingCount,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    Review,
    ReviewPhoto,
)
from marketplace.catalog.search import Search
from marketplace.extensions import db
from marketplace.members.models import DELIVERY_SUMMARY, Member, MemberStatus
from marketplace.members.queries import members_delivering_to

# Full-text search lives outside the models (see migrations 0001 and 0014):
# on PostgreSQL a stored `tsvector` column with a GIN index (the name's
# words weigh A, the description's B, so a query can ask for the name
# alone); on SQLite an FTS5 table kept by triggers, with its name column.
PG_SEARCH_VECTOR: ColumnElement[Any] = literal_column("products.search_vector")


def categories() -> Select[tuple[Category]]:
    return select(Category).order_by(Category.position, Category.name)


def is_public_shop() -> ColumnElement[bool]:
    """Only approved members have a public shop (not pending, rejected or
    suspended ones)."""
    return Member.status == MemberStatus.APPROVED


def is_public() -> ColumnElement[bool]:
    """Only active products of approved members are public."""
    return (Product.status == ProductStatus.ACTIVE) & is_public_shop()


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _pg_tsquery(search: Search, *, name_only: bool = False) -> ColumnElement[Any]:
    return func.to_tsquery(
        literal_column("'simple'::regconfig"), search.tsquery(name_only=name_only)
    )


def _matches(search: Search, *, name_only: bool = False) -> ColumnElement[bool]:
    if _is_postgresql():
        return PG_SEARCH_VECTOR.op("@@")(_pg_tsquery(search, name_only=name_only))
    return Product.id.in_(
        text("SELECT rowid FROM products_fts WHERE products_fts MATCH :fts_query")
        .bindparams(bindparam("fts_query", search.fts5(name_only=name_only), unique=True))
        .columns(column("rowid", Integer))
    )


def prefer_the_search_index() -> None:
    """PostgreSQL's planner, costing random reads as a spinning disk's
    (`random_page_cost` 4), reads the whole products table rather than the
    search index when a word matches a tenth of it, then tests every row:
    at 100,000 products 4x slower. The catalog's tables are read from memory
    or SSD; for the rest of this transaction, cost them so."""
    if _is_postgresql():
        db.session.execute(text("SET LOCAL random_page_cost = 1.1"))


def search_condition(search: Search) -> ColumnElement[bool]:
    """Products whose name or description matches every clause of `search`,
    through the database's own full-text index."""
    return _matches(search)


def _relevance(search: Search) -> ColumnElement[int]:
    """A product's tier for `search`, best 0:
    0. its name begins with the words as typed ("gula aren": "Gula Aren Cair");
    1. its name holds them ("Kopi Jahe Gula Aren Sachet");
    2. its name holds their usual same words ("gula jawa": "Gula Kelapa Cetak");
    3. its name matches the whole search ("Nopia Isi Gula Merah");
    4. only the description does.
    Each is a match on the name's part of the full-text index (no scan of
    the names themselves), except the "begins with" of those in tier 0-1."""
    typed, *usual = search.phrases
    begins = func.lower(Product.name).like(f"{typed}%")  # letters and digits: no wildcard
    tiers: list[tuple[ColumnElement[bool], Any]] = [
        (_matches(Search.phrase(typed), name_only=True), case((begins, 0), else_=1))
    ]
    tiers += [(_matches(Search.phrase(phrase), name_only=True), 2) for phrase in usual]
    tiers.append((_matches(search, name_only=True), 3))
    return case(*tiers, else_=4)


# The visible reviews' average, none: 0. Written as the text of the
# expression index `ix_products_top_rated` (migration 0027), which the planner
# uses only for the very same expression: "Rating tertinggi" then reads its
# first page from the index instead of sorting every product.
RATING_AVERAGE: ColumnElement[Any] = literal_column(
    "CASE WHEN products.rating_count > 0 "
    "THEN products.rating_sum * 1.0 / products.rating_count ELSE 0 END"
)
# A literal, not a bound value, so that both databases see the condition of
# the partial index `ix_products_rated` in the query.
IS_REVIEWED: ColumnElement[bool] = Product.rating_count > literal_column("0")

SORT_ORDER: dict[Sort, tuple[UnaryExpression[Any], ...]] = {
    # Equally relevant (the same product from several shops): the best seller.
    Sort.RELEVANCE: (Product.sold_count.desc(), Product.id.desc()),
    Sort.NEWEST: (Product.created_at.desc(), Product.id.desc()),
    Sort.CHEAPEST: (Product.min_price.asc(), Product.id.desc()),
    Sort.DEAREST: (Product.max_price.desc(), Product.id.desc()),
    Sort.POPULAR: (Product.sold_count.desc(), Product.id.desc()),
    # The visible reviews' average (none: last), then how many back it.
    Sort.TOP_RATED: (RATING_AVERAGE.desc(), Product.rating_count.desc(), Product.id.desc()),
}


@cache
def approved_members() -> Select[tuple[int, int]]:
    """Every approved member as (id, kecamatan id): few rows, read once per
    listing so the product queries need no join."""
    return select(Member.id, Member.kecamatan_id).where(Member.status == MemberStatus.APPROVED)


# The listing's statements (its facet counts and its page of cards) are
# built once per shape of filter: which conditions narrow it, its sort,
# whether it is read backwards. Every value (the members, the category, the
# prices, ...) is bound by name when executing, from `Listing.values`, as
# for the product and shop pages above: building the page's statement with
# its loader options and its cache key took 0.6 ms of Python per request
# at 1,000 products, a fifteenth of the page. A search's are built per
# request: its condition and relevance tiers hold the words searched.


def _of_members(postgresql: bool) -> ColumnElement[bool]:
    """Products of the members `member_ids`. On PostgreSQL one array value
    (`= ANY`), not a placeholder per member: with a thousand members
    SQLAlchemy and the driver spent longer writing out and parsing the list
    than the database spent on the query (the same plan either way)."""
    if postgresql:
        return Product.member_id == any_(bindparam("member_ids", type_=ARRAY(Integer)))
    return Product.member_id.in_(bindparam("member_ids", expanding=True))


# What narrows a listing besides its members, in this order, each with its
# values bound by name when executing (`listing`).
NARROWING: dict[str, Callable[[], ColumnElement[bool]]] = {
    "category_id": lambda: Product.category_id == bindparam("category_id"),
    "price_min": lambda: Product.max_price >= bindparam("price_min"),
    "price_max": lambda: Product.min_price <= bindparam("price_max"),
    "in_stock": lambda: Product.total_stock > 0,
    "certificate": lambda: has_certificate(bindparam("certificate"), bindparam("on", type_=Date)),
    "delivers_to": lambda: Product.member_id.in_(members_delivering_to(bindparam("delivers_to"))),
    "min_rating": lambda: and_(
        IS_REVIEWED,
        Product.rating_sum >= bindparam("min_rating", type_=Integer) * Product.rating_count,
    ),
}


@dataclass(frozen=True)
class Listing:
    """The active products of the members `member_ids` (the approved ones,
    of the chosen kecamatan if any) that match a filter, on the products
    table alone: `shape` names the conditions (NARROWING) its statements
    are built with, `values` binds them, and `search`, if any, is built in."""

    shape: tuple[str, ...]
    values: dict[str, Any]
    search: Search | None = None


def listing(
    catalog_filter: CatalogFilter, *, member_ids: list[int], category_id: int | None
) -> Listing:
    """The listing of `catalog_filter` over the products of `member_ids` (in
    `category_id`, if any): the conditions it sets, with their values."""
    chosen: dict[str, Any] = {
        "category_id": category_id,
        "price_min": catalog_filter.price_min,
        "price_max": catalog_filter.price_max,
        "in_stock": True if catalog_filter.in_stock else None,  # nothing to bind
        "certificate": catalog_filter.certificate,
        "delivers_to": catalog_filter.delivers_to,
        "min_rating": catalog_filter.min_rating,
    }
    shape = tuple(name for name in NARROWING if chosen[name] is not None)
    values = {name: chosen[name] for name in shape if name != "in_stock"}
    if catalog_filter.certificate is not None:
        values["on"] = today()
    return Listing(
        shape=shape, values={"member_ids": member_ids, **values}, search=catalog_filter.search
    )


def _listing_conditions(
    shape: tuple[str, ...], postgresql: bool, search: Search | None
) -> list[ColumnElement[bool]]:
    conditions = [Product.status == ProductStatus.ACTIVE, _of_members(postgresql)]
    conditions += [NARROWING[name]() for name in shape]
    if search is not None:
        conditions.append(search_condition(search))
    return conditions


def listing_counts(found: Listing) -> Select[tuple[int, int, int]]:
    """Matching products per (member, category), from which browse() adds up
    the counts of every facet at once (an index-only scan). Executed with
    `found.values`. Not for a search (`searched`)."""
    assert found.search is None
    return _listing_counts_once(found.shape, _is_postgresql())


def _listing_counts(shape: tuple[str, ...], postgresql: bool) -> Select[tuple[int, int, int]]:
    return (
        select(Product.member_id, Product.category_id, func.count())
        .where(*_listing_conditions(shape, postgresql, None))
        .group_by(Product.member_id, Product.category_id)
    )


_listing_counts_once = cache(_listing_counts)


@cache
def kept_listing_counts() -> Select[tuple[int, int, int, int]]:
    """(member, their kecamatan, category, active products) as the triggers
    keep them (`ListingCount`), of approved members: what `listing_counts`
    finds when the filter is only a kecamatan and a category, without
    counting the products themselves, and the members whose products the
    page lists (one with no active product lists nothing)."""
    return (
        select(
            ListingCount.member_id,
            Member.kecamatan_id,
            ListingCount.category_id,
            ListingCount.active_products,
        )
        .join(Member, Member.id == ListingCount.member_id)
        .where(ListingCount.active_products > 0, is_public_shop())
    )


def _turned(order: tuple[UnaryExpression[Any], ...]) -> tuple[UnaryExpression[Any], ...]:
    return tuple(
        part.element.asc() if part.modifier is operators.desc_op else part.element.desc()
        for part in order
    )


def _card_loading() -> tuple[Any, ...]:
    """What a listing's product card shows, loaded with the products: the
    member, their kecamatan and delivery summary, the category and the
    cover photo joined."""
    return (
        joinedload(Product.member).joinedload(Member.kecamatan),
        joinedload(Product.member).undefer_group(DELIVERY_SUMMARY),
        joinedload(Product.category),
        joinedload(Product.cover_image),
    )


def listing_page(found: Listing, sort: Sort, *, backwards: bool = False) -> Select[tuple[Product]]:
    """One page of the listing's products (`limit` of them from `offset`,
    bound with `found.values`) with what their cards show. The page's ids
    are found first on the indexes alone, so a deep page skips index
    entries rather than whole rows. `backwards`: in the reverse order
    (`offset` counted from the end), for a page nearer the end than the
    start. Not for a search (`searched`)."""
    assert found.search is None
    return _listing_page_once(found.shape, sort, backwards, _is_postgresql())


def _listing_page(
    shape: tuple[str, ...], sort: Sort, backwards: bool, postgresql: bool
) -> Select[tuple[Product]]:
    order = SORT_ORDER[sort]
    if backwards:
        order = _turned(order)
    page_ids = (
        select(Product.id)
        .where(*_listing_conditions(shape, postgresql, None))
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery()
    )
    return (
        select(Product)
        .join(page_ids, Product.id == page_ids.c.id)
        .order_by(*order)
        .options(*_card_loading())
    )


_listing_page_once = cache(_listing_page)


def searched(
    found: Listing,
    sort: Sort,
    *,
    page_members: list[int] | None,
    category_id: int | None,
    limit: int,
    offset: int,
) -> CompoundSelect:
    """A search's facet counts and its page's product ids in one statement
    (executed with `found.values`), which reads the matching products once:
    rows (member id, category id, count, None, None) per member and
    category of everything `found` holds, then (None, None, None, product
    id, place on the page) for the page (`limit` from `offset`), among the
    products of `page_members` (None: all found) in `category_id` (None:
    any), in the sort's order, by tier first for relevance (`_relevance`).

    What it buys: a search reads each matching row (its words are
    rechecked there and its member and category are only there); counting
    and paging apart read them twice. At 100,000 products, "keripik" (about
    12,000 matches) took 33 ms of PostgreSQL's time as two statements and
    23 ms as this one (bench/README.md, issue 17). Built per request, as
    its condition and tiers hold the words searched."""
    assert found.search is not None
    tier = _relevance(found.search) if sort == Sort.RELEVANCE else literal_column("0")
    order = SORT_ORDER[sort]
    keys = [part.element.label(f"key_{number}") for number, part in enumerate(order)]
    # Read twice below, so both databases materialise it: one scan.
    matches = (
        select(Product.id, Product.member_id, Product.category_id, tier.label("tier"), *keys)
        .where(*_listing_conditions(found.shape, _is_postgresql(), found.search))
        .cte("found")
    )
    by_order = [matches.c.tier.asc()] + [
        matches.c[f"key_{number}"].desc()
        if part.modifier is operators.desc_op
        else matches.c[f"key_{number}"].asc()
        for number, part in enumerate(order)
    ]
    chosen: list[ColumnElement[bool]] = []
    if page_members is not None:
        chosen.append(matches.c.member_id.in_(page_members))
    if category_id is not None:
        chosen.append(matches.c.category_id == category_id)
    page = (
        select(matches.c.id, *(part.element for part in by_order))
        .where(*chosen)
        .order_by(*by_order)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    in_page = [
        page.c[part.element.name].desc()
        if part.modifier is operators.desc_op
        else page.c[part.element.name].asc()
        for part in by_order
    ]
    nothing: ColumnElement[Any] = literal_column("NULL")
    counts = select(
        matches.c.member_id, matches.c.category_id, func.count(), nothing, nothing
    ).group_by(matches.c.member_id, matches.c.category_id)
    ids = select(nothing, nothing, nothing, page.c.id, func.row_number().over(order_by=in_page))
    return counts.union_all(ids)


def cards(ids: list[int]) -> Select[tuple[Product]]:
    """The products `ids` with what their cards show, in no order."""
    return select(Product).where(Product.id.in_(ids)).options(*_card_loading())


def with_card_data(statement: Select[tuple[Product]]) -> Select[tuple[Product]]:
    """What a product card shows, loaded in a fixed number of queries."""
    return statement.options(
        contains_eager(Product.member).joinedload(Member.kecamatan),
        contains_eager(Product.member).undefer_group(DELIVERY_SUMMARY),
        joinedload(Product.category),
        selectinload(Product.cover_image),
    )


def public_products(where: list[ColumnElement[bool]], sort: Sort) -> Select[tuple[Product]]:
    return with_card_data(
        select(Product).join(Product.member).where(*where).order_by(*SORT_ORDER[sort])
    )


def counts_by(column, where: list[ColumnElement[bool]]) -> Select[tuple[int, int]]:
    """How many public products match `where`, per value of `column`."""
    return (
        select(column, func.count(Product.id))
        .select_from(Product)
        .join(Product.member)
        .where(*where)
        .group_by(column)
    )


def products_of_member(member_id: int, sort: Sort = Sort.NEWEST) -> Select[tuple[Product]]:
    """The member's public products: their shop page, their poster."""
    return public_products([is_public(), Product.member_id == member_id], sort)


# The product and shop pages' statements below are built once (`cache`),
# with what a request asks as bound parameters named in each docstring and
# given when executing: `db.session.scalars(public_product(), {"product_id":
# 12})`. What it buys: building a statement like these and its SQLAlchemy
# cache key takes about 1 ms of Python each, more than PostgreSQL takes to
# answer it; a statement built once keeps its cache key (issue 17).


@cache
def shop_products(*, per_page: int) -> Select[tuple[Product]]:
    """A page (`offset`, `per_page` long) of the active products of the
    public member `member_id`, whose page has loaded it already
    (`public_product`, `public_member`), newest first, as cards. No join to
    the member: each card's member is that one, from the session; and the
    cover photo joined, not a query of its own. What it buys: a statement
    less per page, and no delivery summary computed for every row of the
    shop before the LIMIT."""
    return (
        select(Product)
        .where(
            Product.member_id == bindparam("member_id"),
            Product.status == ProductStatus.ACTIVE,
        )
        .order_by(*SORT_ORDER[Sort.NEWEST])
        .options(joinedload(Product.category), joinedload(Product.cover_image))
        .limit(per_page)
        .offset(bindparam("offset", type_=Integer))
    )


@cache
def other_products_of_member(*, limit: int) -> Select[tuple[Product]]:
    """The newest public products but `exclude_id` of the member
    `member_id`: "more from this shop", on the page of a product of theirs
    (see `shop_products`)."""
    return (
        select(Product)
        .where(
            Product.member_id == bindparam("member_id"),
            Product.status == ProductStatus.ACTIVE,
            Product.id != bindparam("exclude_id"),
        )
        .order_by(*SORT_ORDER[Sort.NEWEST])
        .options(joinedload(Product.category), joinedload(Product.cover_image))
        .limit(limit)
    )


def category_by_slug(slug: str) -> Select[tuple[Category]]:
    return select(Category).where(Category.slug == slug)


@cache
def members_in_kecamatan() -> Select[tuple[Member]]:
    """The approved members of the kecamatan `kecamatan_id` (bound when
    executing), by shop name: its page's list of shops. Built once: 0.53
    -> 0.35 ms of CPU per request at 1,000 products."""
    return (
        select(Member)
        .where(
            Member.kecamatan_id == bindparam("kecamatan_id"),
            Member.status == MemberStatus.APPROVED,
        )
        .order_by(Member.shop_name)
    )


@cache
def public_product() -> Select[tuple[Product]]:
    """The public product `product_id` with all it shows on its page."""
    return (
        select(Product)
        .join(Product.member)
        .where(Product.id == bindparam("product_id"), is_public())
        .options(
            contains_eager(Product.member).joinedload(Member.kecamatan),
            contains_eager(Product.member).undefer_group(DELIVERY_SUMMARY),
            joinedload(Product.category),
            selectinload(Product.variants),
            selectinload(Product.images),
        )
    )


@cache
def visible_reviews(*, limit: int) -> Select[tuple[Review]]:
    """The latest visible reviews of the product `product_id`, newest first
    (one query: the buyer's name and the reply are on the row; one more for
    the photos of all of them)."""
    return (
        select(Review)
        .where(Review.product_id == bindparam("product_id"), Review.hidden_at.is_(None))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
        .options(selectinload(Review.photos))
    )


def shown_review(review_id: int) -> Select[tuple[Review]]:
    """A review as the public sees it: visible, on a public product (what
    its product page would show), with its product."""
    return (
        select(Review)
        .join(Review.product)
        .join(Product.member)
        .where(Review.id == review_id, Review.hidden_at.is_(None), is_public())
        .options(contains_eager(Review.product))
    )


def shown_review_photo(key: str) -> Select[tuple[int]]:
    """The photo stored under `key` when the public may see it: its review
    is shown (`shown_review`)."""
    return (
        select(ReviewPhoto.id)
        .join(ReviewPhoto.review)
        .join(Review.product)
        .join(Product.member)
        .where(ReviewPhoto.key == key, Review.hidden_at.is_(None), is_public())
    )


@cache
def shop_summary() -> Select[tuple[int, int, int]]:
    """(products, visible reviews, their stars) over the active products of
    the public member `member_id`: its shop page's count and rating, in one
    statement."""
    return select(
        func.count(Product.id),
        func.coalesce(func.sum(Product.rating_count), 0),
        func.coalesce(func.sum(Product.rating_sum), 0),
    ).where(Product.member_id == bindparam("member_id"), Product.status == ProductStatus.ACTIVE)


def reviews_of_member(member_id: int) -> Select[tuple[Review]]:
    """Reviews of the member's products, newest first, hidden ones too (the
    member sees that an admin hid one, and why), with their product."""
    return (
        select(Review)
        .where(Review.member_id == member_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .options(joinedload(Review.product), selectinload(Review.photos))
    )


def public_product_slug(product_id: int) -> Select[tuple[str]]:
    """The slug of a public product, to send an old address to its own."""
    return select(Product.slug).join(Product.member).where(Product.id == product_id, is_public())


@cache
def public_member() -> Select[tuple[Member]]:
    """The approved member `slug` with the delivery choices its shop page
    shows, and the summary its product cards show (`shop_products`)."""
    return (
        select(Member)
        .where(Member.slug == bindparam("slug"), is_public_shop())
        .options(joinedload(Member.delivery_rates), undefer_group(DELIVERY_SUMMARY))
    )


def variants_of(product_id: int) -> Select[tuple[ProductVariant]]:
    return (
        select(ProductVariant)
        .where(ProductVariant.product_id == product_id)
        .order_by(ProductVariant.position, ProductVariant.id)
    )


# --- a member's own listings (/kelola) ------------------------------------------


def member_listing(member_id: int, status: ProductStatus | None) -> Select[tuple[Product]]:
    """The member's products, last changed first, with what a row shows."""
    statement = select(Product).where(Product.member_id == member_id)
    if status is not None:
        statement = statement.where(Product.status == status)
    return statement.order_by(Product.updated_at.desc(), Product.id.desc()).options(
        joinedload(Product.category), selectinload(Product.cover_image)
    )


def member_summary(member_id: int) -> Select[tuple[ProductStatus, int, int]]:
    """Per status: how many products, and how many of them are out of stock."""
    return (
        select(
            Product.status,
            func.count(Product.id),
            func.sum(case((Product.total_stock <= 0, 1), else_=0)),
        )
        .where(Product.member_id == member_id)
        .group_by(Product.status)
    )


def member_product(member_id: int, product_id: int) -> Select[tuple[Product]]:
    """One of the member's products with its variants and photos."""
    return (
        select(Product)
        .where(Product.id == product_id, Product.member_id == member_id)
        .options(
            joinedload(Product.category),
            selectinload(Product.variants),
            selectinload(Product.images),
        )
    )


def member_photo(member_id: int, product_id: int, photo_id: int) -> Select[tuple[ProductImage]]:
    return (
        select(ProductImage)
        .join(ProductImage.product)
        .where(
            ProductImage.id == photo_id,
            ProductImage.product_id == product_id,
            Product.member_id == member_id,
        )
    )


def member_variants(member_id: int) -> Select[tuple[ProductVariant]]:
    """Every variant of the member's products that are not archived, for the
    quick stock and price update, grouped by product."""
    return (
        select(ProductVariant)
        .join(ProductVariant.product)
        .where(Product.member_id == member_id, Product.status != ProductStatus.ARCHIVED)
        .order_by(func.lower(Product.name), Product.id, ProductVariant.position, ProductVariant.id)
        .options(contains_eager(ProductVariant.product))
    )


def member_product_names(member_id: int) -> Select[tuple[str]]:
    """The names of all the member's products (to refuse adding one twice)."""
    return select(Product.name).where(Product.member_id == member_id)
