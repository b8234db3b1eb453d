"""Assisted selling: someone other than the member (a chapter officer)
creates a listing, edits it (details, variants, photos, shown or not) or
changes its stock on the member's behalf. Each change goes through the
catalog's own services, is written in the product's history (one
ProductChange per save, saying in Indonesian what changed) as "dibantu oleh
<name>", and the member is told by email, sent after the commit
(accounts.mail_after_commit), and by the WhatsApp message the officer sends
from `whatsapp_message`. A save that changes nothing writes and sends
nothing. Who may help whom is the caller's rule (chapters.services)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import User
from marketplace.catalog import changes, photos, services
from marketplace.catalog.models import (
    Category,
    Product,
    ProductChange,
    ProductChangeKind,
    ProductImage,
    ProductStatus,
)
from marketplace.catalog.services import VariantChange, VariantInput
from marketplace.core.storage import LocalStorage
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Member


def _manage_link(product: Product) -> str:
    """The member's own page of the product (absolute, from PUBLIC_URL)."""
    return public_url("catalog.manage.edit", product_id=product.id)


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
        link=_manage_link(product),
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
) -> ProductChange:
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
    return _record(product, helper, f"Produk dibuat {state}")


def set_stock_for(
    *, member: Member, helper: User, variant_id: int, stock: int
) -> ProductChange | None:
    """Change one variant's stock (its price stays), through the member's own
    quick update; the same stock again records and sends nothing (None)."""
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
    if stock == before:
        return None
    services.update_variants(
        member=member,
        changes=[VariantChange(variant_id=variant_id, price=variant.price, stock=stock)],
    )
    product = variant.product
    label = f" ({variant.name})" if len(product.variants) > 1 else ""
    return _record(product, helper, f"Stok{label} diubah dari {before} menjadi {stock}")


# --- editing a listing ----------------------------------------------------------


def update_for(
    *,
    product: Product,
    helper: User,
    uploads: Sequence[bytes],
    store: LocalStorage,
    **details: Any,
) -> ProductChange | None:
    """Edit the member's product through the member's own services (the
    `details` as for services.update_product) and add the uploaded photos
    after its own, all or nothing. One ProductChange and one email say what
    changed; a save that changes nothing records and sends nothing (None)."""
    services.hold_for_edit(product)
    before = changes.Seen.of(product)
    services.update_product(product=product, **details)
    added = photos.add_photos(product=product, uploads=uploads, store=store) if uploads else []
    said = changes.said(before, changes.Seen.of(product), photos_added=len(added))
    return _record(product, helper, changes.sentence(said)) if said else None


# What each photo button does, and how the history says it.
PHOTO_ACTIONS = ("maju", "mundur", "sampul", "hapus")


def change_photo_for(
    *, product: Product, helper: User, photo: ProductImage, action: str
) -> tuple[ProductChange, list[str]]:
    """Move a photo forward or back, make it the cover, or delete it, through
    the member's own photo services; returns the change and the storage keys
    to delete once the commit has made it final."""
    if photo not in product.images:
        raise services.NotFound("Foto tidak ditemukan.")
    number = product.images.index(photo) + 1
    keys: list[str] = []
    if action in ("maju", "mundur"):
        photos.move_photo(product=product, photo=photo, offset=-1 if action == "maju" else 1)
        where = "depan" if action == "maju" else "belakang"
        summary = f"Foto ke-{number} dipindah ke {where}"
    elif action == "sampul":
        if number == 1:
            raise services.CatalogError("Foto ini sudah menjadi sampul.")
        photos.set_cover(product=product, photo=photo)
        summary = f"Foto ke-{number} dijadikan sampul"
    elif action == "hapus":
        keys = photos.delete_photo(product=product, photo=photo)
        summary = f"Foto ke-{number} dihapus"
    else:
        raise services.NotFound("Tindakan foto tidak dikenal.")
    return _record(product, helper, summary), keys


def whatsapp_message(change: ProductChange) -> str:
    """What the officer sends the member (or a family phone) on WhatsApp
    after a helped change: the product, what changed, and the link to the
    member's own page of it."""
    product, member = change.product, change.product.member
    return (
        f"Halo {member.owner_name}, produk “{product.name}” di toko {member.shop_name} "
        f"diubah oleh {change.changed_by.name} ({change.acting_as}): {change.summary}. "
        f"Periksa dan ubah kalau ada yang kurang tepat: {_manage_link(product)}"
    )


# --- reads -----------------------------------------------------------------------


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
