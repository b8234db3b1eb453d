"""Membership forms."""

from collections.abc import Iterable

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from marketplace.core.forms import BaseForm, FieldList, IdField, PlainForm, RupiahField
from marketplace.core.money import thousands
from marketplace.core.numbers import as_whole
from marketplace.core.whatsapp import WhatsappField, whatsapp_number
from marketplace.extensions import db
from marketplace.members import queries
from marketplace.members.models import Kecamatan, Member
from marketplace.members.services import (
    ApplicationDetails,
    MemberError,
    normalise_account_number,
    normalise_nib,
)
from marketplace.members.shop import MAX_DELIVERY_FEE, ShopProfile

DESCRIPTION_LENGTH = 2000


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
    return as_whole(value if isinstance(value, int) else str(value)) or 0


class MemberApplyForm(BaseForm):
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
        "Kecamatan",
        coerce=_kecamatan_choice,
        validate_choice=False,
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
    whatsapp = WhatsappField(
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


def _known_kecamatan(form: Form, field: IdField) -> None:
    if field.process_errors or field.data is None:
        field.errors[:] = ["Kecamatan tujuan tidak dikenal."]
        raise StopValidation()


def _fee_when_delivering(form: Form, field: RupiahField) -> None:
    if not form.delivers.data:
        # A fee left in the row of a kecamatan not delivered to is ignored.
        field.data = None
        field.errors.clear()
        raise StopValidation()
    if field.process_errors:
        raise StopValidation()  # the parser's message says why
    if field.data is None:
        raise StopValidation("Isi ongkirnya (boleh 0 untuk gratis).")
    if field.data > MAX_DELIVERY_FEE:
        raise ValidationError(f"Paling banyak {thousands(MAX_DELIVERY_FEE)}.")


class DeliveryRateForm(PlainForm):
    """One row of the delivery table: a kecamatan, whether we deliver, the fee."""

    kecamatan_id = IdField(validators=[_known_kecamatan])
    delivers = BooleanField("Antar")
    fee = RupiahField("Ongkir", what="Ongkir", example="10.000", validators=[_fee_when_delivering])


class ShopProfileEditForm(BaseForm):
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
    whatsapp = WhatsappField(
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
            {"kecamatan_id": k.id, "delivers": k.id in fees, "fee": fees.get(k.id)}
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
                row.kecamatan_id.data: row.fee.data for row in self.delivery if row.delivers.data
            },
        )

    def upload(self, name: str) -> bytes | None:
        """The bytes of the file sent in field `name`, or None when none was chosen."""
        sent = self[name].data
        if sent is None or not getattr(sent, "filename", ""):
            return None
        return sent.read() or None
