"""Reads of the catalog. Functions named for what they return; those that
return a `Select` leave execution and paging to the caller. The public
pages' reads come first, then a member's own listings (the /kelola pages),
each scoped to one member: what is not theirs is simply not found."""

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    UnaryExpression,
    case,
    column,
    func,
    select,
    text,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from marketplace.catalog.certificates.queries import has_certificate
from marketplace.catalog.certificates.rules import today
from marketplace.catalog.filters import CatalogFilter, Sort
from marketplace.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
)
from marketplace.extensions import db
from marketplace.members.models import DELIVERY_SUMMARY, Member, MemberStatus
from marketplace.members.queries import members_delivering_to

# The PostgreSQL search expression; the GIN index of the migration is built
# on exactly this expression, so the planner can use it.
PG_SEARCH_DOCUMENT = (
    "to_tsvector('simple', coalesce(products.name, '') || ' ' || "
    "coalesce(products.description, ''))"
)


def categories() -> Select[tuple[Category]]:
    return select(Category).order_by(Category.position, Category.name)


def is_public() -> ColumnElement[bool]:
    """Only active products of approved members are public."""
    return (Product.status == ProductStatus.ACTIVE) & (Member.status == MemberStatus.APPROVED)


def search_condition(terms: list[str]) -> ColumnElement[bool]:
    """Products whose name or description has every term (as a word prefix),
    through the database's own full-text index."""
    if db.session.get_bind().dialect.name == "postgresql":
        matches = text(f"{PG_SEARCH_DOCUMENT} @@ to_tsquery('simple', :search_query)")
        # A text clause serves in WHERE as any boolean expression does.
        return cast(
            ColumnElement[bool],
            matches.bindparams(search_query=" & ".join(f"{term}:*" for term in terms)),
        )
    return Product.id.in_(
        text("SELECT rowid FROM products_fts WHERE products_fts MATCH :search_query")
        .bindparams(search_query=" ".join(f'"{term}"*' for term in terms))
        .columns(column("rowid", Integer))
    )


SORT_ORDER: dict[Sort, tuple[UnaryExpression[Any], ...]] = {
    Sort.NEWEST: (Product.created_at.desc(), Product.id.desc()),
    Sort.CHEAPEST: (Product.min_price.asc(), Product.id.desc()),
    Sort.DEAREST: (Product.max_price.desc(), Product.id.desc()),
    Sort.POPULAR: (Product.sold_count.desc(), Product.id.desc()),
}


def approved_members() -> Select[tuple[int, int]]:
    """Every approved member as (id, kecamatan id): few rows, read once per
    listing so the product queries need no join."""
    return select(Member.id, Member.kecamatan_id).where(Member.status == MemberStatus.APPROVED)


def listing_conditions(
    catalog_filter: CatalogFilter, *, member_ids: list[int], category_id: int | None
) -> list[ColumnElement[bool]]:
    """Active products of `member_ids` (the approved members, of the chosen
    kecamatan if any) matching the filter, on the products table alone."""
    found = [Product.status == ProductStatus.ACTIVE, Product.member_id.in_(member_ids)]
    if category_id is not None:
        found.append(Product.category_id == category_id)
    if catalog_filter.price_min is not None:
        found.append(Product.max_price >= catalog_filter.price_min)
    if catalog_filter.price_max is not None:
        found.append(Product.min_price <= catalog_filter.price_max)
    if catalog_filter.in_stock:
        found.append(Product.total_stock > 0)
    if catalog_filter.certificate is not None:
        found.append(has_certificate(catalog_filter.certificate, today()))
    if catalog_filter.delivers_to is not None:
        found.append(Product.member_id.in_(members_delivering_to(catalog_filter.delivers_to)))
    if catalog_filter.search_terms:
        found.append(search_condition(catalog_filter.search_terms))
    return found


def listing_counts(where: list[ColumnElement[bool]]) -> Select[tuple[int, int, int]]:
    """Matching products per (member, category), from which browse() adds up
    the counts of every facet at once (an index-only scan)."""
    return (
        select(Product.member_id, Product.category_id, func.count())
        .where(*where)
        .group_by(Product.member_id, Product.category_id)
    )


def listing_page(
    where: list[ColumnElement[bool]], sort: Sort, *, limit: int, offset: int
) -> Select[tuple[Product]]:
    """One page of matching products with what their cards show. The page's
    ids are found first on the indexes alone, so a deep page skips index
    entries rather than whole rows."""
    order = SORT_ORDER[sort]
    page_ids = (
        select(Product.id).where(*where).order_by(*order).limit(limit).offset(offset).subquery()
    )
    return (
        select(Product)
        .join(page_ids, Product.id == page_ids.c.id)
        .order_by(*order)
        .options(
            joinedload(Product.member).joinedload(Member.kecamatan),
            joinedload(Product.member).undefer_group(DELIVERY_SUMMARY),
            joinedload(Product.category),
            selectinload(Product.cover_image),
        )
    )


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


def products_of_member(member_id: int) -> Select[tuple[Product]]:
    return public_products([is_public(), Product.member_id == member_id], Sort.NEWEST)


def count_of_member(member_id: int) -> Select[tuple[int]]:
    """How many public products the member has."""
    return (
        select(func.count(Product.id))
        .select_from(Product)
        .join(Product.member)
        .where(is_public(), Product.member_id == member_id)
    )


def other_products_of_member(
    member_id: int, *, exclude_id: int, limit: int
) -> Select[tuple[Product]]:
    """The member's newest public products but one: "more from this shop"."""
    return public_products(
        [is_public(), Product.member_id == member_id, Product.id != exclude_id], Sort.NEWEST
    ).limit(limit)


def category_by_slug(slug: str) -> Select[tuple[Category]]:
    return select(Category).where(Category.slug == slug)


def members_in_kecamatan(kecamatan_id: int) -> Select[tuple[Member]]:
    return (
        select(Member)
        .where(Member.kecamatan_id == kecamatan_id, Member.status == MemberStatus.APPROVED)
        .order_by(Member.shop_name)
    )


def public_product(product_id: int) -> Select[tuple[Product]]:
    """One public product with all it shows on its page."""
    return (
        select(Product)
        .join(Product.member)
        .where(Product.id == product_id, is_public())
        .options(
            contains_eager(Product.member).joinedload(Member.kecamatan),
            contains_eager(Product.member).undefer_group(DELIVERY_SUMMARY),
            joinedload(Product.category),
            selectinload(Product.variants),
            selectinload(Product.images),
        )
    )


def public_member(slug: str) -> Select[tuple[Member]]:
    """An approved member with the delivery choices its shop page shows."""
    return (
        select(Member)
        .where(Member.slug == slug, Member.status == MemberStatus.APPROVED)
        .options(joinedload(Member.delivery_rates))
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
    """The names of all the member's products (to refuse importing one twice)."""
    return select(Product.name).where(Product.member_id == member_id)
