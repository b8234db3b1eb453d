"""Assisted selling: the officer lists a product for a member of their
kecamatan, edits the member's listing (details, prices and stock of its
variants, photos, shown or not) with the member's own product form, and
sets stock. Each save goes through catalog.assisted (one history row and
one email per save that changes something); afterwards the page offers the
"Kabari lewat WhatsApp" link with what changed, to the member's number or to
a family phone. Another kecamatan's member, product or photo is a 404."""

from flask import abort, flash, redirect, render_template, request, url_for

from marketplace.accounts.access import logged_in_user
from marketplace.catalog import assisted, photos
from marketplace.catalog import queries as catalog_queries
from marketplace.catalog.forms import STATUS_LABELS, ActionForm, category_choices
from marketplace.catalog.models import Category, Product, ProductChange, ProductChangeKind
from marketplace.catalog.services import MAX_VARIANTS, BulkUpdateRefused, CatalogError, NotFound
from marketplace.chapters import services
from marketplace.chapters.forms import AssistedEditForm, AssistedProductForm, AssistedStockForm
from marketplace.chapters.services import ChapterError
from marketplace.chapters.views.base import blueprint, chapter_or_404, member_or_404
from marketplace.core.numbers import as_whole
from marketplace.core.storage import storage
from marketplace.core.whatsapp import whatsapp_share_url, whatsapp_url
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member

FAMILY_NUMBER = "keluarga"  # the query parameter of a family phone's number


def _categories() -> list:
    return category_choices(list(db.session.scalars(catalog_queries.categories())))


def _product_form(formdata: bool = True) -> AssistedProductForm:
    form = AssistedProductForm() if formdata else AssistedProductForm(formdata=None)
    form.category_id.choices = _categories()
    return form


def _notice(member: Member) -> dict | None:
    """The "Kabari lewat WhatsApp" box after a helped change (`?kabar=<id>`
    names the change): links to the member's number, to a family phone typed
    in (`?keluarga=`), or to whoever the officer picks. Another member's
    change, or a mentor's, shows nothing."""
    change_id = as_whole(request.args.get("kabar", ""))
    change = db.session.get(ProductChange, change_id) if change_id is not None else None
    if change is None or change.member_id != member.id:
        return None
    if change.kind != ProductChangeKind.ASSISTED:
        return None
    message = assisted.whatsapp_message(change)
    family = request.args.get(FAMILY_NUMBER, "")[:40].strip()
    family_url = whatsapp_url(family, message) if family else None
    return {
        "change": change,
        "member_url": whatsapp_url(member.whatsapp, message),
        "share_url": whatsapp_share_url(message),
        "family": family,
        "family_url": family_url,
        "family_error": bool(family) and family_url is None,
    }


def _member_page(kecamatan: Kecamatan, member: Member, form=None, error=None):
    products = db.session.scalars(assisted.member_products(member.id)).all()
    history = db.session.scalars(assisted.history_of([product.id for product in products])).all()
    return render_template(
        "chapters/member.html",
        kecamatan=kecamatan,
        member=member,
        products=products,
        history=history,
        form=form or _product_form(formdata=False),
        stock_form=AssistedStockForm(formdata=None),
        error=error,
        notice=_notice(member),
    )


def _to_member(kecamatan: Kecamatan, member: Member, change: ProductChange | None):
    return redirect(
        url_for(
            ".member",
            slug=kecamatan.slug,
            member_id=member.id,
            kabar=change.id if change else None,
            _anchor="kabari" if change else None,
        )
    )


@blueprint.get("/<slug>/anggota/<int:member_id>")
def member(slug: str, member_id: int):
    kecamatan = chapter_or_404(slug)
    return _member_page(kecamatan, member_or_404(kecamatan, member_id))


@blueprint.post("/<slug>/anggota/<int:member_id>/produk")
def create_product(slug: str, member_id: int):
    """The officer lists a product for a member who cannot do it themselves."""
    kecamatan = chapter_or_404(slug)
    found = member_or_404(kecamatan, member_id)
    form = _product_form()
    if not form.validate_on_submit():
        return _member_page(kecamatan, found, form=form), 400
    category = db.session.get(Category, form.category_id.data)
    if category is None:
        abort(404)
    officer = logged_in_user()
    try:
        services.ensure_can_help(officer, found)
        change = assisted.create_for(
            member=found,
            helper=officer,
            category=category,
            name=form.name.data,
            description=form.description.data or "",
            unit=form.unit.data,
            price=form.price.data or 0,
            stock=form.stock.data or 0,
            publish=form.publish.data,
        )
    except (ChapterError, CatalogError) as refused:
        db.session.rollback()
        return _member_page(kecamatan, found, form=form, error=refused.message), 400
    db.session.commit()
    flash(f"Produk “{change.product.name}” tersimpan untuk {found.shop_name}.", "success")
    return _to_member(kecamatan, found, change)


