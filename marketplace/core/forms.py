"""The base of every form, and the number fields every domain uses.

WTForms speaks English and has no Indonesian catalogue, so its built-in
messages ("This field is required.", "Not a valid choice.", "Field cannot be
longer than 255 characters.") are translated here, once: every form derives
from `BaseForm` (or `PlainForm` for the CSRF-less ones), whose Meta hands
WTForms these translations. A validator given its own message keeps it.

Numbers are read with `core.numbers` and `core.money`: ASCII digits only,
within the range of the column they go into."""

from collections.abc import Iterator, Sequence

from flask_wtf import FlaskForm
from wtforms import FieldList as _FieldList
from wtforms import Form, HiddenField, StringField
from wtforms import IntegerField as _IntegerField
from wtforms.validators import StopValidation

from marketplace.core.money import MAX_RUPIAH, parse_rupiah, thousands
from marketplace.core.numbers import MAX_INTEGER, as_whole, parse_whole

FORM_EXPIRED = "Formulir ini sudah kedaluwarsa. Muat ulang halaman, lalu coba lagi."
NOT_A_CHOICE = "Pilih salah satu pilihan yang ada."
UNKNOWN_FORM_DATA = "Data formulir tidak dikenali. Muat ulang halaman."

# WTForms' messages (wtforms/locale/wtforms.pot, and Flask-WTF's file
# validators), keyed by the English text; the placeholders stay the same.
INDONESIAN = {
    "Invalid field name '%s'.": "Isian '%s' tidak dikenal.",
    "Field must be equal to %(other_name)s.": "Isian ini harus sama dengan %(other_name)s.",
    "Field must be at least %(min)d character long.": "Isian ini minimal %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Isian ini paling panjang %(max)d karakter.",
    "Field must be exactly %(max)d character long.": "Isian ini harus tepat %(max)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.": (
        "Isian ini harus antara %(min)d dan %(max)d karakter."
    ),
    "Number must be at least %(min)s.": "Angka ini paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka ini paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka ini harus antara %(min)s dan %(max)s.",
    "Date must be at least %(min)s.": "Tanggal paling awal %(min)s.",
    "Date must be at most %(max)s.": "Tanggal paling lambat %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Tanggal harus antara %(min)s dan %(max)s.",
    "This field is required.": "Isian ini wajib diisi.",
    "Invalid input.": "Isian ini tidak valid.",
    "Invalid email address.": "Alamat email tidak valid. Contoh: nama@contoh.id.",
    "Invalid IP address.": "Alamat IP tidak valid.",
    "Invalid Mac address.": "Alamat MAC tidak valid.",
    "Invalid URL.": "Alamat web tidak valid.",
    "Invalid UUID.": "UUID tidak valid.",
    "Invalid value, must be one of: %(values)s.": "Pilih salah satu dari: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Tidak boleh salah satu dari: %(values)s.",
    "This field cannot be edited.": "Isian ini tidak dapat diubah.",
    "This field is disabled and cannot have a value.": "Isian ini tidak boleh diisi.",
    "Invalid CSRF Token.": FORM_EXPIRED,
    "CSRF token missing.": FORM_EXPIRED,
    "CSRF failed.": FORM_EXPIRED,
    "CSRF token expired.": FORM_EXPIRED,
    "Invalid Choice: could not coerce.": NOT_A_CHOICE,
    "Choices cannot be None.": "Belum ada pilihan.",
    "Not a valid choice.": NOT_A_CHOICE,
    "Invalid choice(s): one or more data inputs could not be coerced.": NOT_A_CHOICE,
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' tidak ada di pilihan.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid. Contoh: 31-12-2027 14:30.",
    "Not a valid date value.": "Tanggal tidak valid. Contoh: 31-12-2027.",
    "Not a valid time value.": "Jam tidak valid. Contoh: 14:30.",
    "Not a valid week value.": "Minggu tidak valid.",
    "Not a valid integer value.": "Isi dengan bilangan bulat, misalnya 25.",
    "Not a valid decimal value.": "Isi dengan angka, misalnya 2,5.",
    "Not a valid float value.": "Isi dengan angka, misalnya 2,5.",
    "File does not have an approved extension: {extensions}": (
        "Jenis berkas ini tidak diterima. Pilih berkas: {extensions}"
    ),
    "File does not have an approved extension.": "Jenis berkas ini tidak diterima.",
}


