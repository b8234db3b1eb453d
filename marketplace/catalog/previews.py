"""The page meta of every public page (core.page_meta.PageMeta): title,
description from the page's real data, canonical address from PUBLIC_URL,
and the preview card (`preview_images.Card`) whose picture
`views.previews` serves.

Canonical addresses: a list's filters in the order `CatalogFilter.to_args`
writes them, defaults left out; whatever the page ignores (utm_*, fbclid,
gclid, a parameter in another order) never reaches it, so one list has one
address however it was shared."""

from collections.abc import Sequence

from flask import current_app

from marketplace.catalog.browse import CatalogPage
from marketplace.catalog.contact import price_text
from marketplace.catalog.models import Category, Product
from marketplace.catalog.preview_images import Card
from marketplace.core.money import format_rupiah
from marketplace.core.page_meta import PageMeta, PreviewImage, is_indexable, shorten
from marketplace.core.urls import public_url
from marketplace.members.models import Kecamatan, Member

SITE_TITLE = "Pasar Aspikmas: produk UMKM Banyumas"
SITE_DESCRIPTION = (
    "UMKM anggota Aspikmas Kabupaten Banyumas: makanan khas, batik, kerajinan dan hasil bumi "
    "dari 27 kecamatan, langsung dari pembuatnya."
)
SITE_LINE = "Produk UMKM dari 27 kecamatan Kabupaten Banyumas"


def _footer() -> str:
    """The shop's address as people type it (PUBLIC_URL without the scheme)."""
    return current_app.config["PUBLIC_URL"].split("://", 1)[-1].rstrip("/")


# --- the cards ------------------------------------------------------------------


def product_card(product: Product) -> Card:
    member = product.member
    cover = product.images[0] if product.images else None
    return Card(
        title=product.name,
        price=price_text(product),
        lines=(member.shop_name, f"Kec. {member.kecamatan.name}, Banyumas"),
        photo_key=cover.large_key if cover else None,
        footer=_footer(),
    )


def shop_card(member: Member) -> Card:
    return Card(
        title=member.shop_name,
        lines=(f"UMKM dari Desa {member.desa}", f"Kec. {member.kecamatan.name}, Banyumas"),
        photo_key=member.logo_key,
        banner_key=member.banner_key,
        footer=_footer(),
    )


def site_card(heading: str | None = None) -> Card:
    """The site's card; a list of a kecamatan or category names it."""
    return Card(
        title=heading or "Pasar Aspikmas",
        lines=(SITE_LINE,) if heading else (SITE_LINE, "Langsung dari pembuatnya"),
        footer=_footer(),
    )


def kecamatan_card(place: Kecamatan) -> Card:
    return site_card(f"Kecamatan {place.name}")


def category_card(category: Category) -> Card:
    return site_card(category.name)


def _image(card: Card, alt: str, endpoint: str, **values: object) -> PreviewImage:
    return PreviewImage(url=public_url(endpoint, version=card.version, **values), alt=alt)


def site_image() -> PreviewImage:
    return _image(site_card(), "Pasar Aspikmas, produk UMKM Banyumas", "catalog.previews.site")


# --- the pages ------------------------------------------------------------------


def _meta(**values: object) -> PageMeta:
    return PageMeta(indexable=is_indexable(), **values)  # type: ignore[arg-type]


def home_meta(catalog_page: CatalogPage) -> PageMeta:
    return _meta(
        title=SITE_TITLE,
        description=shorten(f"{catalog_page.total} produk lokal dari {SITE_DESCRIPTION}"),
        url=public_url("catalog.home"),
        image=site_image(),
    )


def page_meta(*, title: str, description: str, endpoint: str, **values: object) -> PageMeta:
    """A public page with the site's card (the transparency page)."""
    return _meta(
        title=title,
        description=shorten(description),
        url=public_url(endpoint, **values),
        image=site_image(),
    )


def product_meta(product: Product) -> PageMeta:
    member = product.member
    price = price_text(product)
    said = (
        f"{product.name}, {price} per {product.unit}, dari {member.shop_name}, "
        f"Kec. {member.kecamatan.name}, Banyumas."
    )
    card = product_card(product)
    return _meta(
        title=product.name,
        description=shorten(f"{said} {product.description}"),
        url=public_url("catalog.product", product_id=product.id, slug=product.slug),
        image=_image(
            card,
            f"{product.name}, {price}, dari {member.shop_name}",
            "catalog.previews.product",
            product_id=product.id,
        ),
        type="product",
        extra=(
            ("product:price:amount", str(product.min_price)),
            ("product:price:currency", "IDR"),
        ),
    )


