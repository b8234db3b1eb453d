"""Assisted selling: someone other than the member (a chapter officer)
creates a listing or changes its stock on the member's behalf. Each change
goes through the catalog's own services, is written in the product's
history (ProductChange) as "dibantu oleh <name>", and the member is told by
email, sent after the commit (accounts.mail_after_commit). Who may help
whom is the caller's rule (chapters.services)."""

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import User
from marketplace.catalog import services
from marketplace.catalog.models import (
    Category,
    Product,
    ProductChange,
    ProductChangeKind,
    ProductStatus,
)
from marketplace.catalog.services import VariantChange, VariantInput
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Member


def _record(product: Product, helper: User, summary: str) -> ProductChange:
    change = ProductChange(
        product=product,
        member_id=product.member_id,
        changed_by_id=helper.id,
        kind=ProductChangeKind.ASSISTED,
        acting_as=f"Pengurus Kecamatan {product.member.kecamatan.name}",
        summary=summary,
    )
    db.session.add(change)
    member = product.member
    queue_email(
        recipient=member.user.email,
        template="product_assisted",
        subject=f"Produk “{product.name}” diubah oleh {helper.name}",
        member=member,
        product=product,
        helper=helper,
        summary=summary,
        link=public_url("catalog.manage.edit", product_id=product.id),
    )
    return change


def create_for(
    *,
    member: Member,
    helper: User,
    category: Category,
    name: str,
    description: str,
    unit: str,
    price: int,
    stock: int,
    publish: bool,
) -> Product:
    product = services.create_product(
        member=member,
        category=category,
        name=name,
        description=description,
        unit=unit,
        variants=[VariantInput(name="Standar", price=price, stock=stock)],
        status=ProductStatus.ACTIVE if publish else ProductStatus.DRAFT,
    )
    state = "dan ditampilkan" if publish else "sebagai draf"
    _record(product, helper, f"Produk dibuat {state}")
    return product


def set_stock_for(*, member: Member, helper: User, variant_id: int, stock: int) -> Product:
    """Change one variant's stock (its price stays), through the member's own quick update."""
    variant = next(
        (
            v
            for product in db.session.scalars(member_products(member.id))
            for v in product.variants
            if v.id == variant_id
        ),
        None,
    )
    if variant is None:
        raise services.NotFound("Varian tidak ditemukan.")
    before = variant.stock
    services.update_variants(
        member=member,
        changes=[VariantChange(variant_id=variant_id, price=variant.price, stock=stock)],
    )
    product = variant.product
    label = f" ({variant.name})" if len(product.variants) > 1 else ""
    _record(product, helper, f"Stok{label} diubah dari {before} menjadi {stock}")
    return product


def member_products(member_id: int) -> Select[tuple[Product]]:
    """The member's products not archived, with their variants, by name."""
    return (
        select(Product)
        .where(Product.member_id == member_id, Product.status != ProductStatus.ARCHIVED)
        .options(selectinload(Product.variants))
        .order_by(Product.name, Product.id)
    )


def history_of(
    product_ids: Sequence[int], kinds: Sequence[ProductChangeKind] = (ProductChangeKind.ASSISTED,)
) -> Select[tuple[ProductChange]]:
    """What others did on these products (by default the officers' helped
    changes; `MENTOR_KINDS` for a mentor's drafts and suggestions), newest first."""
    return (
        select(ProductChange)
        .where(ProductChange.product_id.in_(product_ids), ProductChange.kind.in_(kinds))
        .options(joinedload(ProductChange.changed_by))
        .order_by(ProductChange.changed_at.desc(), ProductChange.id.desc())
    )
