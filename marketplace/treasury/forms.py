"""The treasurer's forms. Amounts are typed the Indonesian way (`115.123`,
`Rp115.123`) and read by core.money's rupiah parser."""

from datetime import date

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from marketplace.core.forms import UNKNOWN_FORM_DATA, BaseForm, FieldList, PlainForm, RupiahField
from marketplace.core.money import format_rupiah, parse_rupiah
from marketplace.orders.fulfilment import REASON_LENGTH
from marketplace.treasury.services import MAX_LINES as ADJUSTMENT_LINES
from marketplace.treasury.services import REASON_MAX as ADJUSTMENT_REASON_MAX
from marketplace.treasury.services import REASON_MIN as ADJUSTMENT_REASON_MIN

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


# --- the books: month close and corrections ---------------------------------------


class MonthCloseForm(BaseForm):
    """The treasurer confirms the month the page showed (`month`, YYYY-MM):
    a page left open while someone else closed it cannot close another month."""

    month = HiddenField(validators=[Regexp(r"\d{4}-\d{2}", message=UNKNOWN_FORM_DATA)])
    checked = BooleanField(
        "Saya sudah memeriksa neraca saldo bulan ini",
        validators=[InputRequired("Centang dahulu bahwa Anda sudah memeriksa neraca saldo.")],
    )
    submit = SubmitField("Tutup buku")

    def chosen_month(self) -> date | None:
        try:
            return date.fromisoformat(f"{self.month.data}-01")
        except (TypeError, ValueError):
            return None


def _one_side(form: Form, field: RupiahField) -> None:
    if field.process_errors:
        raise StopValidation()
    if field.data is not None and field.data <= 0:
        raise StopValidation("Jumlah harus lebih dari Rp0.")


class AdjustmentLineForm(PlainForm):
    """One line of an adjustment: an account and its debit or its credit."""

    account = SelectField("Akun", choices=[], validate_choice=False)
    debit = RupiahField("Debit", validators=[_one_side])
    credit = RupiahField("Kredit", validators=[_one_side])

    @property
    def is_blank(self) -> bool:
        return not self.account.data and self.debit.data is None and self.credit.data is None


class AdjustmentForm(BaseForm):
    """A manual adjustment: up to ADJUSTMENT_LINES lines and the reason. The
    preview hands out `token`; confirming sends it back with the same lines."""

    lines = FieldList(
        FormField(AdjustmentLineForm),
        min_entries=ADJUSTMENT_LINES,
        max_entries=ADJUSTMENT_LINES,
    )
    reason = TextAreaField(
        "Alasan penyesuaian",
        description="Wajib: apa yang dikoreksi dan mengapa, misalnya nomor mutasi bank.",
        validators=[
            InputRequired("Tuliskan alasan penyesuaian."),
            Length(
                min=ADJUSTMENT_REASON_MIN,
                max=ADJUSTMENT_REASON_MAX,
                message=(
                    f"Alasan {ADJUSTMENT_REASON_MIN} sampai {ADJUSTMENT_REASON_MAX} karakter."
                ),
            ),
        ],
    )
    token = HiddenField(validators=[Optional(), Regexp(r"[A-Za-z0-9_-]{16,64}")])

    def offer(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """The accounts each line's select offers, in groups."""
        choices = [SelectChoice("", "— pilih akun —")] + [
            SelectChoice(code, label, optgroup=group)
            for group, options in groups
            for code, label in options
        ]
        self.allowed = {code for _, options in groups for code, _ in options}
        for line in self.lines:
            line.account.choices = choices

    def validate_lines(self, field: FieldList) -> None:
        used = 0
        for line in field:
            form = line.form
            if form.is_blank:
                continue
            used += 1
            if not form.account.data:
                form.account.errors.append("Pilih akun untuk baris ini.")
            elif form.account.data not in getattr(self, "allowed", set()):
                form.account.errors.append("Akun ini tidak boleh disesuaikan dengan tangan.")
            if form.debit.data is None and form.credit.data is None:
                if not form.debit.errors and not form.credit.errors:
                    form.debit.errors.append("Isi jumlah debit atau kredit.")
            elif form.debit.data is not None and form.credit.data is not None:
                form.credit.errors.append("Isi debit atau kredit saja, tidak keduanya.")
        if any(line.form.errors for line in field):
            raise ValidationError("Periksa baris yang ditandai.")
        if used < 2:
            raise ValidationError("Isi paling sedikit dua baris dengan akun yang berbeda.")
        if self.total_debit() != self.total_credit():
            difference = abs(self.total_debit() - self.total_credit())
            raise ValidationError(
                f"Debit dan kredit belum seimbang: selisih {format_rupiah(difference)}."
            )

    def filled(self) -> list:
        return [line.form for line in self.lines if not line.form.is_blank]

    def entries(self) -> list[tuple[str, int]]:
        """(account, signed amount): debit positive, credit negative."""
        return [
            (line.account.data, line.debit.data if line.debit.data else -line.credit.data)
            for line in self.filled()
        ]

    def total_debit(self) -> int:
        return sum(line.debit.data or 0 for line in self.filled())

    def total_credit(self) -> int:
        return sum(line.credit.data or 0 for line in self.filled())


class ReversalForm(BaseForm):
    reason = TextAreaField(
        "Alasan pembalikan",
        description="Wajib: mengapa transaksi ini dibatalkan di buku besar.",
        validators=[
            InputRequired("Tuliskan alasan pembalikan."),
            Length(
                min=ADJUSTMENT_REASON_MIN,
                max=ADJUSTMENT_REASON_MAX,
                message=(
                    f"Alasan {ADJUSTMENT_REASON_MIN} sampai {ADJUSTMENT_REASON_MAX} karakter."
                ),
            ),
        ],
    )
    submit = SubmitField("Balik transaksi ini")


class PeriodForm(PlainForm):
    """The report's period picker (GET, no CSRF): a month, a range of months
    or a year, read by treasury.reports.parse_period, which says what is
    wrong. (The page's three small forms each send their own fields, with
    the tab and the sort as hidden inputs, so a new period keeps them.)"""

    bulan = StringField("Bulan")
    dari = StringField("Dari bulan")
    sampai = StringField("Sampai bulan")
    tahun = StringField("Tahun")


class CardActionForm(BaseForm):
    """Only the CSRF token: the treasurer asks Stripe about a card order
    ("Periksa ke Stripe") or for its fee again ("Coba lagi biaya Stripe")."""


STATEMENT_MAX_BYTES = 2 * 1024 * 1024  # a year of the association's account is far less


class StatementUploadForm(BaseForm):
    """The bank's account statement, as CSV (treasury.statement says which layouts)."""

    statement = FileField(
        "Berkas mutasi rekening (CSV)",
        description="Unduh mutasi rekening dari internet banking sebagai CSV, lalu unggah di sini.",
        validators=[
            FileRequired(message="Pilih berkas mutasi rekening (CSV)."),
            FileAllowed(["csv", "txt"], message="Berkas mutasi harus CSV (.csv atau .txt)."),
            FileSize(
                STATEMENT_MAX_BYTES,
                message="Berkas mutasi paling besar 2 MB. Unggah per bulan.",
            ),
        ],
    )
    submit = SubmitField("Unggah dan cocokkan")


class StatementConfirmForm(BaseForm):
    """Only the CSRF token: confirm one matched credit, or all of them."""
