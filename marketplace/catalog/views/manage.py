"""A member's own listings: the dashboard under /kelola (endpoints catalog.manage.*).

Only an approved member gets in, and only to their own products: every
product, variant and photo is looked up within the member's own, so anyone
else's id is simply not found (404). Each view: form -> one service -> one
commit -> redirect; a refusal re-renders with its message."""

from itertools import groupby

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from marketplace.accounts.access import safe_next_path
from marketplace.catalog import imports, photos, queries, services
from marketplace.catalog.forms import (
    STATUS_LABELS,
    ActionForm,
    BulkUpdateForm,
    ImportForm,
    PhotoMoveForm,
    PhotoUploadForm,
    ProductForm,
    category_choices,
)
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.catalog.services import BulkUpdateRefused, CatalogError, NotFound
from marketplace.core.numbers import as_whole
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.access import approved_member
from marketplace.members.models import Member

blueprint = Blueprint("manage", __name__, url_prefix="/kelola")
member_view = approved_member("catalog/manage/not_approved.html")

PER_PAGE = 20


def _product_or_404(member: Member, product_id: int) -> Product:
    return db.one_or_404(queries.member_product(member.id, product_id))


def _categories() -> list[Category]:
    return list(db.session.scalars(queries.categories()))


def _category(category_id: int) -> Category:
    return db.get_or_404(Category, category_id)


def _to_edit(product: Product, anchor: str | None = None):
    return redirect(url_for(".edit", product_id=product.id, _anchor=anchor))


# --- dashboard -------------------------------------------------------------


@blueprint.get("")
@member_view
def index(member: Member):
    status = request.args.get("status")
    chosen = ProductStatus(status) if status in set(ProductStatus) else None
    page = db.paginate(
        queries.member_listing(member.id, chosen),
        per_page=PER_PAGE,
        error_out=False,
    )
    counts = {status: 0 for status in ProductStatus}
    out_of_stock = 0
    for row_status, count, empty in db.session.execute(queries.member_summary(member.id)):
        counts[ProductStatus(row_status)] = count
        if row_status == ProductStatus.ACTIVE:
            out_of_stock = empty or 0
    return render_template(
        "catalog/manage/index.html",
        member=member,
        page=page,
        page_args=lambda number: {"status": chosen, "page": number},
        chosen=chosen,
        counts=counts,
        total=sum(counts.values()),
        out_of_stock=out_of_stock,
        labels=STATUS_LABELS,
    )


# --- create and edit -------------------------------------------------------


def _rows_changed(form: ProductForm) -> bool:
    """Adding or removing a variant row without JavaScript: re-render only."""
    if "tambah_varian" in request.form:
        if len(form.variants) < services.MAX_VARIANTS:
            form.variants.append_entry()
        return True
    remove = as_whole(request.form.get("hapus_varian", ""))
    if remove is not None:
        kept = [row.data for i, row in enumerate(form.variants) if i != remove]
        if kept:
            while form.variants.entries:
                form.variants.pop_entry()
            for data in kept:
                form.variants.append_entry(data)
        return True
    return False


def _product_values(form: ProductForm) -> dict:
    return {
        "category": _category(form.category_id.data),
        "name": form.name.data,
        "description": form.description.data or "",
        "unit": form.unit.data,
        "weight_grams": form.weight_grams.data,
        "status": ProductStatus(form.status.data),
        "variants": form.variant_inputs(),
    }


@blueprint.route("/produk/baru", methods=["GET", "POST"])
@member_view
def create(member: Member):
    form, error = ProductForm(), None
    form.category_id.choices = category_choices(_categories())
    if request.method == "POST" and _rows_changed(form):
        pass
    elif form.validate_on_submit():
        try:
            product = services.create_product(member=member, **_product_values(form))
        except NotFound:
            abort(404)
        except CatalogError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash(f"Produk “{product.name}” tersimpan. Tambahkan fotonya di bawah.", "success")
            return _to_edit(product, "foto")
    return render_template(
        "catalog/manage/product_form.html",
        form=form,
        error=error,
        product=None,
        max_variants=services.MAX_VARIANTS,
    )


@blueprint.route("/produk/<int:product_id>", methods=["GET", "POST"])
@member_view
def edit(member: Member, product_id: int):
    product = _product_or_404(member, product_id)
    form, error = ProductForm(obj=product if request.method == "GET" else None), None
    form.category_id.choices = category_choices(_categories())
    if request.method == "GET":
        form.fill_variants(product.variants)
    elif _rows_changed(form):
        pass
    elif form.validate_on_submit():
        try:
            services.update_product(product=product, **_product_values(form))
        except NotFound:
            abort(404)
        except CatalogError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Perubahan tersimpan.", "success")
            return _to_edit(product)
    photo_form = PhotoUploadForm(formdata=None)
    room = photos.MAX_PHOTOS - len(product.images)
    photo_form.photos.description += f" Masih bisa {room} foto lagi."
    return render_template(
        "catalog/manage/product_form.html",
        form=form,
        error=error,
        product=product,
        labels=STATUS_LABELS,
        photo_form=photo_form,
        max_photos=photos.MAX_PHOTOS,
        max_variants=services.MAX_VARIANTS,
    )


