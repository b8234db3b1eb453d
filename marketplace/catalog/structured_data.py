"""schema.org JSON-LD for the public pages, so a search engine reads a
product's price, stock and seller, a shop's place and hours, and the
association behind the market, as the page shows them.

Each function returns plain dicts; the page writes them with
`_macros/structured_data.html`, whose `tojson` escapes `<`, `>`, `&` and
`'` as `\\u003c`..., so a product named `</script>` stays inside the JSON.
Every address is absolute, from PUBLIC_URL. Prices are whole rupiah (`int`)
in IDR, never a formatted `Rp15.000`. The pages are cached whole for every
anonymous visitor: nothing here depends on who asks."""

from collections.abc import Callable, Sequence
from typing import Any

from marketplace.catalog import breadcrumbs
from marketplace.catalog.breadcrumbs import Crumb
from marketplace.catalog.browse import ProductPage
from marketplace.catalog.models import Product, ProductVariant
from marketplace.core.urls import public_url
from marketplace.core.whatsapp import InvalidWhatsapp, normalise_whatsapp
from marketplace.members.models import Member
from marketplace.members.opening_hours import read_opening_hours

JsonLd = dict[str, Any]

CONTEXT = "https://schema.org"
IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"
NEW_CONDITION = "https://schema.org/NewCondition"
CURRENCY = "IDR"
REGION = "Jawa Tengah"
COUNTRY = "ID"
ASSOCIATION = "Asosiasi Pengusaha Kecil dan Menengah (Aspikmas) Kabupaten Banyumas"
SITE_NAME = "Pasar Aspikmas"
SEARCH_TERM = "search_term_string"


def _availability(in_stock: bool) -> str:
    return IN_STOCK if in_stock else OUT_OF_STOCK


def _address(locality: str, street: str | None = None) -> JsonLd:
    address: JsonLd = {"@type": "PostalAddress"}
    if street:
        address["streetAddress"] = street
    return address | {
        "addressLocality": locality,
        "addressRegion": REGION,
        "addressCountry": COUNTRY,
    }


def association_id() -> str:
    return public_url("catalog.home", _anchor="organisasi")


def association() -> JsonLd:
    """Aspikmas, the association that runs the market. It has no logo file
    of its own yet, so none is named."""
    return {
        "@type": "Organization",
        "@id": association_id(),
        "name": ASSOCIATION,
        "alternateName": ["Aspikmas", SITE_NAME],
        "url": public_url("catalog.home"),
        "address": _address("Kabupaten Banyumas"),
        "areaServed": "Kabupaten Banyumas",
    }


def website() -> JsonLd:
    """The market as a web site, with its search box (`/produk?q=`)."""
    search = public_url("catalog.products") + f"?q={{{SEARCH_TERM}}}"
    return {
        "@type": "WebSite",
        "@id": public_url("catalog.home", _anchor="situs"),
        "name": SITE_NAME,
        "url": public_url("catalog.home"),
        "inLanguage": "id-ID",
        "publisher": {"@id": association_id()},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": search},
            "query-input": f"required name={SEARCH_TERM}",
        },
    }


def home_page() -> JsonLd:
    return {"@context": CONTEXT, "@graph": [association(), website()]}


def _shop_url(member: Member) -> str:
    return public_url("catalog.shop", slug=member.slug)


def _shop_id(member: Member) -> str:
    return public_url("catalog.shop", slug=member.slug, _anchor="toko")


def _seller(member: Member) -> JsonLd:
    return {
        "@type": "LocalBusiness",
        "@id": _shop_id(member),
        "name": member.shop_name,
        "url": _shop_url(member),
    }


def _media(key: str | None) -> str | None:
    return public_url("catalog.media", key=key) if key else None


