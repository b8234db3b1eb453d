"""Writes to the catalog. Services flush, never commit."""

from collections.abc import Sequence
from dataclasses import dataclass

from slugify import slugify

from marketplace.catalog.models import Category, Product, ProductStatus, ProductVariant
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.members.models import Member


class CatalogError(DomainError):
    """A catalog rule refused the change."""


@dataclass(frozen=True)
class VariantInput:
    name: str
    price: int
    stock: int


def refresh_summary(product: Product) -> None:
    """Recompute the browsing summary of `product` from its variants."""
    prices = [variant.price for variant in product.variants]
    product.min_price = min(prices, default=0)
    product.max_price = max(prices, default=0)
    product.total_stock = sum(variant.stock for variant in product.variants)


def create_product(
    *,
    member: Member,
    category: Category,
    name: str,
    variants: Sequence[VariantInput],
    description: str = "",
    unit: str = "pcs",
    weight_grams: int | None = None,
    status: ProductStatus = ProductStatus.DRAFT,
) -> Product:
    if not name.strip():
        raise CatalogError("Nama produk wajib diisi.")
    if not variants:
        raise CatalogError("Produk perlu setidaknya satu varian dengan harga dan stok.")
    for variant in variants:
        if variant.price < 0 or variant.stock < 0:
            raise CatalogError("Harga dan stok tidak boleh negatif.")
    product = Product(
        member=member,
        category=category,
        name=name.strip(),
        slug=slugify(name)[:180] or "produk",
        description=description,
        unit=unit,
        weight_grams=weight_grams,
        status=status,
        variants=[
            ProductVariant(name=v.name.strip() or "Standar", price=v.price, stock=v.stock, position=i)
            for i, v in enumerate(variants)
        ],
    )
    refresh_summary(product)
    db.session.add(product)
    db.session.flush()
    return product
