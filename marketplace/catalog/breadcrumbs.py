"""The breadcrumb trail of the public pages, in one place: the page shows it
(`_macros/breadcrumb.html`) and search engines read the same trail as a
schema.org BreadcrumbList (`structured_data.breadcrumb_list`), so the two
never disagree."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from marketplace.catalog.browse import CatalogPage
from marketplace.catalog.models import Product
from marketplace.core.urls import public_url
from marketplace.members.models import Kecamatan, Member


@dataclass(frozen=True)
class Crumb:
    """A step of the trail: its label and the page it names."""

    name: str
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The link inside the page."""
        return url_for(self.endpoint, **self.values)

    @property
    def url(self) -> str:
        """The absolute address, from PUBLIC_URL."""
        return public_url(self.endpoint, **self.values)


HOME = Crumb("Beranda", "catalog.home")
PRODUCTS = Crumb("Produk", "catalog.products")
KECAMATAN = Crumb("Kecamatan", "catalog.home", {"_anchor": "kecamatan"})


def kecamatan_crumbs(place: Kecamatan) -> list[Crumb]:
    return [HOME, KECAMATAN, Crumb(place.name, "catalog.kecamatan", {"slug": place.slug})]


def shop_crumbs(member: Member) -> list[Crumb]:
    """A shop sits in its kecamatan, as the kecamatan page lists it."""
    return [
        *kecamatan_crumbs(member.kecamatan),
        Crumb(member.shop_name, "catalog.shop", {"slug": member.slug}),
    ]


def product_crumbs(product: Product) -> list[Crumb]:
    return [
        HOME,
        PRODUCTS,
        Crumb(product.category.name, "catalog.products", {"kategori": product.category.slug}),
        Crumb(product.name, "catalog.product", {"product_id": product.id, "slug": product.slug}),
    ]


def catalog_crumbs(catalog_page: CatalogPage) -> list[Crumb]:
    """`/produk` narrowed to a category and/or a kecamatan: the category,
    then the kecamatan inside it. A list narrowed by neither (all products, a
    search, a price range) has no trail: it is the top of the catalog."""
    category, place = catalog_page.selected_category, catalog_page.selected_kecamatan
    trail = [HOME, PRODUCTS]
    values: dict[str, str] = {}
    if category is not None:
        values["kategori"] = category.slug
        trail.append(Crumb(category.name, "catalog.products", dict(values)))
    if place is not None:
        values["kecamatan"] = place.slug
        trail.append(Crumb(f"Kec. {place.name}", "catalog.products", dict(values)))
    return trail if len(trail) > 2 else []
