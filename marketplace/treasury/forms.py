"""The treasurer's forms. Amounts are typed the Indonesian way (`115.123`,
`Rp115.123`) and read by core.money's rupiah parser."""

from wtforms import Form, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from marketplace.core.forms import BaseForm, PlainForm, RupiahField
from marketplace.core.money import parse_rupiah
from marketplace.orders.fulfilment import REASON_LENGTH

SEARCH_LENGTH = 40


def _amount_received(form: Form, field: RupiahField) -> None:
    if field.process_errors:
        raise StopValidation()  # the parser's message ("harus bilangan bulat") says it
    if field.data is None:
        raise StopValidation("Isi jumlah yang masuk, persis seperti di mutasi rekening.")
    if field.data <= 0:
        raise ValidationError("Jumlah diterima harus lebih dari Rp0.")


class TransferConfirmForm(BaseForm):
    """What the bank statement shows for one order. Not filled in for the
    treasurer: the amount typed is checked against the order's total."""

    amount = RupiahField(
        "Jumlah diterima",
        what="Jumlah",
        description="Tulis persis seperti di mutasi rekening, misalnya 115.123.",
        validators=[_amount_received],
    )
    note = TextAreaField(
        "Catatan (boleh kosong)",
        validators=[
            Length(max=REASON_LENGTH, message=f"Catatan paling panjang {REASON_LENGTH} karakter.")
        ],
    )

    @classmethod
    def for_order(cls, order_id: int, **kwargs) -> "TransferConfirmForm":
        """One form per row of the queue: the prefix keeps their fields apart."""
        return cls(prefix=f"transfer-{order_id}", **kwargs)


class RefundPaidForm(BaseForm):
    """Only the CSRF token: the treasurer says the refund went out."""


class TransferSearchForm(PlainForm):
    """The queue's search box (GET, no CSRF): an order code or an amount."""

    q = StringField(
        "Cari kode pesanan atau jumlah",
        validators=[Length(max=SEARCH_LENGTH)],
    )

    def terms(self) -> tuple[str | None, int | None]:
        """(code, amount): `PA-7KQ2MX` or `7kq2mx` is a code; `115.123` or
        `Rp115.123` is also an amount. Nothing usable gives (None, None)."""
        text = (self.q.data or "").strip()[:SEARCH_LENGTH]
        if not text:
            return None, None
        try:
            amount = parse_rupiah(text, what="Jumlah")
        except ValueError:
            amount = None
        code = text.upper().replace(" ", "")
        return (code if code.startswith("PA-") else f"PA-{code}"), amount


class PeriodForm(PlainForm):
    """The report's period picker (GET, no CSRF): a month, a range of months
    or a year, read by treasury.reports.parse_period, which says what is
    wrong. (The page's three small forms each send their own fields, with
    the tab and the sort as hidden inputs, so a new period keeps them.)"""

    bulan = StringField("Bulan")
    dari = StringField("Dari bulan")
    sampai = StringField("Sampai bulan")
    tahun = StringField("Tahun")
