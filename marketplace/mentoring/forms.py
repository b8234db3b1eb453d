"""The forms of cohorts, invitations, pairings, drafts, suggestions and
visits. Every message speaks Indonesian."""

from datetime import date

from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from marketplace.accounts.forms import EMAIL_VALID
from marketplace.catalog.forms import ProductCreateForm, ProductForm
from marketplace.core.forms import BaseForm, choice_id
from marketplace.mentoring.models import CAMPUSES
from marketplace.mentoring.services import MAX_NOTE, MAX_VISIT_PHOTOS

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _plausible_day(form, field: DateField) -> None:
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError("Tanggal harus antara tahun 2000 dan 2100.")


def _required(what: str) -> DataRequired:
    return DataRequired(message=f"Isi {what}.")


class CohortForm(BaseForm):
    campus = StringField(
        "Kampus",
        description=f"Misalnya {', '.join(CAMPUSES)}.",
        validators=[_required("kampus"), Length(max=80)],
    )
    programme = StringField("Nama program", validators=[_required("nama program"), Length(max=160)])
    starts_on = DateField("Mulai", validators=[_required("tanggal mulai"), _plausible_day])
    ends_on = DateField("Selesai", validators=[_required("tanggal selesai"), _plausible_day])
    submit = SubmitField("Buat angkatan")

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("Tanggal selesai tidak boleh sebelum tanggal mulai.")


class InviteForm(BaseForm):
    name = StringField("Nama pendamping", validators=[_required("nama"), Length(max=120)])
    email = StringField(
        "Email",
        validators=[
            _required("email"),
            Length(max=254),
            EMAIL_VALID,
        ],
    )
    submit = SubmitField("Kirim undangan")


class PairForm(BaseForm):
    mentor_id = SelectField("Pendamping", coerce=choice_id)
    member_id = SelectField("Anggota", coerce=choice_id)
    submit = SubmitField("Pasangkan")


class DraftForm(ProductCreateForm):
    """The member's product form without its status: a mentor's listing is
    always a draft, which only the member publishes."""

    status = None
    submit = SubmitField("Simpan sebagai draf")


class DraftEditForm(ProductForm):
    """The mentor's own draft, changed before the member publishes it: the
    product form without its status, with photos to add and to remove (the
    view sets the choices: the draft's own photos)."""

    status = None
    photos = MultipleFileField(
        "Tambah foto",
        description="Boleh kosong. JPEG, PNG atau WebP, paling banyak 8 foto per produk.",
    )
    remove_photos = SelectMultipleField("Hapus foto", coerce=choice_id)
    submit = SubmitField("Simpan perubahan draf")


class SuggestionForm(BaseForm):
    body = TextAreaField(
        "Saran perbaikan",
        validators=[
            _required("sarannya"),
            Length(max=MAX_NOTE, message=f"Saran paling panjang {MAX_NOTE} karakter."),
        ],
    )
    submit = SubmitField("Kirim saran")


class VisitForm(BaseForm):
    visited_on = DateField("Tanggal kunjungan", validators=[_required("tanggal"), _plausible_day])
    topic = StringField("Topik", validators=[_required("topik"), Length(max=160)])
    notes = TextAreaField("Catatan", validators=[Length(max=MAX_NOTE)])
    photos = MultipleFileField(
        "Foto kunjungan",
        description=(
            f"Boleh kosong, paling banyak {MAX_VISIT_PHOTOS}: JPEG, PNG atau WebP. "
            "Hanya Anda, anggota dan pengurus yang bisa melihatnya."
        ),
    )
    submit = SubmitField("Simpan kunjungan")
