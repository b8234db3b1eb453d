"""Forms of a member's listing management. Every message speaks Indonesian:
WTForms' defaults are English. Numbers are written the Indonesian way:
`15.000` is fifteen thousand rupiah, and there are no sen."""

import re
from collections.abc import Sequence

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from marketplace.catalog.models import Category, ProductStatus
from marketplace.catalog.services import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_PRICE,
    MAX_STOCK,
    MAX_UNIT,
    MAX_VARIANT_NAME,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
    VariantChange,
    VariantInput,
)
from marketplace.core.money import format_rupiah

STATUS_LABELS = {
    ProductStatus.DRAFT: "Draf",
    ProductStatus.ACTIVE: "Aktif",
    ProductStatus.ARCHIVED: "Arsip",
}
_PLAIN = re.compile(r"\d+")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_NO_SEN = re.compile(r",0{1,2}$")
_CURRENCY = re.compile(r"^rp\.?", re.IGNORECASE)
MAX_DIGITS = 15


def parse_whole(text: str, *, what: str = "Angka", example: str = "25") -> int | None:
    """`"1.250"` -> 1250; empty -> None; anything else raises ValueError
    with a message for the member."""
    cleaned = re.sub(r"[\s\u00a0]", "", text or "")
    if not cleaned:
        return None
    if cleaned.startswith("-"):
        raise ValueError(f"{what} tidak boleh negatif.")
    cleaned = _NO_SEN.sub("", cleaned)
    if len(cleaned) <= MAX_DIGITS + 4 and (
        _PLAIN.fullmatch(cleaned) or _THOUSANDS.fullmatch(cleaned)
    ):
        digits = cleaned.replace(".", "")
        if len(digits) <= MAX_DIGITS:
            return int(digits)
        raise ValueError(f"{what} terlalu besar.")
    raise ValueError(f"{what} harus bilangan bulat, misalnya {example}.")


