"""Models to the JSON shapes of API v1, as plain dicts. `openapi.py` describes
the same shapes; a test holds the two together. URLs are absolute, from
PUBLIC_URL."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from marketplace.catalog.browse import CatalogPage
from marketplace.catalog.certificates.rules import Badge
from marketplace.catalog.models import Category, Product, ProductImage, ProductVariant
from marketplace.core.clock import as_utc
from marketplace.core.urls import public_url
from marketplace.members.models import Kecamatan

JSON = dict[str, Any]


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC. SQLite hands back naive values; the column holds UTC."""
    return as_utc(moment).astimezone(UTC).isoformat(timespec="seconds")


def media_url(key: str) -> str:
    return public_url("catalog.media", key=key)


def image(product: Product, photo: ProductImage) -> JSON:
    return {
        "thumb_url": media_url(photo.thumb_key),
        "large_url": media_url(photo.large_key),
        "alt": photo.alt or product.name,
    }


def cover(images: Sequence[ProductImage]) -> ProductImage | None:
    """Position 0 is the cover, as `Product.cover_image` has it."""
    return next((photo for photo in images if photo.position == 0), None)


def badge(badge: Badge) -> JSON:
    return {
        "kind": badge.kind.value,
        "name": badge.label,
        "number": badge.number,
        "issuer": badge.issuer,
        "expires_on": badge.expires_on.isoformat() if badge.expires_on else None,
    }


def product(product: Product, images: Sequence[ProductImage], badges: Sequence[Badge] = ()) -> JSON:
    """A product as lists show it; `images` are its images in order, `badges`
    its verified, unexpired certificates (those naming it or covering it)."""
    cover_image = cover(images)
    member = product.member
    return {
        "id": product.id,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "unit": product.unit,
        "weight_grams": product.weight_grams,
        "min_price": product.min_price,
        "max_price": product.max_price,
        "in_stock": product.in_stock,
        "total_stock": product.total_stock,
        "category": {
            "id": product.category.id,
            "name": product.category.name,
            "slug": product.category.slug,
        },
        "kecamatan": {
            "id": member.kecamatan.id,
            "name": member.kecamatan.name,
            "slug": member.kecamatan.slug,
        },
        "member": {"id": member.id, "shop_name": member.shop_name, "slug": member.slug},
        "cover_url": media_url(cover_image.thumb_key) if cover_image else None,
        "images": [image(product, photo) for photo in images],
        "certificates": [badge(found) for found in badges],
        "url": public_url("catalog.product", product_id=product.id, slug=product.slug),
        "created_at": timestamp(product.created_at),
    }


def variant(variant: ProductVariant) -> JSON:
    return {
        "id": variant.id,
        "name": variant.name,
        "price": variant.price,
        "stock": variant.stock,
        "in_stock": variant.stock > 0,
    }


def product_detail(
    found: Product, badges: Sequence[Badge] = (), shop_badges: Sequence[Badge] = ()
) -> JSON:
    """A product with its variants and images loaded, and its shop's badges."""
    return product(found, found.images, badges) | {
        "variants": [variant(v) for v in found.variants],
        "shop_certificates": [badge(shown) for shown in shop_badges],
    }


def catalog_page(
    page: CatalogPage, images: Iterable[ProductImage], messages: Sequence[str]
) -> JSON:
    """One page of products with its facets; `images` are those of its
    products, in order."""
    images_of: defaultdict[int, list[ProductImage]] = defaultdict(list)
    for photo in images:
        images_of[photo.product_id].append(photo)
    return {
        "items": [
            product(item, images_of[item.id], page.badges.get(item.id, ()))
            for item in page.products
        ],
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
        "total": page.total,
        "facets": {
            "categories": [
                {"slug": c.slug, "name": c.name, "count": page.category_counts.get(c.id, 0)}
                for c in page.categories
            ],
            "kecamatan": [
                {"slug": k.slug, "name": k.name, "count": page.kecamatan_counts.get(k.id, 0)}
                for k in page.kecamatan
            ],
        },
        "messages": list(messages),
        "suggestion": page.suggestion,
    }


def category(category: Category, product_count: int) -> JSON:
    return {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "product_count": product_count,
    }


def kecamatan(place: Kecamatan, product_count: int) -> JSON:
    return {
        "id": place.id,
        "name": place.name,
        "slug": place.slug,
        "product_count": product_count,
    }
