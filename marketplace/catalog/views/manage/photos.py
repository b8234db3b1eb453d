"""A product's photos: add, reorder, choose the cover, delete. Storage keys
a change frees are deleted only after the commit has made it final."""

from flask import abort, flash

from marketplace.catalog import photos, queries
from marketplace.catalog.forms import ActionForm, PhotoMoveForm, PhotoUploadForm
from marketplace.catalog.services import CatalogError
from marketplace.catalog.views.manage.base import blueprint, member_view, product_or_404, to_edit
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import Member

# --- photos ----------------------------------------------------------------


@blueprint.post("/produk/<int:product_id>/foto")
@member_view
def add_photos(member: Member, product_id: int):
    product = product_or_404(member, product_id)
    form = PhotoUploadForm()
    if not form.validate_on_submit():
        for message in form.photos.errors or ["Unggahan tidak dapat diproses. Coba lagi."]:
            flash(message, "danger")
        return to_edit(product, "foto")
    try:
        added = photos.add_photos(
            product=product,
            uploads=[upload.read() for upload in form.photos.data],
            store=storage(),
        )
    except CatalogError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(f"{len(added)} foto ditambahkan.", "success")
    return to_edit(product, "foto")


def _photo_action(member: Member, product_id: int, photo_id: int, change, done: str):
    """Run `change(product, photo)`; it may return storage keys to delete
    once the commit has made the change final."""
    product = product_or_404(member, product_id)
    photo = db.one_or_404(queries.member_photo(member.id, product.id, photo_id))
    try:
        keys = change(product=product, photo=photo) or []
    except CatalogError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        db.session.commit()
        for key in keys:
            storage().delete(key)
        flash(done, "success")
    return to_edit(product, "foto")


@blueprint.post("/produk/<int:product_id>/foto/<int:photo_id>/geser")
@member_view
def move_photo(member: Member, product_id: int, photo_id: int):
    form = PhotoMoveForm()
    if not form.validate_on_submit():
        abort(400)
    offset = -1 if form.direction.data == "naik" else 1

    def change(*, product, photo):
        photos.move_photo(product=product, photo=photo, offset=offset)

    return _photo_action(member, product_id, photo_id, change, "Urutan foto diubah.")


@blueprint.post("/produk/<int:product_id>/foto/<int:photo_id>/sampul")
@member_view
def cover_photo(member: Member, product_id: int, photo_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _photo_action(member, product_id, photo_id, photos.set_cover, "Foto sampul diganti.")


@blueprint.post("/produk/<int:product_id>/foto/<int:photo_id>/hapus")
@member_view
def delete_photo(member: Member, product_id: int, photo_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _photo_action(member, product_id, photo_id, photos.delete_photo, "Foto dihapus.")
