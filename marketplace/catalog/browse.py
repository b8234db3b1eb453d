"""One page of the catalog with its facet counts: what `/produk`, the
kecamatan pages and the API show. A fixed number of queries per page, one
of them for the certificate badges of the page's products (and, on a shop's
page, of the shop). A page past the last raises core.pages.PageOutOfRange
(404)."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from marketplace.catalog import queries, suggest
from marketplace.catalog.certificates.queries import badges_for
from marketplace.catalog.certificates.rules import Badge
from marketplace.catalog.filters import CatalogFilter
from marketplace.catalog.models import (
    CERTIFICATE_LABELS,
    PRODUCT_KINDS,
    Category,
    CertificateKind,
    Product,
)
from marketplace.core.pages import last_page
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
    shop_badges: list[Badge] = field(default_factory=list)  # the shop's own (shop page)

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

    # Set when the query as typed (this) found nothing and these are the
    # products of its correction, whose filter is `filter` ("Maksud Anda …?").
    corrected_from: str | None = None

    @property
    def suggestion(self) -> str | None:
        """The corrected query these products are for, if it was corrected."""
        return self.filter.query if self.corrected_from else None

    @property
    def certificate_choices(self) -> dict[CertificateKind, str]:
        """The values of the `sertifikat` filter, with their labels: the kinds
        a product can hold (Laik Higiene is only ever the shop's)."""
        return {kind: CERTIFICATE_LABELS[kind] for kind in PRODUCT_KINDS}


def browse(catalog_filter: CatalogFilter, *, per_page: int) -> CatalogPage:
    """The page of `catalog_filter`; a search that finds nothing shows what
    its correction finds, if anything (`suggest`), with the corrected
    filter, so its pages and chips follow the correction."""
    found = _browse(catalog_filter, per_page=per_page)
    if found.total or not catalog_filter.query:
        return found
    suggestion = suggest.correction(catalog_filter.query)
    if suggestion is None:
        return found
    corrected = _browse(replace(catalog_filter, query=suggestion), per_page=per_page)
    if not corrected.total:
        return found
    corrected.corrected_from = catalog_filter.query
    corrected.messages = found.messages
    return corrected


def _browse(catalog_filter: CatalogFilter, *, per_page: int) -> CatalogPage:
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

    # Matching products per (member, their kecamatan, category), approved
    # members only, and the kecamatan of the members whose products to list.
    counted: Sequence[tuple[int, int, int, int]]
    products: list[Product] = []
    if _counts_are_kept(catalog_filter):  # never with a search
        # The kept counts come with each member's place: no statement for the
        # members (one with no active product lists nothing anyway).
        counted = db.session.execute(queries.kept_listing_counts()).tuples().all()
        kecamatan_of = {member_id: place_id for member_id, place_id, _, _ in counted}
    else:
        kecamatan_of = dict(db.session.execute(queries.approved_members()).tuples().all())
        every_place = queries.listing(
            catalog_filter, member_ids=list(kecamatan_of), category_id=None
        )
        by_member: Iterable[tuple[int, int, int]]
        if catalog_filter.search is not None:  # the counts and the page at once
            by_member, products = _search(
                every_place,
                catalog_filter,
                page_members=None
                if kecamatan_id is None
                else [id_ for id_, place_id in kecamatan_of.items() if place_id == kecamatan_id],
                category_id=category_id,
                per_page=per_page,
            )
        else:
            by_member = db.session.execute(
                queries.listing_counts(every_place), every_place.values
            ).tuples()
        counted = [
            (member_id, kecamatan_of[member_id], product_category_id, count)
            for member_id, product_category_id, count in by_member
        ]
    category_counts: Counter[int] = Counter()
    kecamatan_counts: Counter[int] = Counter()
    total = 0
    for _, place_id, product_category_id, count in counted:
        in_place = kecamatan_id in (None, place_id)
        in_category = category_id in (None, product_category_id)
        if in_place:
            category_counts[product_category_id] += count
        if in_category:
            kecamatan_counts[place_id] += count
        if in_place and in_category:
            total += count
    page, pages = catalog_filter.page, last_page(catalog_filter.page, total, per_page)
    if total and catalog_filter.search is None:
        member_ids = [
            id_ for id_, place_id in kecamatan_of.items() if kecamatan_id in (None, place_id)
        ]
        found = queries.listing(catalog_filter, member_ids=member_ids, category_id=category_id)
        offset, limit = (page - 1) * per_page, per_page
        # A page past the middle is read from the end, in the reverse order,
        # then turned round: the database skips at most half of the matching
        # index entries (a page 80 % down skips 20 % of them, not 80 %).
        backwards = offset > total // 2
        if backwards:
            limit = min(per_page, total - offset)
            offset = total - offset - limit
        products = list(
            db.session.scalars(
                queries.listing_page(found, catalog_filter.order, backwards=backwards),
                found.values | {"limit": limit, "offset": offset},
            ).unique()
        )
        if backwards:
            products.reverse()
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
        badges=badges_for(products).products,
    )


def _search(
    found: queries.Listing,
    catalog_filter: CatalogFilter,
    *,
    page_members: list[int] | None,
    category_id: int | None,
    per_page: int,
) -> tuple[list[tuple[int, int, int]], list[Product]]:
    """A search's counts per (member, category) over what `found` holds, and
    its page's products among `page_members` (None: all) in `category_id`,
    from one reading of the matches (`queries.searched`), then the cards."""
    queries.prefer_the_search_index()
    rows = db.session.execute(
        queries.searched(
            found,
            catalog_filter.order,
            page_members=page_members,
            category_id=category_id,
            limit=per_page,
            offset=(catalog_filter.page - 1) * per_page,
        ),
        found.values,
    )
    counted: list[tuple[int, int, int]] = []
    place_of: dict[int, int] = {}
    for member_id, product_category_id, count, product_id, place in rows:
        if product_id is None:
            counted.append((member_id, product_category_id, count))
        else:
            place_of[product_id] = place
    products = list(db.session.scalars(queries.cards(list(place_of))).unique()) if place_of else []
    products.sort(key=lambda product: place_of[product.id])
    return counted, products


def _counts_are_kept(catalog_filter: CatalogFilter) -> bool:
    """Whether the facet counts are the kept ones (`queries.kept_listing_counts`):
    when nothing but a kecamatan and a category narrows the list (these the
    counting adds up itself), so not with a search, a price, stock,
    certificate, delivery or rating filter."""
    return catalog_filter.without("kecamatan", "category", "sort", "page") == CatalogFilter()


def member_products(member_id: int, *, total: int, page: int, per_page: int) -> ProductPage:
    """A page of the `total` active products of a public member the caller
    has loaded (`queries.shop_summary` counts them), newest first, with the
    shop's badges: two queries, one for the cards (cover photo joined) and
    one for the badges (the products' and the shop's), whatever the page size."""
    pages = last_page(page, total, per_page)
    products: list[Product] = []
    if total:
        products = list(
            db.session.scalars(
                queries.shop_products(per_page=per_page),
                {"member_id": member_id, "offset": (page - 1) * per_page},
            )
        )
    badges = badges_for(products, shops=[member_id])
    return ProductPage(
        products=products,
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        messages=[],
        badges=badges.products,
        shop_badges=badges.shops.get(member_id, []),
    )