@blueprint.post("/<slug>/anggota/<int:member_id>/stok")
def set_stock(slug: str, member_id: int):
    kecamatan = chapter_or_404(slug)
    found = member_or_404(kecamatan, member_id)
    form = AssistedStockForm()
    if not form.validate_on_submit() or form.variant_id.data is None:
        error = "Stok tidak tersimpan: " + " ".join(
            message for messages in form.errors.values() for message in messages
        )
        return _member_page(kecamatan, found, error=error.strip()), 400
    officer = logged_in_user()
    try:
        services.ensure_can_help(officer, found)
        change = assisted.set_stock_for(
            member=found,
            helper=officer,
            variant_id=form.variant_id.data,
            stock=form.stock.data or 0,
        )
    except BulkUpdateRefused as refused:
        db.session.rollback()
        error = " ".join(message for messages in refused.problems.values() for message in messages)
        return _member_page(kecamatan, found, error=error), 400
    except (ChapterError, CatalogError) as refused:
        db.session.rollback()
        return _member_page(kecamatan, found, error=refused.message), 400
    db.session.commit()
    if change is None:
        flash("Stoknya sudah segitu: tidak ada yang diubah.", "info")
    else:
        flash("Stok tersimpan. Anggota kami kabari lewat email.", "success")
    return _to_member(kecamatan, found, change)


# --- editing a member's listing ------------------------------------------------------


def _helped_product(slug: str, member_id: int, product_id: int):
    kecamatan = chapter_or_404(slug)
    found = member_or_404(kecamatan, member_id)
    product = db.one_or_404(catalog_queries.member_product(found.id, product_id))
    return kecamatan, found, product


def _product_page(kecamatan: Kecamatan, member: Member, product: Product, form, error=None):
    room = photos.MAX_PHOTOS - len(product.images)
    form.photos.description += f" Masih bisa {room} foto lagi."
    return render_template(
        "chapters/product.html",
        kecamatan=kecamatan,
        member=member,
        product=product,
        form=form,
        error=error,
        labels=STATUS_LABELS,
        history=db.session.scalars(assisted.history_of([product.id])).all(),
        notice=_notice(member),
        max_photos=photos.MAX_PHOTOS,
        max_variants=MAX_VARIANTS,
        photo_side=photos.BROWSER_SIDE,
    )


@blueprint.route("/<slug>/anggota/<int:member_id>/produk/<int:product_id>", methods=["GET", "POST"])
def edit_product(slug: str, member_id: int, product_id: int):
    """The member's own product form, filled in and saved by the officer."""
    kecamatan, found, product = _helped_product(slug, member_id, product_id)
    form, error = AssistedEditForm(obj=product if request.method == "GET" else None), None
    form.category_id.choices = _categories()
    if request.method == "GET":
        form.fill_variants(product.variants)
    elif form.rows_changed(request.form):
        pass
    elif form.validate_on_submit():
        try:
            services.ensure_can_help(logged_in_user(), found)
            change = assisted.update_for(
                product=product,
                helper=logged_in_user(),
                uploads=[upload.read() for upload in form.photos.data or []],
                store=storage(),
                **form.product_values(db.get_or_404(Category, form.category_id.data)),
            )
        except NotFound:
            abort(404)
        except (ChapterError, CatalogError) as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            if change is None:
                flash("Tidak ada yang berubah: tidak ada yang dicatat atau dikirim.", "info")
            else:
                flash(f"Perubahan tersimpan: {change.summary}.", "success")
            return _to_product(kecamatan, found, product, change)
    status = 400 if error or form.errors else 200
    return _product_page(kecamatan, found, product, form, error), status


def _to_product(kecamatan: Kecamatan, member: Member, product: Product, change):
    return redirect(
        url_for(
            ".edit_product",
            slug=kecamatan.slug,
            member_id=member.id,
            product_id=product.id,
            kabar=change.id if change else None,
            _anchor="kabari" if change else None,
        )
    )


@blueprint.post(
    "/<slug>/anggota/<int:member_id>/produk/<int:product_id>/foto/<int:photo_id>/<action>"
)
def photo_action(slug: str, member_id: int, product_id: int, photo_id: int, action: str):
    """Move a photo (`maju`, `mundur`), make it the cover (`sampul`) or delete
    it (`hapus`), on the member's behalf."""
    if action not in assisted.PHOTO_ACTIONS:
        abort(404)
    kecamatan, found, product = _helped_product(slug, member_id, product_id)
    photo = db.one_or_404(catalog_queries.member_photo(found.id, product.id, photo_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.ensure_can_help(logged_in_user(), found)
        change, keys = assisted.change_photo_for(
            product=product, helper=logged_in_user(), photo=photo, action=action
        )
    except NotFound:
        abort(404)
    except (ChapterError, CatalogError) as refused:
        db.session.rollback()
        form = AssistedEditForm(formdata=None, obj=product)
        form.category_id.choices = _categories()
        form.fill_variants(product.variants)
        return _product_page(kecamatan, found, product, form, refused.message), 400
    db.session.commit()
    for key in keys:
        storage().delete(key)
    flash(f"{change.summary}. Anggota kami kabari lewat email.", "success")
    return _to_product(kecamatan, found, product, change)