class Translations:
    """The `gettext`/`ngettext` WTForms asks its Meta for. Indonesian has
    no plural forms: both forms of a message have one translation. Text
    not in INDONESIAN (a field's own label, say) is given back as is."""

    def __init__(self, messages: dict[str, str]) -> None:
        self.messages = messages

    def gettext(self, string: str) -> str:
        return self.messages.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.messages.get(singular, singular if n == 1 else plural)


TRANSLATIONS = Translations(INDONESIAN)


class _IndonesianMeta:
    def get_translations(self, form: Form) -> Translations:
        return TRANSLATIONS


class BaseForm(FlaskForm):
    """The base of every form the shop posts (with its CSRF token)."""

    class Meta(_IndonesianMeta):
        pass


class PlainForm(Form):
    """A form without CSRF of its own: a row inside another form
    (`FormField`), or a search read from the query string."""

    class Meta(_IndonesianMeta):
        pass


class FieldList(_FieldList):
    """WTForms' FieldList, reading row numbers (`variants-0-price`) of ASCII
    digits only: its own `isdigit()` lets `variants-²-price` through to
    `int()`, which raises."""

    def _extract_indices(self, prefix: str, formdata) -> Iterator[int]:
        offset = len(prefix) + 1
        for name in formdata:
            if name.startswith(prefix):
                index = as_whole(name[offset:].split(self._field_separator, 1)[0])
                if index is not None:
                    yield index


# --- numbers ---------------------------------------------------------------------


class IntegerField(_IntegerField):
    """WTForms' IntegerField (a number input), reading ASCII digits only and
    nothing beyond an INTEGER column; add NumberRange for the real limits."""

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        number = as_whole(text.removeprefix("-"))
        if number is None:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = -number if text.startswith("-") else number


class WholeNumberField(StringField):
    """A whole number typed with or without thousand dots (`1.250`), shown
    back as typed; empty is None. `what` names it in the messages."""

    def __init__(
        self, *args, what: str = "Angka", example: str = "25", maximum: int = MAX_INTEGER, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.what, self.example, self.maximum = what, example, maximum

    def parse(self, text: str) -> int | None:
        return parse_whole(text, what=self.what, example=self.example, maximum=self.maximum)

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        self.data = None
        if valuelist:
            self.data = self.parse(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, int):
            return self.format(self.data)
        return self.data or ""

    def format(self, number: int) -> str:
        return str(number)


class RupiahField(WholeNumberField):
    """Whole rupiah (`Rp15.000`, `15.000`, `15000`), shown back as `15.000`."""

    def __init__(self, *args, what: str = "Jumlah", example: str = "15000 atau 15.000",
                 **kwargs) -> None:  # fmt: skip
        kwargs.setdefault("maximum", MAX_RUPIAH)
        super().__init__(*args, what=what, example=example, **kwargs)

    def parse(self, text: str) -> int | None:
        return parse_rupiah(text, what=self.what, example=self.example, maximum=self.maximum)

    def format(self, number: int) -> str:
        return thousands(number)


def readable(form: Form, field: WholeNumberField) -> None:
    """Validator, first in the chain of a number field: stop at the parse
    error ("harus bilangan bulat") without adding more."""
    if field.process_errors:
        raise StopValidation()


class IdField(HiddenField):
    """A hidden id sent back by our own page: a whole number or nothing."""

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        self.data = None
        if valuelist and valuelist[0] not in (None, ""):
            self.data = as_whole(valuelist[0])
            if self.data is None:
                raise ValueError(UNKNOWN_FORM_DATA)


def choice_id(value: object) -> int:
    """`coerce` of a SelectField whose choices are ids: ASCII digits within
    an INTEGER column, else ValueError (WTForms: "not a valid choice")."""
    number = as_whole(value if isinstance(value, int) else str(value))
    if number is None:
        raise ValueError(NOT_A_CHOICE)
    return number
