"""Reads for a member's own listings (the /kelola pages). Every query is
scoped to one member: what is not theirs is simply not found."""

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from marketplace.catalog.models import Product, ProductImage, ProductStatus, ProductVariant
from marketplace.members.models import Member


def member_of_user(user_id: int) -> Select[tuple[Member]]:
    return select(Member).where(Member.user_id == user_id)


def member_listing(member_id: int, status: ProductStatus | None) -> Select[tuple[Product]]:
    """The member's products, last changed first, with what a row shows."""
    statement = select(Product).where(Product.member_id == member_id)
    if status is not None:
        statement = statement.where(Product.status == status)
    return statement.order_by(Product.updated_at.desc(), Product.id.desc()).options(
        joinedload(Product.category), selectinload(Product.cover_image)
    )


def member_summary(member_id: int) -> Select[tuple[str, int, int]]:
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
