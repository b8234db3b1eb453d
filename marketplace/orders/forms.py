"""Forms of the cart, checkout, the member's fulfilment pages and reviews."""

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from marketplace.catalog.models import REVIEW_REASON_LENGTH, REVIEW_REPLY_LENGTH, REVIEW_TEXT_LENGTH
from marketplace.core.forms import BaseForm, IntegerField, RupiahField, choice_id
from marketplace.core.whatsapp import WhatsappField
from marketplace.orders.cart import MAX_QUANTITY
from marketplace.orders.fulfilment import REASON_LENGTH
from marketplace.orders.status import PAYMENT_METHOD_LABELS, PaymentMethod


class CartAddForm(BaseForm):
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


class CartUpdateForm(BaseForm):
    variant_id = IntegerField(validators=[InputRequired()])
    quantity = IntegerField(
        "Jumlah",
        validators=[
            InputRequired("Isi jumlah."),
            NumberRange(0, MAX_QUANTITY, f"Jumlah harus antara 0 dan {MAX_QUANTITY}."),
        ],
    )


class CartAcceptPricesForm(BaseForm):
    pass


class OrderCancelForm(BaseForm):
    pass


class CardPayForm(BaseForm):
    """Go (again) to Stripe's page to pay a card order."""


class CheckoutForm(BaseForm):
    name = StringField(
        "Nama penerima", validators=[InputRequired("Isi nama penerima."), Length(max=120)]
    )
    whatsapp = WhatsappField(
        "Nomor WhatsApp",
        description="Penjual menghubungi Anda lewat nomor ini. Contoh: 0812 3456 7890.",
        validators=[InputRequired("Isi nomor WhatsApp."), Length(max=20)],
    )
    address = TextAreaField(
        "Alamat lengkap",
        description="Jalan, nomor rumah, RT/RW, patokan.",
        validators=[InputRequired("Isi alamat."), Length(max=255)],
    )
    kecamatan = SelectField(
        "Kecamatan", coerce=choice_id, validators=[InputRequired("Pilih kecamatan.")]
    )
    desa = StringField(
        "Desa/kelurahan", validators=[InputRequired("Isi desa/kelurahan."), Length(max=80)]
    )
    payment_method = RadioField(
        "Cara pembayaran",
        choices=[
            SelectChoice(
                PaymentMethod.BANK_TRANSFER.value,
                PAYMENT_METHOD_LABELS[PaymentMethod.BANK_TRANSFER],
            )
        ],
        default=PaymentMethod.BANK_TRANSFER.value,
        # The view adds cash when the cart allows it; place_order refuses the rest in words.
        validate_choice=False,
        validators=[InputRequired("Pilih cara pembayaran.")],
    )
    idempotency_key = HiddenField()
    # The total of goods and delivery the page showed (Quote.total), rendered
    # inside the summary so that a recount updates it too.
    total_seen = HiddenField()


# --- the member's fulfilment pages ----------------------------------------------------


class PartAdvanceForm(BaseForm):
    """Start preparing a part, or send it / make it ready: only the CSRF token."""


class PartCompleteForm(BaseForm):
    # Only cash orders show it; the service checks it equals the part's total.
    cash_received = RupiahField(
        "Uang tunai diterima",
        what="Uang tunai",
        description="Jumlah yang Anda terima dari pembeli saat serah terima.",
        render_kw={"inputmode": "numeric"},
    )


class PartCancelForm(BaseForm):
    reason = TextAreaField(
        "Alasan pembatalan",
        description="Dikirim ke pembeli. Contoh: stok habis, bahan baku tidak tersedia.",
        validators=[
            DataRequired("Tulis alasan pembatalan untuk pembeli."),
            Length(max=REASON_LENGTH, message=f"Alasan paling panjang {REASON_LENGTH} huruf."),
        ],
    )
    restock = BooleanField(
        "Kembalikan jumlahnya ke stok",
        default=True,
        description="Hilangkan centang bila barangnya memang habis.",
    )


class ReviewForm(BaseForm):
    """A buyer's stars and words on one line of a completed order."""

    rating = RadioField(
        "Nilai",
        choices=[SelectChoice(str(stars), "★" * stars) for stars in range(5, 0, -1)],
        validators=[InputRequired("Pilih bintang 1 sampai 5.")],
    )
    text = TextAreaField(
        "Ulasan (boleh kosong)",
        validators=[
            Length(
                max=REVIEW_TEXT_LENGTH,
                message=f"Ulasan paling panjang {REVIEW_TEXT_LENGTH} karakter.",
            )
        ],
    )
    photos = MultipleFileField("Foto (boleh kosong, paling banyak 3)")


class ReviewReplyForm(BaseForm):
    """The member's one public reply under a review."""

    text = TextAreaField(
        "Balasan",
        validators=[
            DataRequired("Tulis balasan Anda."),
            Length(
                max=REVIEW_REPLY_LENGTH,
                message=f"Balasan paling panjang {REVIEW_REPLY_LENGTH} karakter.",
            ),
        ],
    )


class ReviewReportForm(BaseForm):
    """Anyone logged in tells the admin that a review is abusive."""

    reason = TextAreaField(
        "Apa yang salah dengan ulasan ini?",
        validators=[
            Length(
                max=REVIEW_REASON_LENGTH,
                message=f"Alasan paling panjang {REVIEW_REASON_LENGTH} karakter.",
            )
        ],
    )
