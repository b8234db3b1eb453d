"""Membership forms. Every message speaks Indonesian: WTForms' defaults are English."""

import re
from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.accounts.forms import whatsapp_number
from marketplace.extensions import db
from marketplace.members import queries
from marketplace.members.models import Kecamatan, Member
from marketplace.members.services import (
    MAX_DELIVERY_FEE,
    ApplicationDetails,
    MemberError,
    ShopProfile,
    normalise_account_number,
    normalise_nib,
)

# `10000`, `10.000`, `Rp 10.000`, `10.000,00`: whole rupiah with dots for thousands.
RUPIAH_PATTERN = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")
DESCRIPTION_LENGTH = 2000


def parse_rupiah(raw: str) -> int:
    """`Rp 10.000` -> 10000; raises ValueError with a message for the member."""
    text = re.sub(r"\s", "", raw or "")
    if text[:2].lower() == "rp":
        text = text[2:]
    text = text.removesuffix(",00").removesuffix(",-")
    if not RUPIAH_PATTERN.fullmatch(text):
        raise ValueError("Tulis ongkir dalam rupiah utuh, misalnya 10.000.")
    return int(text.replace(".", ""))


def format_thousands(amount: int) -> str:
    """`10000` -> `10.000`, for an input (the `rupiah` filter adds `Rp`)."""
    return f"{amount:,}".replace(",", ".")


def _required(message: str) -> DataRequired:
    return DataRequired(message=message)


def _longest(limit: int) -> Length:
    return Length(max=limit, message=f"Paling panjang {limit} karakter.")


def _checked_by(normalise):
    """A validator from a service's normaliser: tidy the value or say why not."""

    def check(form: Form, field: StringField) -> None:
        try:
            field.data = normalise(field.data or "")
        except MemberError as error:
            raise ValidationError(error.message) from error

    return check


def _kecamatan_chosen(form: Form, field: SelectField) -> None:
    if not field.data:
        raise ValidationError("Pilih kecamatan tempat usaha Anda.")


def _kecamatan_choice(value: object) -> int:
    return int(value) if str(value).isdigit() else 0


class MemberApplyForm(FlaskForm):
    shop_name = StringField(
        "Nama toko atau usaha",
        description="Nama yang dilihat pembeli, misalnya “Keripik Tempe Bu Sri”.",
        validators=[_required("Isi nama toko atau usaha Anda."), _longest(120)],
    )
    owner_name = StringField(
        "Nama pemilik",
        validators=[_required("Isi nama pemilik usaha."), _longest(120)],
    )
    kecamatan_id = SelectField(
        "Kecamatan", coerce=_kecamatan_choice, validate_choice=False,
        validators=[_kecamatan_chosen],
    )
    desa = StringField(
        "Desa atau kelurahan",
        validators=[_required("Isi desa atau kelurahan tempat usaha Anda."), _longest(80)],
    )
    address = StringField(
        "Alamat usaha",
        description="Jalan, RT/RW, atau patokan, supaya pembeli bisa mengambil pesanan.",
        validators=[_required("Isi alamat usaha Anda."), _longest(255)],
    )
    whatsapp = StringField(
        "Nomor WhatsApp usaha",
        description="Contoh: 0812 3456 7890. Pembeli dan pengurus menghubungi Anda di sini.",
        validators=[_required("Isi nomor WhatsApp usaha Anda."), whatsapp_number],
    )
    nib = StringField(
        "NIB (jika ada)",
        description="Nomor Induk Berusaha dari OSS, 13 angka. Boleh dikosongkan.",
        validators=[Optional(), _checked_by(normalise_nib)],
    )
    description = TextAreaField(
        "Cerita usaha Anda",
        description="Apa yang Anda buat, sejak kapan, dan apa istimewanya. Tampil di halaman toko.",
        validators=[_longest(DESCRIPTION_LENGTH)],
    )
    bank_name = StringField(
        "Nama bank",
        description="Untuk menerima hasil penjualan. Contoh: BRI, Bank Jateng, BSI.",
        validators=[_required("Isi nama bank Anda."), _longest(60)],
    )
    bank_account_number = StringField(
        "Nomor rekening",
        validators=[
            _required("Isi nomor rekening Anda."),
            _checked_by(normalise_account_number),
        ],
    )
    bank_account_holder = StringField(
        "Nama pemilik rekening",
        description="Sesuai buku tabungan.",
        validators=[_required("Isi nama pemilik rekening."), _longest(120)],
    )
    submit = SubmitField("Kirim pengajuan")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kecamatan_id.choices = [(0, "Pilih kecamatan…")] + [
            (kecamatan.id, kecamatan.name)
            for kecamatan in db.session.scalars(queries.kecamatan_list())
        ]

    def details(self) -> ApplicationDetails:
        return ApplicationDetails(
            shop_name=self.shop_name.data,
            owner_name=self.owner_name.data,
            kecamatan_id=self.kecamatan_id.data,
            desa=self.desa.data,
            address=self.address.data,
            whatsapp=self.whatsapp.data,
            nib=self.nib.data or None,
            description=self.description.data or "",
            bank_name=self.bank_name.data,
            bank_account_number=self.bank_account_number.data,
            bank_account_holder=self.bank_account_holder.data,
        )


