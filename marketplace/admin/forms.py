"""The admin's forms. Every message speaks Indonesian."""

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

REASON_LENGTH = 1000


class DecisionForm(FlaskForm):
    """A decision on a membership or a certificate, with its reason (required
    by the service where the decision needs one)."""

    reason = TextAreaField(
        "Alasan",
        validators=[
            Length(max=REASON_LENGTH, message=f"Alasan paling panjang {REASON_LENGTH} karakter.")
        ],
    )
    submit = SubmitField("Simpan")
