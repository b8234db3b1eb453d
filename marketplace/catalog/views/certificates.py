"""A member's certificates under /kelola/sertifikat (endpoints catalog.certificates.*).

Only an approved member gets in, and only to their own certificates and
products: every id is looked up within the member's own, so anyone else's
is simply not found (404). The scan of a certificate is also shown to the
association's admins, who verify it. Each write: form -> scan checked and
stored -> one service -> one commit -> redirect; when anything refuses, the
stored scan is deleted again, so a refused upload leaves nothing behind."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from marketplace.accounts.models import Role
from marketplace.catalog.certificates import queries, rules, services
from marketplace.catalog.certificates.rules import CertificateError
from marketplace.catalog.models import CERTIFICATE_LABELS, Certificate, Product
from marketplace.core.forms import BaseForm
from marketplace.core.images import MAX_BYTES as MAX_IMAGE_BYTES
from marketplace.core.numbers import as_whole
from marketplace.core.storage import storage
from marketplace.core.uploads import MAX_PDF_BYTES, ScanRejected, process_scan
from marketplace.extensions import db, login_manager
from marketplace.members.access import approved_member
from marketplace.members.models import Member

blueprint = Blueprint("certificates", __name__, url_prefix="/kelola/sertifikat")
member_view = approved_member("catalog/certificates/not_approved.html")

WHOLE_SHOP = ""
SCAN_HINT = (
    f"Foto (JPEG, PNG, WebP, maks. {MAX_IMAGE_BYTES // (1024 * 1024)} MB) atau PDF "
    f"(maks. {MAX_PDF_BYTES // (1024 * 1024)} MB). Pastikan nomor dan tanggalnya terbaca."
)
ISSUER_HINT = (
    "Contoh: Dinas Kesehatan Kab. Banyumas (P-IRT, Laik Higiene), BPJPH (Halal), BPOM (MD/ML)."
)


# --- forms -------------------------------------------------------------------------


class CertificateDetailsForm(BaseForm):
    number = StringField(
        "Nomor sertifikat",
        validators=[
            DataRequired(message="Isi nomor sertifikat."),
            Length(
                max=rules.MAX_NUMBER_LENGTH,
                message=f"Nomor paling panjang {rules.MAX_NUMBER_LENGTH} karakter.",
            ),
        ],
    )
    issuer = StringField(
        "Penerbit",
        description=ISSUER_HINT,
        validators=[
            DataRequired(message="Isi nama penerbit sertifikat."),
            Length(
                max=rules.MAX_ISSUER_LENGTH,
                message=f"Nama penerbit paling panjang {rules.MAX_ISSUER_LENGTH} karakter.",
            ),
        ],
    )
    expires_on = DateField(
        "Berlaku sampai (boleh kosong)",
        format=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        invalid_value_message="Tanggal tidak valid. Contoh: 31-12-2027.",
        description="Kosongkan bila sertifikat tidak mencantumkan tanggal kedaluwarsa.",
        validators=[Optional()],
    )


class CertificateRecordForm(CertificateDetailsForm):
    kind = SelectField(
        "Jenis sertifikat",
        choices=[SelectChoice("", "Pilih jenis…")]
        + [SelectChoice(kind.value, label) for kind, label in CERTIFICATE_LABELS.items()],
        validate_choice=False,
        validators=[
            DataRequired(message="Pilih jenis sertifikat."),
            AnyOf(
                [kind.value for kind in CERTIFICATE_LABELS],
                message="Jenis sertifikat tidak dikenal.",
            ),
        ],
    )
    # Checked in the view against the member's own products (else 404).
    product_id = SelectField("Berlaku untuk", validate_choice=False)
    scan = FileField(
        "Pindaian sertifikat",
        description=SCAN_HINT,
        validators=[FileRequired(message="Pilih berkas pindaian: foto atau PDF.")],
    )
    submit = SubmitField("Kirim untuk diverifikasi")

    field_order = ("kind", "product_id", "number", "issuer", "expires_on", "scan")


class CertificateCorrectForm(CertificateDetailsForm):
    scan = FileField(
        "Ganti pindaian (boleh kosong)",
        description="Kosongkan bila pindaian lama sudah benar. " + SCAN_HINT,
    )
    submit = SubmitField("Simpan dan kirim ulang")


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
                    services.record_certificate(
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
    response = send_file(
        path,
        mimetype="application/pdf" if is_pdf else "image/webp",
        as_attachment=is_pdf,
        download_name=f"sertifikat-{certificate.id}{path.suffix}",
        max_age=0,
    )
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
