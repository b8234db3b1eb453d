"""The admin's forms. Every message speaks Indonesian."""

import re
from datetime import date

from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.audit.models import AuditAction
from marketplace.audit.queries import ACTOR_LENGTH, AuditFilter
from marketplace.core.forms import BaseForm, PlainForm
from marketplace.core.money import BPS_WHOLE

REASON_LENGTH = 1000
_PERCENT = re.compile(r"([0-9]+)(?:[,.]([0-9]+))?")


class DecisionForm(BaseForm):
    """A decision on a membership or a certificate, with its reason (required
    by the service where the decision needs one)."""

    reason = TextAreaField(
        "Alasan",
        validators=[
            Length(max=REASON_LENGTH, message=f"Alasan paling panjang {REASON_LENGTH} karakter.")
        ],
    )
    submit = SubmitField("Simpan")


def parse_percent(text: str) -> int | None:
    """A percentage as people type it, in basis points: `5` -> 500,
    `2,5` -> 250, `2.25 %` -> 225; empty -> None. Anything else raises
    ValueError with a message for the admin."""
    cleaned = re.sub(r"[\s\u00a0]", "", text or "").removesuffix("%")
    if not cleaned:
        return None
    if cleaned.startswith("-"):
        raise ValueError("Komisi tidak boleh negatif.")
    match = _PERCENT.fullmatch(cleaned)
    if not match:
        raise ValueError("Tulis komisi dalam persen, misalnya 5 atau 2,5.")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > 2:
        raise ValueError("Paling banyak dua angka di belakang koma, misalnya 2,25.")
    if len(whole) > 3 or int(whole) * 100 + int(fraction.ljust(2, "0")) > BPS_WHOLE:
        raise ValueError("Komisi paling besar 100 %.")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def percent(bps: int) -> str:
    """Basis points as an Indonesian percentage, without the sign: 250 -> `2,5`."""
    whole, rest = divmod(bps, 100)
    return f"{whole},{rest:02d}".rstrip("0") if rest else str(whole)


class PercentField(StringField):
    """A rate typed in percent and kept in basis points; empty is None."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if valuelist:
            self.data = parse_percent(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else percent(self.data)


class CommissionRateForm(BaseForm):
    """Set a commission rate, or clear it with an empty box."""

    rate = PercentField("Komisi (%)")
    submit = SubmitField("Simpan")


# --- the audit log -------------------------------------------------------------------

FIRST_AUDIT_DAY = date(2000, 1, 1)
LAST_AUDIT_DAY = date(2100, 12, 31)


def _plausible_day(form, field: DateField) -> None:
    if field.data is not None and not FIRST_AUDIT_DAY <= field.data <= LAST_AUDIT_DAY:
        raise ValidationError("Tanggal harus antara tahun 2000 dan 2100.")


class AuditFilterForm(PlainForm):
    """The audit log's filters, read from the query string (no CSRF)."""

    aksi = SelectField(
        "Aksi",
        choices=[SelectChoice("", "Semua aksi")]
        + [SelectChoice(action.value, action.label) for action in AuditAction],
        validators=[Optional()],
    )
    pelaku = StringField(
        "Email pelaku berisi",
        validators=[Optional(), Length(max=ACTOR_LENGTH)],
        filters=[lambda text: text.strip() if text else text],
    )
    dari = DateField("Dari tanggal", validators=[Optional(), _plausible_day])
    sampai = DateField("Sampai tanggal", validators=[Optional(), _plausible_day])

    def validate_sampai(self, field: DateField) -> None:
        if field.data and self.dari.data and field.data < self.dari.data:
            raise ValidationError("Tanggal akhir tidak boleh sebelum tanggal awal.")

    def chosen(self) -> AuditFilter:
        return AuditFilter(
            action=AuditAction(self.aksi.data) if self.aksi.data else None,
            actor=self.pelaku.data or None,
            since=self.dari.data,
            until=self.sampai.data,
        )


class ReviewHideForm(BaseForm):
    """An admin hides an abusive review, saying why (kept on the review)."""

    reason = TextAreaField(
        "Alasan disembunyikan",
        validators=[
            DataRequired("Tulis alasan ulasan ini disembunyikan."),
            Length(max=REASON_LENGTH, message=f"Alasan paling panjang {REASON_LENGTH} karakter."),
        ],
    )
