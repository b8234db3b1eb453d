"""Account forms. Every validator speaks Indonesian: WTForms' defaults are English."""

from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from marketplace.accounts.services import (
    MIN_PASSWORD_LENGTH,
)
from marketplace.core.forms import BaseForm
from marketplace.core.whatsapp import WhatsappField, whatsapp_number

EMAIL_REQUIRED = DataRequired(message="Isi alamat email Anda.")
EMAIL_VALID = Email(message="Alamat email tidak valid. Contoh: nama@contoh.id.")
EMAIL_LENGTH = Length(max=254, message="Alamat email terlalu panjang.")
PASSWORD_REQUIRED = DataRequired(message="Isi kata sandi Anda.")
NEW_PASSWORD = [
    DataRequired(message="Buat kata sandi."),
    Length(min=MIN_PASSWORD_LENGTH, message=f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."),
    Length(max=200, message="Kata sandi paling panjang 200 karakter."),
]
CONFIRMATION = [
    DataRequired(message="Ketik ulang kata sandi."),
    EqualTo("password", message="Kedua kata sandi tidak sama."),
]


class UserRegisterForm(BaseForm):
    name = StringField(
        "Nama lengkap",
        validators=[
            DataRequired(message="Isi nama Anda."),
            Length(max=120, message="Nama paling panjang 120 karakter."),
        ],
    )
    email = EmailField("Email", validators=[EMAIL_REQUIRED, EMAIL_VALID, EMAIL_LENGTH])
    whatsapp = WhatsappField(
        "Nomor WhatsApp",
        description="Contoh: 0812 3456 7890. Dipakai penjual untuk mengabari pesanan Anda.",
        validators=[DataRequired(message="Isi nomor WhatsApp Anda."), whatsapp_number],
    )
    password = PasswordField(
        "Kata sandi",
        description=f"Minimal {MIN_PASSWORD_LENGTH} karakter.",
        validators=NEW_PASSWORD,
    )
    password_confirmation = PasswordField("Ulangi kata sandi", validators=CONFIRMATION)
    submit = SubmitField("Daftar")


class UserLoginForm(BaseForm):
    email = EmailField("Email", validators=[EMAIL_REQUIRED, EMAIL_LENGTH])
    password = PasswordField("Kata sandi", validators=[PASSWORD_REQUIRED])
    remember = BooleanField("Ingat saya")
    submit = SubmitField("Masuk")


class PasswordForgotForm(BaseForm):
    email = EmailField("Email", validators=[EMAIL_REQUIRED, EMAIL_VALID, EMAIL_LENGTH])
    submit = SubmitField("Kirim tautan atur ulang")


class PasswordResetForm(BaseForm):
    password = PasswordField(
        "Kata sandi baru",
        description=f"Minimal {MIN_PASSWORD_LENGTH} karakter.",
        validators=NEW_PASSWORD,
    )
    password_confirmation = PasswordField("Ulangi kata sandi baru", validators=CONFIRMATION)
    submit = SubmitField("Simpan kata sandi baru")


class PasswordChangeForm(PasswordResetForm):
    """A new password, as on the reset page, for one who knows the current one."""

    current_password = PasswordField("Kata sandi sekarang", validators=[PASSWORD_REQUIRED])
    submit = SubmitField("Ganti kata sandi")