def parse_rupiah(text: str, *, what: str = "Harga") -> int | None:
    """`"Rp15.000"`, `"15.000"`, `"15000"` -> 15000. Sen are refused."""
    cleaned = _CURRENCY.sub("", (text or "").strip())
    return parse_whole(cleaned, what=what, example="15000 atau 15.000")


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class WholeNumberField(StringField):
    """A whole number typed with or without thousand dots; shown back as typed."""

    def __init__(self, *args, what: str = "Angka", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.what = what

    def parse(self, text: str) -> int | None:
        return parse_whole(text, what=self.what)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if valuelist:
            self.data = self.parse(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.format(self.data)

    def format(self, number: int) -> str:
        return str(number)


class RupiahField(WholeNumberField):
    def parse(self, text: str) -> int | None:
        return parse_rupiah(text, what=self.what)

    def format(self, number: int) -> str:
        return thousands(number)


def _id_or_none(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or len(str(value)) > 10:
        raise ValueError("Data formulir tidak dikenali. Muat ulang halaman.")
    return int(value)


class IdField(HiddenField):
    """A hidden id: a whole number or nothing."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if valuelist:
            self.data = _id_or_none(valuelist[0])


def _choice_field(label: str, **kwargs) -> SelectField:
    return SelectField(
        label,
        invalid_choice_message="Pilih salah satu pilihan yang ada.",
        invalid_value_message="Pilih salah satu pilihan yang ada.",
        **kwargs,
    )


def _readable(form: Form, field: WholeNumberField) -> None:
    """Stop at the parse error ("harus bilangan bulat") without adding more."""
    if field.process_errors:
        raise StopValidation()


PRICE = [
    _readable,
    InputRequired(message="Isi harga."),
    NumberRange(min=1, max=MAX_PRICE, message=f"Harga antara Rp1 dan {format_rupiah(MAX_PRICE)}."),
]
STOCK = [
    _readable,
    InputRequired(message="Isi stok (0 bila habis)."),
    NumberRange(min=0, max=MAX_STOCK, message=f"Stok antara 0 dan {thousands(MAX_STOCK)}."),
]


def category_choices(categories: Sequence[Category]) -> list[SelectChoice]:
    return [SelectChoice(category.id, category.name) for category in categories]


class VariantForm(Form):
    """One variant row of the product form (no CSRF of its own)."""

    variant_id = IdField()
    stock_seen = IdField()
    name = StringField(
        "Nama varian",
        filters=[lambda value: " ".join(value.split()) if value else value],
        validators=[
            Length(max=MAX_VARIANT_NAME, message=f"Paling panjang {MAX_VARIANT_NAME} karakter.")
        ],
    )
    price = RupiahField("Harga (Rp)", what="Harga", validators=PRICE)
    stock = WholeNumberField("Stok", what="Stok", validators=STOCK)

    def is_blank(self) -> bool:
        """A row added and left empty: ignored rather than refused."""
        return self.variant_id.data is None and not any(
            (field.raw_data or [""])[0].strip() for field in (self.name, self.price, self.stock)
        )

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class ProductForm(FlaskForm):
    name = StringField(
        "Nama produk",
        validators=[
            DataRequired(message="Isi nama produk."),
            Length(max=MAX_NAME, message=f"Nama produk paling panjang {MAX_NAME} karakter."),
        ],
    )
    category_id = _choice_field("Kategori", coerce=int)
    description = TextAreaField(
        "Deskripsi",
        description=(
            "Ceritakan bahan, rasa, ukuran, cara simpan. Baris baru tetap seperti yang Anda tulis."
        ),
        validators=[
            Optional(),
            Length(
                max=MAX_DESCRIPTION,
                message=f"Deskripsi paling panjang {MAX_DESCRIPTION} karakter.",
            ),
        ],
    )
    unit = StringField(
        "Satuan",
        default="pcs",
        description="Contoh: bungkus, botol, kg, lembar.",
        validators=[
            DataRequired(message="Isi satuan, misalnya bungkus."),
            Length(max=MAX_UNIT, message=f"Satuan paling panjang {MAX_UNIT} karakter."),
        ],
    )
    weight_grams = WholeNumberField(
        "Berat (gram)",
        what="Berat",
        description="Per satuan, dengan kemasan. Boleh kosong.",
        validators=[
            _readable,
            Optional(),
            NumberRange(
                min=1,
                max=MAX_WEIGHT_GRAMS,
                message=f"Berat antara 1 dan {thousands(MAX_WEIGHT_GRAMS)} gram.",
            ),
        ],
    )
    status = _choice_field(
        "Status",
        choices=[
            SelectChoice(ProductStatus.DRAFT.value, "Draf — belum tampil di toko"),
            SelectChoice(ProductStatus.ACTIVE.value, "Aktif — tampil di toko"),
        ],
        default=ProductStatus.DRAFT.value,
    )
    variants = FieldList(FormField(VariantForm), min_entries=1, max_entries=MAX_VARIANTS + 1)
    submit = SubmitField("Simpan produk")

    def variant_inputs(self) -> list[VariantInput]:
        return [
            VariantInput(
                id=row.variant_id.data,
                name=row.form.name.data or "",
                price=row.price.data,
                stock=row.stock.data,
                stock_seen=row.stock_seen.data,
            )
            for row in self.variants
            if not row.form.is_blank()
        ]

    def fill_variants(self, variants) -> None:
        while self.variants.entries:
            self.variants.pop_entry()
        for variant in variants:
            self.variants.append_entry(
                {
                    "variant_id": variant.id,
                    "stock_seen": variant.stock,
                    "name": variant.name,
                    "price": variant.price,
                    "stock": variant.stock,
                }
            )


class BulkRowForm(Form):
    variant_id = IdField()
    stock_seen = IdField()
    price = RupiahField("Harga", what="Harga", validators=PRICE)
    stock = WholeNumberField("Stok", what="Stok", validators=STOCK)


class BulkUpdateForm(FlaskForm):
    rows = FieldList(FormField(BulkRowForm))
    submit = SubmitField("Simpan semua")

    def fill(self, variants) -> None:
        for variant in variants:
            self.rows.append_entry(
                {
                    "variant_id": variant.id,
                    "stock_seen": variant.stock,
                    "price": variant.price,
                    "stock": variant.stock,
                }
            )

    def variant_ids(self) -> list[int | None]:
        return [row.variant_id.data for row in self.rows]

    def changes(self) -> list[VariantChange]:
        return [
            VariantChange(
                variant_id=row.variant_id.data,
                price=row.price.data,
                stock=row.stock.data,
                stock_seen=row.stock_seen.data,
            )
            for row in self.rows
        ]


class PhotoUploadForm(FlaskForm):
    photos = MultipleFileField(
        "Tambah foto",
        description="JPEG, PNG atau WebP. Bisa pilih beberapa sekaligus.",
        validators=[FileRequired(message="Pilih setidaknya satu foto.")],
    )
    upload = SubmitField("Unggah foto")


class PhotoMoveForm(FlaskForm):
    direction = _choice_field(
        "Arah", choices=[SelectChoice("naik", "Maju"), SelectChoice("turun", "Mundur")]
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ImportForm(FlaskForm):
    file = FileField(
        "Berkas CSV",
        description="Simpan dari Excel atau Google Sheets sebagai CSV (UTF-8).",
        validators=[FileRequired(message="Pilih berkas CSV.")],
    )
    submit = SubmitField("Periksa dan impor")