def shop(member: Member) -> JsonLd:
    """The member's shop as a LocalBusiness: what its page shows, no more.
    The street address stays private (the page names the desa); the
    telephone is the WhatsApp number the page's chat button already links
    to; opening hours only when the member's text reads as hours."""
    data: JsonLd = {
        "@context": CONTEXT,
        **_seller(member),
        "address": _address(member.kecamatan.name, street=f"Desa {member.desa}"),
        "memberOf": {"@id": association_id(), "@type": "Organization", "name": ASSOCIATION},
    }
    if member.description:
        data["description"] = member.description
    pictures = [url for url in (_media(member.logo_key), _media(member.banner_key)) if url]
    if pictures:
        data["image"] = pictures
    if logo := _media(member.logo_key):
        data["logo"] = logo
    try:
        data["telephone"] = "+" + normalise_whatsapp(member.whatsapp or "")
    except InvalidWhatsapp:
        pass  # the page shows no chat button either
    hours = read_opening_hours(member.opening_hours or "")
    if hours:
        data["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"{CONTEXT}/{day}" for day in part.day_names],
                "opens": part.opens,
                "closes": part.closes,
            }
            for part in hours
        ]
    return data


def _offer(product: Product, url: str, variants: Sequence[ProductVariant]) -> JsonLd:
    """One price: an Offer; variants at several prices: an AggregateOffer
    from the lowest to the highest, with an Offer for each variant."""
    common = {
        "priceCurrency": CURRENCY,
        "availability": _availability(any(v.stock > 0 for v in variants)),
        "itemCondition": NEW_CONDITION,
        "url": url,
        "seller": _seller(product.member),
    }
    prices = [int(variant.price) for variant in variants]
    if len(set(prices)) == 1:
        return {"@type": "Offer", "price": prices[0], **common}
    return {
        "@type": "AggregateOffer",
        "lowPrice": min(prices),
        "highPrice": max(prices),
        "offerCount": len(variants),
        **common,
        "offers": [
            {
                "@type": "Offer",
                "name": variant.name,
                "sku": f"{product.id}-{variant.id}",
                "price": int(variant.price),
                "priceCurrency": CURRENCY,
                "availability": _availability(variant.stock > 0),
                "itemCondition": NEW_CONDITION,
                "url": url,
            }
            for variant in variants
        ],
    }


def _product_url(item: Product) -> str:
    return public_url("catalog.product", product_id=item.id, slug=item.slug)


def product(item: Product) -> JsonLd:
    """A public product, its photos and its offer, sold by its member's shop."""
    member = item.member
    url = _product_url(item)
    data: JsonLd = {
        "@context": CONTEXT,
        "@type": "Product",
        "@id": f"{url}#produk",
        "name": item.name,
        "description": item.description
        or f"{item.name} dari {member.shop_name}, {member.kecamatan.name}, Banyumas.",
        "sku": str(item.id),
        "productID": str(item.id),
        "url": url,
        "category": item.category.name,
        "brand": {"@type": "Brand", "name": member.shop_name},
    }
    images = [public_url("catalog.media", key=image.large_key) for image in item.images]
    if images:
        data["image"] = images
    if item.weight_grams:
        data["weight"] = {
            "@type": "QuantitativeValue",
            "value": item.weight_grams,
            "unitCode": "GRM",
        }
    if item.variants:
        data["offers"] = _offer(item, url, item.variants)
    if item.rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": item.rating_average,
            "reviewCount": item.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data


def breadcrumb_list(trail: Sequence[Crumb]) -> JsonLd:
    """The trail the page shows, step by step, with absolute addresses."""
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": crumb.name, "item": crumb.url}
            for number, crumb in enumerate(trail, start=1)
        ],
    }


def product_list(listing: ProductPage) -> JsonLd:
    """The products of a list page in the order shown, numbered across the
    pages (the second page of 24 starts at 25): a search engine's summary
    of the list, each entry pointing to the product's own page."""
    first = (listing.page - 1) * listing.per_page + 1
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "numberOfItems": len(listing.products),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "url": _product_url(item),
                "name": item.name,
            }
            for position, item in enumerate(listing.products, start=first)
        ],
    }


# What the page templates call: the trails and the JSON-LD builders.
TEMPLATE_GLOBALS: dict[str, Callable[..., Any]] = {
    "kecamatan_crumbs": breadcrumbs.kecamatan_crumbs,
    "shop_crumbs": breadcrumbs.shop_crumbs,
    "product_crumbs": breadcrumbs.product_crumbs,
    "catalog_crumbs": breadcrumbs.catalog_crumbs,
    "breadcrumb_ld": breadcrumb_list,
    "home_ld": home_page,
    "shop_ld": shop,
    "product_ld": product,
    "product_list_ld": product_list,
}
