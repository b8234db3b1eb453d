"""A product's photos: added (checked and re-encoded, all or none), also
with the new product they belong to; moved, made the cover, deleted.
Services flush, never commit.

`checked_photos` and `saving` are how any photos a person sends are taken
(a product's here, a review's in orders.reviews, a mentoring visit's in
mentoring.services): every upload checked and
re-encoded before anything is written, then stored so that a step that
fails leaves no file behind."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from marketplace.catalog.models import Product, ProductImage
from marketplace.catalog.services import (
    CatalogError,
    NotFound,
    create_product,
    ensure_editable,
    ensure_new_name,
)
from marketplace.core.images import ImageRejected, ProcessedImage, process_image
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import Member

MAX_PHOTOS = 8
PHOTO_FOLDER = "products"
# Photos under reviews: public (/media) only while their review is visible.
REVIEW_PHOTO_FOLDER = "reviews"
# The longest side a browser shrinks a photo to before sending it (photos.js),
# a little above core.images.LARGE_SIZE so the server's own re-encoding still
# has pixels to spare. Only a saving of time: the server trusts nothing it got.
BROWSER_SIDE = 1600


class PhotoRefused(CatalogError):
    """A photo (or the number of them) was refused; nothing was added."""


def _renumber(photos: list[ProductImage]) -> None:
    for position, photo in enumerate(photos):
        photo.position = position


def checked_photos(uploads: Sequence[bytes]) -> list[ProcessedImage]:
    """Every upload checked and re-encoded (core.images.process_image), or
    PhotoRefused naming the one refused ("Foto ke-2: ...") before any is kept."""
    processed = []
    for number, data in enumerate(uploads, start=1):
        try:
            processed.append(process_image(data))
        except ImageRejected as rejected:
            prefix = f"Foto ke-{number}: " if len(uploads) > 1 else ""
            raise PhotoRefused(prefix + rejected.message) from rejected
    return processed


@contextmanager
def saving(store: LocalStorage, *, folder: str) -> Iterator[Callable[[bytes, str], str]]:
    """`save(data, suffix) -> key` into `folder`; when the block fails (its
    flush included) every file it saved is deleted again, so no row is
    left half made and no file is left behind."""
    saved: list[str] = []

    def save(data: bytes, suffix: str) -> str:
        key = store.save(data, folder=folder, suffix=suffix)
        saved.append(key)
        return key

    try:
        yield save
    except BaseException:
        for key in saved:
            store.delete(key)
        raise


def add_photos(
    *, product: Product, uploads: Sequence[bytes], store: LocalStorage
) -> list[ProductImage]:
    """Check, re-encode and store the uploaded photos (all of them or none),
    after the ones the product has. A refused file leaves no row and no file."""
    ensure_editable(product)
    if not uploads:
        raise PhotoRefused("Pilih setidaknya satu foto.")
    # One upload at a time per product: lock its row (the product alone; FOR
    # UPDATE cannot reach across the outer joins of its eager relationships).
    db.session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    db.session.expire(product, ["images"])
    room = MAX_PHOTOS - len(product.images)
    if len(uploads) > room:
        raise PhotoRefused(
            f"Paling banyak {MAX_PHOTOS} foto per produk; "
            + (f"masih bisa {room} foto lagi." if room > 0 else "hapus foto lama dulu.")
        )
    processed = checked_photos(uploads)
    with saving(store, folder=PHOTO_FOLDER) as save:
        added = [
            ProductImage(
                thumb_key=save(image.thumb, image.suffix), large_key=save(image.large, image.suffix)
            )
            for image in processed
        ]
        photos = list(product.images) + added
        product.images = photos
        _renumber(photos)
        db.session.flush()
    return added


def create_product_with_photos(
    *, member: Member, name: str, uploads: Sequence[bytes], store: LocalStorage, **details: Any
) -> Product:
    """The member's new product (the other `details` as for
    services.create_product) and its first photos in one step: a refused
    photo refuses the product too (PhotoRefused), so nothing is half made. A
    name the shop already has is refused (NameTaken): the same form sent
    twice adds one product."""
    ensure_new_name(member=member, name=name)
    product = create_product(member=member, name=name, **details)
    if uploads:
        add_photos(product=product, uploads=uploads, store=store)
    return product


def _photo_index(product: Product, photo: ProductImage) -> int:
    if photo.product_id != product.id or photo not in product.images:
        raise NotFound("Foto tidak ditemukan.")
    return product.images.index(photo)


def move_photo(*, product: Product, photo: ProductImage, offset: int) -> None:
    """Move a photo one place forward (-1) or back (+1)."""
    ensure_editable(product)
    photos = list(product.images)
    index = _photo_index(product, photo)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(photos):
        raise CatalogError("Foto ini sudah di ujung urutan.")
    photos[index], photos[target] = photos[target], photos[index]
    _renumber(photos)
    db.session.flush()


def set_cover(*, product: Product, photo: ProductImage) -> None:
    """Make `photo` the cover (position 0); the others keep their order."""
    ensure_editable(product)
    photos = list(product.images)
    photos.insert(0, photos.pop(_photo_index(product, photo)))
    _renumber(photos)
    db.session.flush()


def delete_photo(*, product: Product, photo: ProductImage) -> list[str]:
    """Remove the photo's row and return its storage keys, for the caller to
    delete after the commit (a rolled-back delete must still find its files)."""
    ensure_editable(product)
    photos = list(product.images)
    photos.pop(_photo_index(product, photo))
    keys = [photo.thumb_key, photo.large_key]
    product.images = photos
    _renumber(photos)
    db.session.flush()
    return keys
