"""Forms of the cart and checkout."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from marketplace.orders.cart import MAX_QUANTITY
from marketplace.orders.models import PaymentMethod


class CartAddForm(FlaskForm):
    """Posted from the cached product page, without a CSRF token (see views)."""

    class Meta:
        csrf = False

    variant_id = IntegerField(validators=[InputRequired("Pilih varian.")])
    quantity = IntegerField(
        "Jumlah",
        default=1,
        validators=[
            InputRequired("Isi jumlah."),
            NumberRange(1, MAX_QUANTITY, f"Jumlah harus antara 1 dan {MAX_QUANTITY}."),
        ],
    )


class CartUpdateForm(FlaskForm):
    variant_id = IntegerField(validators=[InputRequired()])
    quantity = IntegerField(
        "Jumlah",
        validators=[
            InputRequired("Isi jumlah."),
            NumberRange(0, MAX_QUANTITY, f"Jumlah harus antara 0 dan {MAX_QUANTITY}."),
        ],
    )


class CartAcceptPricesForm(FlaskForm):
    pass


class OrderCancelForm(FlaskForm):
    pass


class CheckoutForm(FlaskForm):
    name = StringField(
        "Nama penerima", validators=[InputRequired("Isi nama penerima."), Length(max=120)]
    )
    whatsapp = StringField(
        "Nomor WhatsApp",
        description="Penjual menghubungi Anda lewat nomor ini. Contoh: 0812 3456 7890.",
        validators=[InputRequired("Isi nomor WhatsApp."), Length(max=20)],
    )
    address = TextAreaField(
        "Alamat lengkap",
        description="Jalan, nomor rumah, RT/RW, patokan.",
        validators=[InputRequired("Isi alamat."), Length(max=255)],
    )
    kecamatan = SelectField("Kecamatan", coerce=int, validators=[InputRequired("Pilih kecamatan.")])
    desa = StringField(
        "Desa/kelurahan", validators=[InputRequired("Isi desa/kelurahan."), Length(max=80)]
    )
    payment_method = RadioField(
        "Cara pembayaran",
        choices=[SelectChoice(PaymentMethod.BANK_TRANSFER.value, "Transfer bank")],
        default=PaymentMethod.BANK_TRANSFER.value,
        validators=[InputRequired("Pilih cara pembayaran.")],
    )
    idempotency_key = HiddenField()
