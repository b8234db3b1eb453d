"""The chapter officer's form, and the admin's appointment form. Every
message speaks Indonesian."""

from wtforms import EmailField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.chapters.models import VERDICT_LABELS, Verdict
from marketplace.chapters.services import REASON_LIMIT
from marketplace.core.forms import BaseForm


class RecommendationForm(BaseForm):
    verdict = RadioField(
        "Saran",
        choices=[SelectChoice(verdict.value, VERDICT_LABELS[verdict]) for verdict in Verdict],
        validators=[InputRequired(message="Pilih setujui atau tolak.")],
    )
    reason = TextAreaField(
        "Alasan (dibaca pengurus kabupaten)",
        validators=[
            DataRequired(message="Tuliskan alasannya."),
            Length(max=REASON_LIMIT, message=f"Alasan paling panjang {REASON_LIMIT} karakter."),
        ],
    )
    submit = SubmitField("Kirim")


class AppointForm(BaseForm):
    email = EmailField(
        "Email akun pengurus",
        validators=[
            DataRequired(message="Tuliskan email akun yang akan diangkat."),
            Length(max=254, message="Email paling panjang 254 karakter."),
        ],
    )
    kecamatan = SelectField("Kecamatan", coerce=str)
    submit = SubmitField("Angkat menjadi pengurus")
