"""The certificate forms: what a member records or corrects, and the
products ticked on a shop's certificate (by its member, who claims them, and
by an admin, who verifies them against the scan)."""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from marketplace.catalog.certificates import rules
from marketplace.catalog.models import CERTIFICATE_LABELS
from marketplace.core.forms import BaseForm
from marketplace.core.images import MAX_BYTES as MAX_IMAGE_BYTES
from marketplace.core.numbers import as_whole
from marketplace.core.uploads import MAX_PDF_BYTES

WHOLE_SHOP = ""
SCAN_HINT = (
    f"Foto (JPEG, PNG, WebP, maks. {MAX_IMAGE_BYTES // (1024 * 1024)} MB) atau PDF "
    f"(maks. {MAX_PDF_BYTES // (1024 * 1024)} MB). Pastikan nomor dan tanggalnya terbaca."
)
ISSUER_HINT = (
    "Contoh: Dinas Kesehatan Kab. Banyumas (P-IRT, Laik Higiene), BPJPH (Halal), BPOM (MD/ML)."
)


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


def product_id(value: int | str) -> int:
    """A product id as sent: ASCII digits only (never `١`), else refused."""
    number = value if isinstance(value, int) else as_whole(value)
    if number is None:
        raise ValueError(value)
    return number


class ProductTicksForm(BaseForm):
    """Products ticked on a shop's certificate: the view sets the choices
    (the member's products, or those the member ticked); a value not among
    them is refused with a message, never looked up."""

    products = SelectMultipleField("Produk", coerce=product_id)
    submit = SubmitField("Simpan")