# --- status changes --------------------------------------------------------

STATUS_ACTIONS = {
    "duplicate": (services.duplicate_product, "Salinan dibuat sebagai draf: periksa lalu simpan."),
    "archive": (services.archive_product, "Produk diarsipkan: tidak tampil lagi di toko."),
    "restore": (services.restore_product, "Produk dipulihkan sebagai draf."),
    "publish": (services.publish_product, "Produk sudah tampil di toko."),
}


def _status_action(member: Member, product_id: int, action: str):
    product = _product_or_404(member, product_id)
    change, done = STATUS_ACTIONS[action]
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = change(product=product)
    except CatalogError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return redirect(_back_to_list())
    db.session.commit()
    flash(done, "success")
    if action == "duplicate":
        return _to_edit(result)
    return redirect(_back_to_list())


def _back_to_list() -> str:
    """The dashboard page the button was pressed on (a path on this site only)."""
    target = safe_next_path(request.form.get("kembali")) or ""
    return target if target.startswith(url_for(".index")) else url_for(".index")


@blueprint.post("/produk/<int:product_id>/salin")
@member_view
def duplicate(member: Member, product_id: int):
    return _status_action(member, product_id, "duplicate")


@blueprint.post("/produk/<int:product_id>/arsipkan")
@member_view
def archive(member: Member, product_id: int):
    return _status_action(member, product_id, "archive")


@blueprint.post("/produk/<int:product_id>/pulihkan")
@member_view
def restore(member: Member, product_id: int):
    return _status_action(member, product_id, "restore")


@blueprint.post("/produk/<int:product_id>/tayangkan")
@member_view
def publish(member: Member, product_id: int):
    return _status_action(member, product_id, "publish")


# --- photos ----------------------------------------------------------------


@blueprint.post("/produk/<int:product_id>/foto")
@member_view
def add_photos(member: Member, product_id: int):
    product = _product_or_404(member, product_id)
    form = PhotoUploadForm()
    if not form.validate_on_submit():
        for message in form.photos.errors or ["Unggahan tidak dapat diproses. Coba lagi."]:
            flash(message, "danger")
        return _to_edit(product, "foto")
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
    return _to_edit(product, "foto")


def _photo_action(member: Member, product_id: int, photo_id: int, change, done: str):
    """Run `change(product, photo)`; it may return storage keys to delete
    once the commit has made the change final."""
    product = _product_or_404(member, product_id)
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
    return _to_edit(product, "foto")


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


# --- quick stock and price update -------------------------------------------


@blueprint.route("/stok", methods=["GET", "POST"])
@member_view
def bulk_update(member: Member):
    variants = db.session.scalars(queries.member_variants(member.id)).all()
    form, problems = BulkUpdateForm(), {}
    if request.method == "GET":
        form.fill(variants)
    else:
        mine = {variant.id for variant in variants}
        if not set(form.variant_ids()) <= mine:
            abort(404)
        if form.validate_on_submit():
            try:
                changed = services.update_variants(member=member, changes=form.changes())
            except NotFound:
                abort(404)
            except BulkUpdateRefused as refused:
                db.session.rollback()
                problems = refused.problems
            else:
                db.session.commit()
                flash(f"Tersimpan: {len(changed)} varian diperbarui.", "success")
                return redirect(url_for(".bulk_update"))
    by_id = {variant.id: variant for variant in variants}
    rows = [(row, by_id[row.variant_id.data]) for row in form.rows if row.variant_id.data in by_id]
    groups = [
        (product, list(product_rows))
        for product, product_rows in groupby(rows, key=lambda pair: pair[1].product)
    ]
    wrong = [
        (product, variant)
        for product, product_rows in groups
        for row, variant in product_rows
        if row.errors or variant.id in problems
    ]
    return render_template(
        "catalog/manage/bulk.html",
        form=form,
        groups=groups,
        wrong=wrong,
        problems=problems,
        labels=STATUS_LABELS,
    )


# --- CSV import -------------------------------------------------------------


@blueprint.route("/impor", methods=["GET", "POST"])
@member_view
def import_products(member: Member):
    form, report, error = ImportForm(), None, None
    if form.validate_on_submit():
        try:
            report = imports.import_csv(
                member=member, data=form.file.data.read(imports.MAX_BYTES + 1)
            )
        except CatalogError as refused:
            db.session.rollback()
            error = refused.message
        else:
            if report.ok:
                db.session.commit()
            else:
                db.session.rollback()
    return render_template(
        "catalog/manage/import.html",
        form=form,
        report=report,
        error=error,
        columns=imports.COLUMNS,
        max_rows=imports.MAX_ROWS,
        categories=_categories(),
    )


@blueprint.get("/impor/templat.csv")
@member_view
def import_template(member: Member):
    return Response(
        imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=templat-produk-aspikmas.csv"},
    )
