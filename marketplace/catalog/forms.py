"""Forms of a member's listing management. Numbers are written the
Indonesian way (`15.000` is fifteen thousand rupiah, and there are no sen)
and read by core.forms' number fields."""

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    FormField,
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
from marketplace.core.forms import (
    BaseForm,
    FieldList,
    IdField,
    PlainForm,
    RupiahField,
    WholeNumberField,
    choice_id,
    readable,
)
from marketplace.core.money import format_rupiah, thousands
from marketplace.core.numbers import as_whole

STATUS_LABELS = {
    ProductStatus.DRAFT: "Draf",
    ProductStatus.ACTIVE: "Aktif",
    ProductStatus.ARCHIVED: "Arsip",
}
PRICE = [
    readable,
    InputRequired(message="Isi harga."),
    NumberRange(min=1, max=MAX_PRICE, message=f"Harga antara Rp1 dan {format_rupiah(MAX_PRICE)}."),
]
STOCK = [
    readable,
    InputRequired(message="Isi stok (0 bila habis)."),
    NumberRange(min=0, max=MAX_STOCK, message=f"Stok antara 0 dan {thousands(MAX_STOCK)}."),
]


def category_choices(categories: Sequence[Category]) -> list[SelectChoice]:
    return [SelectChoice(category.id, category.name) for category in categories]


class VariantForm(PlainForm):
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


class ProductForm(BaseForm):
    name = StringField(
        "Nama produk",
        validators=[
            DataRequired(message="Isi nama produk."),
            Length(max=MAX_NAME, message=f"Nama produk paling panjang {MAX_NAME} karakter."),
        ],
    )
    category_id = SelectField("Kategori", coerce=choice_id)
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
            readable,
            Optional(),
            NumberRange(
                min=1,
                max=MAX_WEIGHT_GRAMS,
                message=f"Berat antara 1 dan {thousands(MAX_WEIGHT_GRAMS)} gram.",
            ),
        ],
    )
    status = SelectField(
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

    def product_values(self, category: Category) -> dict[str, Any]:
        """The keyword arguments of services.create_product / update_product."""
        return {
            "category": category,
            "name": self.name.data,
            "description": self.description.data or "",
            "unit": self.unit.data,
            "weight_grams": self.weight_grams.data,
            "status": ProductStatus(self.status.data),
            "variants": self.variant_inputs(),
        }

    def rows_changed(self, submitted: Mapping[str, str]) -> bool:
        """Adding or removing a variant row without JavaScript (the form's
        "+ Tambah varian" and "Hapus" buttons): re-render only, save nothing."""
        if "tambah_varian" in submitted:
            if len(self.variants) < MAX_VARIANTS:
                self.variants.append_entry()
            return True
        remove = as_whole(submitted.get("hapus_varian", ""))
        if remove is not None:
            kept = [row.data for i, row in enumerate(self.variants) if i != remove]
            if kept:
                while self.variants.entries:
                    self.variants.pop_entry()
                for data in kept:
                    self.variants.append_entry(data)
            return True
        return False

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


class ProductCreateForm(ProductForm):
    """A new product with its first photos, chosen in the same step."""

    photos = MultipleFileField(
        "Foto",
        description=(
            "Boleh sekarang atau nanti. JPEG, PNG atau WebP, paling banyak 8; "
            "foto pertama menjadi sampul."
        ),
    )


class BulkRowForm(PlainForm):
    variant_id = IdField()
    stock_seen = IdField()
    price = RupiahField("Harga", what="Harga", validators=PRICE)
    stock = WholeNumberField("Stok", what="Stok", validators=STOCK)


class BulkUpdateForm(BaseForm):
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


class PhotoUploadForm(BaseForm):
    photos = MultipleFileField(
        "Tambah foto",
        description="JPEG, PNG atau WebP. Bisa pilih beberapa sekaligus.",
        validators=[FileRequired(message="Pilih setidaknya satu foto.")],
    )
    upload = SubmitField("Unggah foto")


class PhotoMoveForm(BaseForm):
    direction = SelectField(
        "Arah", choices=[SelectChoice("naik", "Maju"), SelectChoice("turun", "Mundur")]
    )


class ActionForm(BaseForm):
    """A button that changes something: only the CSRF token."""


class ImportForm(BaseForm):
    file = FileField(
        "Berkas CSV",
        description="Simpan dari Excel atau Google Sheets sebagai CSV (UTF-8).",
        validators=[FileRequired(message="Pilih berkas CSV.")],
    )
    submit = SubmitField("Periksa dan impor")
