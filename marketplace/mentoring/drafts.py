"""A mentor edits the draft they wrote for a member, until the member
publishes it: name, category, description, unit, weight, variants (price
and stock), photos. Each edit goes through the catalog's own services and
is written in the product's history as a ProductChange of kind DRAFTED
that says what changed, so the member reads who changed what. Once the
member has published (or archived) it, the mentor can only suggest
(services.suggest). Who may edit is decided here, on top of the live
pairing the view found (mentoring.access)."""

from collections.abc import Collection, Sequence

from sqlalchemy import select

from marketplace.catalog import changes, photos, services
from marketplace.catalog.models import (
    Category,
    Product,
    ProductChange,
    ProductChangeKind,
    ProductStatus,
)
from marketplace.catalog.services import VariantInput
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.mentoring.models import Pairing
from marketplace.mentoring.services import MentoringError, write_note

PUBLISHED = (
    "Anggota sudah menayangkan produk ini: draf tidak bisa diubah lagi. "
    "Tulis saran Anda di bawah; anggota yang memutuskan."
)


def is_own_draft(*, pairing: Pairing, product: Product) -> bool:
    """Whether the pairing's mentor drafted `product` for the pairing's member
    (whatever its status now)."""
    if product.member_id != pairing.member_id or pairing.mentor.user_id is None:
        return False
    drafted = db.session.scalar(
        select(ProductChange.id)
        .where(
            ProductChange.product_id == product.id,
            ProductChange.kind == ProductChangeKind.DRAFTED,
            ProductChange.changed_by_id == pairing.mentor.user_id,
        )
        .limit(1)
    )
    return drafted is not None


def _hold_draft(product: Product) -> None:
    """Lock the product's row and read its status afresh: a member who
    publishes at the same moment goes first or after, never in between."""
    db.session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    db.session.refresh(product, ["status"])
    if product.status != ProductStatus.DRAFT:
        raise MentoringError(PUBLISHED)


def edit_draft(
    *,
    pairing: Pairing,
    product: Product,
    category: Category,
    name: str,
    description: str,
    unit: str,
    weight_grams: int | None,
    variants: Sequence[VariantInput],
    uploads: Sequence[bytes],
    remove_photo_ids: Collection[int],
    store: LocalStorage,
) -> tuple[ProductChange, list[str]]:
    """Change the mentor's own draft, still a draft; return the history row
    and the storage keys of removed photos, for the caller to delete after
    the commit. An edit that changes nothing is refused (MentoringError),
    as is any edit once the member has published the product."""
    if not is_own_draft(pairing=pairing, product=product):
        raise services.NotFound("Produk tidak ditemukan.")
    _hold_draft(product)
    services.hold_for_edit(product)
    before = changes.Seen.of(product)
    services.update_product(
        product=product,
        category=category,
        name=name,
        description=description,
        unit=unit,
        weight_grams=weight_grams,
        variants=variants,
    )
    freed: list[str] = []
    removed = [photo for photo in product.images if photo.id in set(remove_photo_ids)]
    if len(removed) != len(set(remove_photo_ids)):
        raise services.NotFound("Foto tidak ditemukan.")
    for photo in removed:
        freed += photos.delete_photo(product=product, photo=photo)
    if uploads:
        photos.add_photos(product=product, uploads=uploads, store=store)
    said = changes.said(
        before, changes.Seen.of(product), photos_added=len(uploads), photos_removed=len(removed)
    )
    if not said:
        raise MentoringError("Tidak ada yang berubah pada draf ini.")
    summary = "Draf diubah pendamping: " + "; ".join(said) + "."
    note = write_note(product, pairing.mentor, ProductChangeKind.DRAFTED, summary)
    db.session.flush()
    return note, freed


def own_draft_ids(pairing: Pairing) -> set[int]:
    """The member's products the pairing's mentor drafted (their member page
    offers to edit the ones still in draft)."""
    if pairing.mentor.user_id is None:
        return set()
    return set(
        db.session.scalars(
            select(ProductChange.product_id).where(
                ProductChange.member_id == pairing.member_id,
                ProductChange.kind == ProductChangeKind.DRAFTED,
                ProductChange.changed_by_id == pairing.mentor.user_id,
            )
        )
    )
