"""A member's products: the dashboard, create and edit, the status actions
(copy, archive, restore, publish: one route) and the quick stock and price
update. Each view: form -> one service -> one commit -> redirect; a refusal
re-renders with its message."""

from collections.abc import Callable
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from marketplace.accounts.access import safe_next_path
from marketplace.catalog import assisted, photos, queries, services
from marketplace.catalog.forms import (
    STATUS_LABELS,
    ActionForm,
    BulkUpdateForm,
    PhotoUploadForm,
    ProductCreateForm,
    ProductForm,
    category_choices,
)
from marketplace.catalog.models import MENTOR_KINDS, Category, Product, ProductStatus
from marketplace.catalog.services import BulkUpdateRefused, CatalogError, NotFound
from marketplace.catalog.views.manage.base import (
    blueprint,
    categories,
    member_view,
    product_or_404,
    to_edit,
)
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import Member

PER_PAGE = 20


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


def _category(category_id: int) -> Category:
    return db.get_or_404(Category, category_id)


def _product_values(form: ProductForm) -> dict:
    return form.product_values(_category(form.category_id.data))


@blueprint.route("/produk/baru", methods=["GET", "POST"])
@member_view
def create(member: Member):
    form, error = ProductCreateForm(), None
    form.category_id.choices = category_choices(categories())
    if request.method == "POST" and form.rows_changed(request.form):
        pass
    elif form.validate_on_submit():
        try:
            product = photos.create_product_with_photos(
                member=member,
                uploads=[upload.read() for upload in form.photos.data or []],
                store=storage(),
                **_product_values(form),
            )
        except NotFound:
            abort(404)
        except photos.PhotoRefused as refused:
            db.session.rollback()
            form.photos.errors.append(refused.message)
            error = (
                "Produk belum disimpan: ada foto yang ditolak. Isian Anda masih ada; "
                "pilih lagi fotonya di bagian Foto, lalu simpan."
            )
        except CatalogError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            return _created(product)
    return render_template(
        "catalog/manage/product_form.html",
        form=form,
        error=error,
        product=None,
        max_variants=services.MAX_VARIANTS,
        photo_side=photos.BROWSER_SIDE,
    )


def _created(product: Product) -> Response:
    if product.images:
        flash(f"Produk “{product.name}” tersimpan dengan {len(product.images)} foto.", "success")
        return to_edit(product)
    flash(f"Produk “{product.name}” tersimpan. Tambahkan fotonya di bawah.", "success")
    return to_edit(product, "foto")


@blueprint.route("/produk/<int:product_id>", methods=["GET", "POST"])
@member_view
def edit(member: Member, product_id: int):
    product = product_or_404(member, product_id)
    form, error = ProductForm(obj=product if request.method == "GET" else None), None
    form.category_id.choices = category_choices(categories())
    if request.method == "GET":
        form.fill_variants(product.variants)
    elif form.rows_changed(request.form):
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
            return to_edit(product)
    photo_form = PhotoUploadForm(formdata=None)
    notes = db.session.scalars(assisted.history_of([product.id], kinds=MENTOR_KINDS)).all()
    room = photos.MAX_PHOTOS - len(product.images)
    photo_form.photos.description += f" Masih bisa {room} foto lagi."
    return render_template(
        "catalog/manage/product_form.html",
        form=form,
        error=error,
        product=product,
        notes=notes,
        labels=STATUS_LABELS,
        photo_form=photo_form,
        history=db.session.scalars(assisted.history_of([product.id])).all(),
        max_photos=photos.MAX_PHOTOS,
        max_variants=services.MAX_VARIANTS,
        photo_side=photos.BROWSER_SIDE,
    )


# --- status actions ------------------------------------------------------------------

# The last word of the address -> (service, what the member is told).
PRODUCT_ACTIONS: dict[str, tuple[Callable[..., Product], str]] = {
    "salin": (services.duplicate_product, "Salinan dibuat sebagai draf: periksa lalu simpan."),
    "arsipkan": (services.archive_product, "Produk diarsipkan: tidak tampil lagi di toko."),
    "pulihkan": (services.restore_product, "Produk dipulihkan sebagai draf."),
    "tayangkan": (services.publish_product, "Produk sudah tampil di toko."),
}


@blueprint.post(f"/produk/<int:product_id>/<any({', '.join(PRODUCT_ACTIONS)}):action>")
@member_view
def product_action(member: Member, product_id: int, action: str) -> ResponseReturnValue:
    product = product_or_404(member, product_id)
    change, done = PRODUCT_ACTIONS[action]
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
    if action == "salin":
        return to_edit(result)
    return redirect(_back_to_list())


def _back_to_list() -> str:
    """The dashboard page the button was pressed on (a path on this site only)."""
    target = safe_next_path(request.form.get("kembali")) or ""
    return target if target.startswith(url_for(".index")) else url_for(".index")


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
