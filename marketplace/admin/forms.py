"""The admin's forms. Every message speaks Indonesian."""

import re

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from marketplace.core.forms import BaseForm
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
