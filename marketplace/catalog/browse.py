"""One page of the catalog with its facet counts: what `/produk`, the
kecamatan pages and the API show. A fixed number of queries per page, one
of them for the certificate badges of the page's products."""

from collections import Counter
from dataclasses import dataclass, field

from marketplace.catalog import queries
from marketplace.catalog.certificates.queries import badges_for
from marketplace.catalog.certificates.rules import Badge
from marketplace.catalog.filters import CatalogFilter
from marketplace.catalog.models import CERTIFICATE_LABELS, Category, CertificateKind, Product
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan


@dataclass(kw_only=True)
class ProductPage:
    """One page of products with its place among the pages: a member's
    public products on the shop page, and the base of CatalogPage."""

    products: list[Product]
    total: int
    page: int
    pages: int
    per_page: int
    messages: list[str]
    badges: dict[int, list[Badge]] = field(default_factory=dict)  # by product id

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(kw_only=True)
class CatalogPage(ProductPage):
    """A page of the catalog with its filter, facets and their counts."""

    filter: CatalogFilter
    categories: list[Category]
    kecamatan: list[Kecamatan]
    category_counts: dict[int, int]
    kecamatan_counts: dict[int, int]
    selected_category: Category | None
    selected_kecamatan: Kecamatan | None
    delivers_to: Kecamatan | None = None  # only members who deliver there

    @property
    def certificate_choices(self) -> dict[CertificateKind, str]:
        """The values of the `sertifikat` filter, with their labels."""
        return CERTIFICATE_LABELS


def _last_page(page: int, total: int, per_page: int, messages: list[str]) -> tuple[int, int]:
    """The page to show of `total` items and how many pages there are; a page
    past the end shows the last one, with a message."""
    pages = max(1, -(-total // per_page))
    if page > pages:
        messages.append(f"Halaman {page} tidak ada; menampilkan halaman terakhir ({pages}).")
        page = pages
    return page, pages


def browse(catalog_filter: CatalogFilter, *, per_page: int) -> CatalogPage:
    messages = list(catalog_filter.messages)
    categories = list(db.session.scalars(queries.categories()))
    kecamatan = list(db.session.scalars(member_queries.kecamatan_list()))

    category = next((c for c in categories if c.slug == catalog_filter.category), None)
    if catalog_filter.category and category is None:
        messages.append("Kategori tidak ditemukan; menampilkan semua kategori.")
        catalog_filter = catalog_filter.without("category")
    place = next((k for k in kecamatan if k.slug == catalog_filter.kecamatan), None)
    if catalog_filter.kecamatan and place is None:
        messages.append("Kecamatan tidak ditemukan; menampilkan semua kecamatan.")
        catalog_filter = catalog_filter.without("kecamatan")
    delivers_to = next((k for k in kecamatan if k.slug == catalog_filter.delivers_to), None)
    if catalog_filter.delivers_to and delivers_to is None:
        messages.append("Kecamatan tujuan antar tidak ditemukan; filter antar diabaikan.")
        catalog_filter = catalog_filter.without("delivers_to")
    category_id = category.id if category else None
    kecamatan_id = place.id if place else None

    kecamatan_of = dict(db.session.execute(queries.approved_members()).tuples().all())
    counted = db.session.execute(
        queries.listing_counts(
            queries.listing_conditions(
                catalog_filter, member_ids=list(kecamatan_of), category_id=None
            )
        )
    ).tuples()
    category_counts: Counter[int] = Counter()
    kecamatan_counts: Counter[int] = Counter()
    total = 0
    for member_id, product_category_id, count in counted:
        place_id = kecamatan_of[member_id]
        in_place = kecamatan_id in (None, place_id)
        in_category = category_id in (None, product_category_id)
        if in_place:
            category_counts[product_category_id] += count
        if in_category:
            kecamatan_counts[place_id] += count
        if in_place and in_category:
            total += count
    page, pages = _last_page(catalog_filter.page, total, per_page, messages)
    products: list[Product] = []
    if total:
        member_ids = [
            id_ for id_, place_id in kecamatan_of.items() if kecamatan_id in (None, place_id)
        ]
        where = queries.listing_conditions(
            catalog_filter, member_ids=member_ids, category_id=category_id
        )
        statement = queries.listing_page(
            where, catalog_filter.sort, limit=per_page, offset=(page - 1) * per_page
        )
        products = list(db.session.scalars(statement).unique())
    return CatalogPage(
        filter=catalog_filter,
        products=products,
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        categories=categories,
        kecamatan=kecamatan,
        category_counts=dict(category_counts),
        kecamatan_counts=dict(kecamatan_counts),
        selected_category=category,
        selected_kecamatan=place,
        delivers_to=delivers_to,
        messages=messages,
        badges=badges_for(products),
    )


def member_products(member_id: int, *, page: int, per_page: int) -> ProductPage:
    """A page of the member's public products, newest first: two queries,
    one for the cover images and one for the badges, whatever the page size."""
    messages: list[str] = []
    total = db.session.scalar(queries.count_of_member(member_id)) or 0
    page, pages = _last_page(page, total, per_page, messages)
    products: list[Product] = []
    if total:
        statement = queries.products_of_member(member_id)
        products = list(
            db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).unique()
        )
    return ProductPage(
        products=products,
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        messages=messages,
        badges=badges_for(products),
    )
