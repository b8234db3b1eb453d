"""Every form of the shop speaks Indonesian, WTForms' own messages included:
each form class of the package (found by walking it, so a new one is
checked the day it lands) derives from core.forms' bases and, filled with
bad input of every kind, shows no English message."""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, SelectFieldBase
from wtforms.fields import FieldList, FormField

import marketplace
from marketplace.core.forms import INDONESIAN, BaseForm, PlainForm

BAD_INPUTS = {
    "empty": "",
    "too long": "x" * 5000,
    "not a number": "lima",
    "superscript": "²",
    "Arabic-Indic digits": "١٢٣",
    "huge": str(10**20),
    "negative": "-99",
}
# WTForms' catalogue of messages (singular and plural), and Flask-WTF's.
CATALOGUE = [
    ast.literal_eval(quoted)
    for quoted in re.findall(
        r'^msgid(?:_plural)? (".+")$',
        (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").read_text(),
        re.MULTILINE,
    )
]
FLASK_WTF = [
    "File does not have an approved extension: {extensions}",
    "File does not have an approved extension.",
]
# As patterns: the placeholders match anything.
ENGLISH = [
    re.compile(re.sub(r"%\\\(\w+\\\)[ds]|%s|\\\{\w+\\\}", ".*", re.escape(message)))
    for message in CATALOGUE + FLASK_WTF
]


def form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("marketplace.") and subclass.__module__ != (
                "marketplace.core.forms"
            ):
                found.append(subclass)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


FORMS = form_classes()


def test_every_message_of_wtforms_has_a_translation():
    plurals = {"Field must be at least %(min)d characters long.",
               "Field cannot be longer than %(max)d characters.",
               "Field must be exactly %(max)d characters long.",
               "'%(value)s' are not valid choices for this field."}  # fmt: skip
    assert len(CATALOGUE) > 40
    assert set(CATALOGUE + FLASK_WTF) - plurals == set(INDONESIAN)


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in FORMS}
    assert {"CheckoutForm", "ProductForm", "ShopProfileEditForm", "DeliveryRateForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_form_derives_from_the_indonesian_bases(form_class):
    assert issubclass(form_class, BaseForm | PlainForm)


def field_names(form: Form) -> list[str]:
    """Every input name of the form, a row of each list included."""
    names = []
    for field in form:
        if isinstance(field, FieldList):
            row_form = field.unbound_field.args[0] if field.unbound_field.args else None
            if isinstance(row_form, type) and issubclass(row_form, Form):
                names += [f"{field.name}-0-{name}" for name in row_form()._fields]
            else:
                names.append(f"{field.name}-0")
        elif isinstance(field, FormField):
            names += field_names(field.form)
        else:
            names.append(field.name)
    return names


def errors_of(errors) -> list[str]:
    if isinstance(errors, dict):
        return [text for value in errors.values() for text in errors_of(value)]
    if isinstance(errors, list | tuple):
        return [text for value in errors for text in errors_of(value)]
    return [str(errors)]


def give_choices(form: Form) -> None:
    """Choices the views fill in at run time (kecamatan, categories)."""
    for field in form:
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", ()) is None:
            field.choices = [SelectChoice(1, "Satu")]
        elif isinstance(field, FieldList | FormField):
            for entry in field if isinstance(field, FieldList) else [field.form]:
                give_choices(entry.form if isinstance(entry, FormField) else entry)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_bad_input_is_answered_in_indonesian(app, form_class):
    shown: list[str] = []
    for bad in BAD_INPUTS.values():
        with app.test_request_context("/", method="POST"):
            names = field_names(form_class(formdata=None))
            form = form_class(formdata=MultiDict({name: bad for name in names}))
            give_choices(form)
            form.validate()
            shown += errors_of(form.errors)
    english = [text for text in shown if any(pattern.fullmatch(text) for pattern in ENGLISH)]
    assert english == []
    # Forms with nothing to refuse: buttons, and the report's period picker,
    # whose text treasury.reports.parse_period reads and refuses in Indonesian.
    if names and form_class.__name__ not in {"ActionForm", "PartAdvanceForm", "PeriodForm"}:
        assert shown, "some bad input must have been refused"


def test_wtforms_own_messages_are_translated(app):
    """A validator without a message of its own, on a field with a label."""
    from wtforms import IntegerField, SelectField, StringField
    from wtforms.validators import DataRequired, Length

    class Probe(BaseForm):
        name = StringField("Nama", validators=[DataRequired(), Length(max=255)])
        count = IntegerField("Jumlah")
        choice = SelectField("Pilihan", choices=[SelectChoice("a", "A")])

    with app.test_request_context("/", method="POST"):
        form = Probe(formdata=MultiDict({"name": "x" * 256, "count": "abc", "choice": "z"}))
        assert not form.validate()
        assert form.name.errors == ["Isian ini paling panjang 255 karakter."]
        assert form.count.errors == ["Isi dengan bilangan bulat, misalnya 25."]
        assert form.choice.errors == ["Pilih salah satu pilihan yang ada."]
        form = Probe(formdata=MultiDict({"name": "", "count": "1", "choice": "a"}))
        assert not form.validate()
        assert form.name.errors == ["Isian ini wajib diisi."]
        assert form.name.label.text == "Nama"  # labels are not touched
