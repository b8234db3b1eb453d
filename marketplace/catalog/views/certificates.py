"""A member's certificates under /kelola/sertifikat (endpoints catalog.certificates.*).

Only an approved member gets in, and only to their own certificates and
products: every id is looked up within the member's own, so anyone else's
is simply not found (404). The scan of a certificate is also shown to the
association's admins, who verify it. Each write: form -> scan checked and
stored -> one service -> one commit -> redirect; when anything refuses, the
stored scan is deleted again, so a refused upload leaves nothing behind."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.models import Role
from marketplace.catalog.certificates import queries, rules, services
from marketplace.catalog.certificates.forms import (
    WHOLE_SHOP,
    CertificateCorrectForm,
    CertificateDetailsForm,
    CertificateRecordForm,
    ProductTicksForm,
)
from marketplace.catalog.certificates.rules import CertificateError
from marketplace.catalog.models import Certificate, CertificateProduct, Product, ProductStatus
from marketplace.core.headers import send_private_file
from marketplace.core.numbers import as_whole
from marketplace.core.storage import storage
from marketplace.core.uploads import ScanRejected, process_scan
from marketplace.extensions import db, login_manager
from marketplace.members.access import approved_member
from marketplace.members.models import Member

blueprint = Blueprint("certificates", __name__, url_prefix="/kelola/sertifikat")
member_view = approved_member("catalog/certificates/not_approved.html")

# --- access ------------------------------------------------------------------------


def _member_of(user_id: int) -> Member | None:
    return db.session.scalar(select(Member).where(Member.user_id == user_id))


def _certificate_or_404(member: Member, certificate_id: int) -> Certificate:
    return db.one_or_404(queries.certificate_of_member(member.id, certificate_id))


def _product_or_404(member: Member, raw: str | None) -> Product | None:
    """The member's product chosen in the form; None for the whole shop."""
    if raw in (None, WHOLE_SHOP):
        return None
    product_id = as_whole(raw)
    product = db.session.get(Product, product_id) if product_id is not None else None
    if product is None or product.member_id != member.id:
        abort(404)
    return product


# --- the scan ------------------------------------------------------------------------


def _store_scan(form: CertificateDetailsForm) -> str | None:
    """Check the uploaded scan and store it under a random name; its key, or
    None (with the message on the field) when refused or not sent. Neither
    the file name nor the Content-Type sent is used."""
    upload = form.scan.data
    if not upload:
        return None
    try:
        scan = process_scan(upload.read())
    except ScanRejected as refused:
        form.scan.errors = [*form.scan.errors, refused.message]
        return None
    return storage().save(scan.data, folder=rules.SCAN_FOLDER, suffix=scan.suffix)


def _forget(key: str | None) -> None:
    if key:
        storage().delete(key)