def _page(page: int) -> dict[str, int]:
    return {"hal": page} if page != 1 else {}


def shop_meta(member: Member, *, product_count: int, page: int) -> PageMeta:
    said = (
        f"{member.shop_name}: UMKM dari Desa {member.desa}, Kecamatan {member.kecamatan.name}, "
        f"Banyumas. {product_count} produk di Pasar Aspikmas."
    )
    return _meta(
        title=member.shop_name,
        description=shorten(f"{said} {member.description}"),
        url=public_url("catalog.shop", slug=member.slug, **_page(page)),
        image=_image(
            shop_card(member),
            f"{member.shop_name}, Kec. {member.kecamatan.name}",
            "catalog.previews.shop",
            slug=member.slug,
        ),
    )


def kecamatan_meta(catalog_page: CatalogPage, *, members: Sequence[Member]) -> PageMeta:
    place = catalog_page.selected_kecamatan
    assert place is not None  # the view answers 404 first
    return _meta(
        title=f"Kecamatan {place.name}",
        description=shorten(
            f"{catalog_page.total} produk dari {len(members)} UMKM di Kecamatan {place.name}, "
            "Kabupaten Banyumas, di Pasar Aspikmas. Belanja langsung dari pembuatnya."
        ),
        url=public_url("catalog.kecamatan", slug=place.slug, **_page(catalog_page.page)),
        image=_image(
            kecamatan_card(place),
            f"Produk UMKM Kecamatan {place.name}",
            "catalog.previews.kecamatan",
            slug=place.slug,
        ),
    )


def list_title(catalog_page: CatalogPage) -> str:
    """What the list is, as its heading says it."""
    chosen = catalog_page.filter
    if chosen.query:
        return f"Cari “{chosen.query}”"
    if catalog_page.selected_category:
        return catalog_page.selected_category.name
    if chosen.certificate:
        return f"Produk bersertifikat {chosen.certificate_label}"
    return "Semua produk"


def filter_summary(catalog_page: CatalogPage) -> str:
    """`Keripik dari Kecamatan Sokaraja, Rp10.000–Rp50.000, tersedia`: the filters in words."""
    chosen = catalog_page.filter
    parts = []
    if catalog_page.selected_category:
        parts.append(catalog_page.selected_category.name)
    if catalog_page.selected_kecamatan:
        parts.append(f"dari Kecamatan {catalog_page.selected_kecamatan.name}")
    if chosen.price_min is not None and chosen.price_max is not None:
        parts.append(f"harga {format_rupiah(chosen.price_min)}–{format_rupiah(chosen.price_max)}")
    elif chosen.price_min is not None:
        parts.append(f"mulai {format_rupiah(chosen.price_min)}")
    elif chosen.price_max is not None:
        parts.append(f"sampai {format_rupiah(chosen.price_max)}")
    if chosen.in_stock:
        parts.append("tersedia")
    if chosen.certificate:
        parts.append(f"bersertifikat {chosen.certificate_label}")
    if catalog_page.delivers_to:
        parts.append(f"diantar ke Kecamatan {catalog_page.delivers_to.name}")
    if chosen.min_rating is not None:
        parts.append(f"rating ★{chosen.min_rating} ke atas")
    if chosen.query:
        parts.append(f"pencarian “{chosen.query}”")
    return ", ".join(parts)


def _canonical_args(catalog_page: CatalogPage) -> dict[str, str | int]:
    """The list's filters as written by `to_args`, with only the category
    and kecamatan that exist (an unknown one is no filter: it is dropped)."""
    category, place = catalog_page.selected_category, catalog_page.selected_kecamatan
    return catalog_page.filter.to_args(
        category=category.slug if category else None,
        kecamatan=place.slug if place else None,
    )


def products_meta(catalog_page: CatalogPage) -> PageMeta:
    summary = filter_summary(catalog_page)
    found = f"{catalog_page.total} produk UMKM Banyumas" + (f": {summary}" if summary else "")
    category, place = catalog_page.selected_category, catalog_page.selected_kecamatan
    if category is not None:
        image = _image(
            category_card(category),
            f"{category.name} dari UMKM Banyumas",
            "catalog.previews.category",
            slug=category.slug,
        )
    elif place is not None:
        image = _image(
            kecamatan_card(place),
            f"Produk UMKM Kecamatan {place.name}",
            "catalog.previews.kecamatan",
            slug=place.slug,
        )
    else:
        image = site_image()
    return _meta(
        title=list_title(catalog_page),
        description=shorten(f"{found}. Belanja langsung dari pembuatnya di Pasar Aspikmas."),
        url=public_url("catalog.products", **_canonical_args(catalog_page)),
        image=image,
    )
