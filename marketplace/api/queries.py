"""Reads the API needs beyond what `catalog.browse` already loads."""

from collections.abc import Iterable

from sqlalchemy import Select, select

from marketplace.catalog.models import ProductImage


def images_of(product_ids: Iterable[int]) -> Select[tuple[ProductImage]]:
    """The images of several products at once, in the order they are shown."""
    return (
        select(ProductImage)
        .where(ProductImage.product_id.in_(list(product_ids)))
        .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
    )