class RupiahField(StringField):
    """Whole rupiah typed with or without dots; shown back as `10.000`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, int):
            return format_thousands(self.data)
        return self.data or ""


def _known_kecamatan(form: Form, field: HiddenField) -> None:
    if not str(field.data or "").isdigit():
        raise ValidationError("Kecamatan tujuan tidak dikenal.")


def _fee_when_delivering(form: Form, field: RupiahField) -> None:
    if not form.delivers.data:
        field.data = None
        return
    if isinstance(field.data, int):
        return
    if not (field.data or "").strip():
        raise ValidationError("Isi ongkirnya (boleh 0 untuk gratis).")
    try:
        field.data = parse_rupiah(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if field.data > MAX_DELIVERY_FEE:
        raise ValidationError(f"Paling banyak {format_thousands(MAX_DELIVERY_FEE)}.")


class DeliveryRateForm(Form):
    """One row of the delivery table: a kecamatan, whether we deliver, the fee."""

    kecamatan_id = HiddenField(validators=[_known_kecamatan])
    delivers = BooleanField("Antar")
    fee = RupiahField("Ongkir", validators=[_fee_when_delivering])


class ShopProfileEditForm(FlaskForm):
    shop_name = StringField(
        "Nama toko",
        description="Alamat halaman toko Anda tetap sama walau namanya diubah.",
        validators=[_required("Isi nama toko."), _longest(120)],
    )
    logo = FileField(
        "Logo toko",
        description="Foto JPEG, PNG, atau WebP, paling besar 8 MB. Kosongkan jika tidak diganti.",
    )
    banner = FileField(
        "Foto sampul (banner)",
        description="Foto lebar untuk bagian atas halaman toko. JPEG, PNG, atau WebP, "
        "paling besar 8 MB.",
    )
    description = TextAreaField(
        "Cerita usaha",
        validators=[_longest(DESCRIPTION_LENGTH)],
    )
    whatsapp = StringField(
        "Nomor WhatsApp",
        description="Contoh: 0812 3456 7890.",
        validators=[_required("Isi nomor WhatsApp toko."), whatsapp_number],
    )
    opening_hours = StringField(
        "Jam buka",
        description="Contoh: Senin–Sabtu 08.00–16.00, Minggu libur.",
        validators=[_longest(255)],
    )
    offers_pickup = BooleanField("Pembeli boleh mengambil pesanan di alamat toko")
    accepts_cash = BooleanField("Terima pembayaran tunai saat ambil/antar")
    delivery = FieldList(FormField(DeliveryRateForm), max_entries=60)
    submit = SubmitField("Simpan profil toko")

    @classmethod
    def for_member(cls, member: Member, kecamatan: Iterable[Kecamatan]) -> "ShopProfileEditForm":
        """The form filled with the shop as it is, one delivery row per kecamatan."""
        fees = {rate.kecamatan_id: rate.fee for rate in member.delivery_rates}
        rows = [
            {"kecamatan_id": str(k.id), "delivers": k.id in fees, "fee": fees.get(k.id)}
            for k in kecamatan
        ]
        return cls(obj=member, delivery=rows)

    def profile(self) -> ShopProfile:
        return ShopProfile(
            shop_name=self.shop_name.data,
            description=self.description.data or "",
            whatsapp=self.whatsapp.data,
            opening_hours=self.opening_hours.data or "",
            offers_pickup=bool(self.offers_pickup.data),
            accepts_cash=bool(self.accepts_cash.data),
            delivery_fees={
                int(row.kecamatan_id.data): row.fee.data
                for row in self.delivery
                if row.delivers.data
            },
        )

    def upload(self, name: str) -> bytes | None:
        """The bytes of the file sent in field `name`, or None when none was chosen."""
        sent = self[name].data
        if sent is None or not getattr(sent, "filename", ""):
            return None
        return sent.read() or None
