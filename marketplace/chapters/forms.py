"""The chapter officer's form, and the admin's appointment form. Every
message speaks Indonesian."""

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.catalog.forms import ProductForm
from marketplace.chapters.models import VERDICT_LABELS, Verdict
from marketplace.chapters.services import REASON_LIMIT
from marketplace.core.forms import BaseForm, IdField, RupiahField, WholeNumberField


class RecommendationForm(BaseForm):
    verdict = RadioField(
        "Saran",
        choices=[SelectChoice(verdict.value, VERDICT_LABELS[verdict]) for verdict in Verdict],
        validators=[InputRequired(message="Pilih setujui atau tolak.")],
    )
    reason = TextAreaField(
        "Alasan (dibaca pengurus kabupaten)",
        validators=[
            DataRequired(message="Tuliskan alasannya."),
            Length(max=REASON_LIMIT, message=f"Alasan paling panjang {REASON_LIMIT} karakter."),
        ],
    )
    submit = SubmitField("Kirim")


class AppointForm(BaseForm):
    email = EmailField(
        "Email akun pengurus",
        validators=[
            DataRequired(message="Tuliskan email akun yang akan diangkat."),
            Length(max=254, message="Email paling panjang 254 karakter."),
        ],
    )
    kecamatan = SelectField("Kecamatan", coerce=str)
    submit = SubmitField("Angkat menjadi pengurus")


class AssistedProductForm(BaseForm):
    """A simple listing an officer makes for a member: one variant."""

    name = StringField(
        "Nama produk",
        validators=[
            DataRequired(message="Tuliskan nama produknya."),
            Length(max=160, message="Nama paling panjang 160 karakter."),
        ],
    )
    category_id = SelectField("Kategori", coerce=int)
    description = TextAreaField(
        "Keterangan", validators=[Length(max=5000, message="Keterangan terlalu panjang.")]
    )
    unit = StringField(
        "Satuan",
        default="pcs",
        validators=[
            DataRequired(message="Tuliskan satuannya."),
            Length(max=30, message="Satuan paling panjang 30 karakter."),
        ],
    )
    price = RupiahField("Harga", validators=[InputRequired(message="Tuliskan harganya.")])
    stock = WholeNumberField("Stok", validators=[InputRequired(message="Tuliskan stoknya.")])
    publish = BooleanField("Langsung tampilkan di pasar")
    submit = SubmitField("Simpan produk")


class AssistedStockForm(BaseForm):
    variant_id = IdField()
    stock = WholeNumberField("Stok", validators=[InputRequired(message="Tuliskan stoknya.")])
    submit = SubmitField("Ubah stok")


class AssistedEditForm(ProductForm):
    """The member's own product form, with photos to add in the same save."""

    photos = MultipleFileField(
        "Tambah foto",
        description="Boleh kosong. JPEG, PNG atau WebP; masuk setelah foto yang sudah ada.",
    )