@contextmanager
def _kept_only_if_committed(key: str | None) -> Iterator[None]:
    """Roll back and delete the stored scan `key` when the block raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        _forget(key)
        raise


# --- views ----------------------------------------------------------------------------


@blueprint.get("/")
@member_view
def index(member: Member):
    today = rules.today()
    found = db.session.scalars(queries.certificates_of_member(member.id)).all()
    return render_template(
        "catalog/certificates/index.html",
        member=member,
        summaries=[rules.summarise(certificate, today) for certificate in found],
    )


@blueprint.route("/baru", methods=["GET", "POST"])
@member_view
def create(member: Member):
    form, error = CertificateRecordForm(), None
    products = db.session.execute(queries.products_for_certificates(member.id)).all()
    form.product_id.choices = [SelectChoice(WHOLE_SHOP, "Seluruh toko")] + [
        SelectChoice(str(product_id), name) for product_id, name in products
    ]
    # Another member's product is not found, whatever else the form holds.
    product = _product_or_404(member, form.product_id.data) if form.is_submitted() else None
    if form.validate_on_submit():
        scan_key = _store_scan(form)
        if scan_key:
            try:
                with _kept_only_if_committed(scan_key):
                    made = services.record_certificate(
                        member=member,
                        product=product,
                        kind=form.kind.data,
                        number=form.number.data,
                        issuer=form.issuer.data,
                        expires_on=form.expires_on.data,
                        scan_key=scan_key,
                    )
                    db.session.commit()
            except CertificateError as refused:
                error = refused.message
            else:
                flash("Sertifikat tercatat dan menunggu verifikasi pengurus.", "success")
                if rules.can_cover_products(made, rules.today()):
                    return redirect(url_for(".cover", certificate_id=made.id))
                return redirect(url_for(".index"))
    return render_template(
        "catalog/certificates/form.html", form=form, error=error, certificate=None
    )


@blueprint.route("/<int:certificate_id>/ubah", methods=["GET", "POST"])
@member_view
def edit(member: Member, certificate_id: int):
    certificate = _certificate_or_404(member, certificate_id)
    if not rules.can_be_changed(certificate):
        flash("Sertifikat yang sudah terverifikasi tidak bisa diubah.", "warning")
        return redirect(url_for(".index"))
    form, error = CertificateCorrectForm(obj=certificate), None
    if form.validate_on_submit():
        old_key, new_key = certificate.scan_key, _store_scan(form)
        if not form.scan.errors:
            try:
                with _kept_only_if_committed(new_key):
                    services.correct_certificate(
                        certificate=certificate,
                        number=form.number.data,
                        issuer=form.issuer.data,
                        expires_on=form.expires_on.data,
                        scan_key=new_key,
                    )
                    db.session.commit()
            except CertificateError as refused:
                error = refused.message
            else:
                if new_key:
                    _forget(old_key)
                flash("Perubahan tersimpan; sertifikat menunggu verifikasi ulang.", "success")
                return redirect(url_for(".index"))
    return render_template(
        "catalog/certificates/form.html",
        form=form,
        error=error,
        certificate=rules.summarise(certificate, rules.today()),
    )


@blueprint.route("/<int:certificate_id>/produk", methods=["GET", "POST"])
@member_view
def cover(member: Member, certificate_id: int):
    """The member ticks the products a shop's certificate covers."""
    certificate = _certificate_or_404(member, certificate_id)
    refusal = rules.cover_refusal(certificate, rules.today())
    if refusal is not None:
        flash(refusal, "warning")
        return redirect(url_for(".index"))
    products = db.session.scalars(queries.products_to_cover(member.id)).all()
    ticked = {link.product_id: link for link in certificate.covered_products}
    form, error = ProductTicksForm(products=list(ticked)), None
    form.products.choices = [SelectChoice(product.id, product.name) for product in products]
    if form.validate_on_submit():
        chosen = set(form.products.data or ())
        try:
            services.cover_products(
                certificate=certificate,
                products=[product for product in products if product.id in chosen],
            )
            db.session.commit()
        except CertificateError as refused:
            db.session.rollback()
            error = refused.message
        else:
            flash(
                "Pilihan produk tersimpan. Produk yang baru dicentang mendapat lencana "
                f"{certificate.label} setelah diverifikasi pengurus.",
                "success",
            )
            return redirect(url_for(".index", _anchor=f"sertifikat-{certificate.id}"))
    return render_template(
        "catalog/certificates/cover.html",
        form=form,
        error=error,
        certificate=certificate,
        products=products,
        notes={product.id: _cover_note(product, ticked.get(product.id)) for product in products},
    )


def _cover_note(product: Product, link: CertificateProduct | None) -> str:
    """The word after a product's name on the ticking page."""
    if link is not None:
        return "terverifikasi" if link.is_verified else "menunggu verifikasi"
    return {ProductStatus.DRAFT: "draf", ProductStatus.ARCHIVED: "diarsipkan"}.get(
        ProductStatus(product.status), ""
    )


@blueprint.post("/<int:certificate_id>/hapus")
@member_view
def delete(member: Member, certificate_id: int):
    certificate = _certificate_or_404(member, certificate_id)
    try:
        scan_key = services.delete_certificate(certificate=certificate)
        db.session.commit()
    except CertificateError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        _forget(scan_key)
        flash("Sertifikat dihapus.", "success")
    return redirect(url_for(".index"))


@blueprint.get("/<int:certificate_id>/pindaian")
def scan(certificate_id: int):
    """The scan, for its member and for the admins who verify it: a PDF is
    downloaded (never shown inline), a picture shown; never sniffed, never
    cached by a shared cache."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.has_role(Role.ADMIN):
        certificate = db.get_or_404(Certificate, certificate_id)
    else:
        member = _member_of(current_user.id)
        if member is None or not current_user.has_role(Role.MEMBER):
            abort(403)
        certificate = _certificate_or_404(member, certificate_id)
    path = storage().path(certificate.scan_key)
    if path is None or not path.is_file():
        abort(404)
    is_pdf = path.suffix == ".pdf"
    return send_private_file(
        path,
        mimetype="application/pdf" if is_pdf else "image/webp",
        as_attachment=is_pdf,
        download_name=f"sertifikat-{certificate.id}{path.suffix}",
    )
