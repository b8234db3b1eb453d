"""WhatsApp numbers: stored as 628…, the validator that tidies them, the wa.me link."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from marketplace.core.whatsapp import (
    InvalidWhatsapp,
    WhatsappField,
    format_whatsapp,
    normalise_whatsapp,
    whatsapp_number,
    whatsapp_url,
)


@pytest.mark.parametrize(
    "number",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "6281234567890",
        "(0812) 3456.7890",
    ],
)
def test_whatsapp_numbers_are_stored_as_628(number):
    assert normalise_whatsapp(number) == "6281234567890"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "12345",
        "0212345678",
        "+6221345678",
        "0812",
        "08123456789012345",
        "0812abc34567",
        "62 812 3456 7890 1234",
        "+1 812 345 6789",
    ],
)
def test_other_numbers_are_refused(number):
    with pytest.raises(InvalidWhatsapp, match="WhatsApp"):
        normalise_whatsapp(number)


def test_a_link_opens_a_chat_with_the_message_typed_in():
    assert (
        whatsapp_url("0812 3456 7890", "Halo Toko Sri: 100% asli?")
        == "https://wa.me/6281234567890?text=Halo%20Toko%20Sri%3A%20100%25%20asli%3F"
    )


def test_no_link_for_a_number_wa_me_cannot_reach():
    assert whatsapp_url("", "Halo") is None
    assert whatsapp_url("12345", "Halo") is None


def test_the_validator_tidies_the_number_or_says_why_not():
    class ContactForm(Form):
        whatsapp = StringField(validators=[whatsapp_number])

    form = ContactForm(data={"whatsapp": "+62 812-3456-7890"})
    assert form.validate() and form.whatsapp.data == "6281234567890"
    form = ContactForm(data={"whatsapp": "0812"})
    assert not form.validate()
    assert form.whatsapp.errors == ["Nomor WhatsApp tidak valid. Contoh: 0812 3456 7890."]


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("6281227123456", "0812-2712-3456"),
        ("6281234567890", "0812-3456-7890"),
        ("628123456789", "0812-3456-789"),
        ("62812345678", "0812-3456-78"),
        ("0812 2712 3456", "0812-2712-3456"),  # typed, not yet stored
        ("+62 812-2712-3456", "0812-2712-3456"),
        ("12345", "12345"),  # no WhatsApp number: shown as it is
        ("", ""),
        (None, ""),
    ],
)
def test_a_number_is_shown_as_people_write_it(stored, shown):
    assert format_whatsapp(stored) == shown


def test_templates_show_numbers_through_the_same_formatter(app):
    with app.app_context():
        assert app.jinja_env.filters["nomor_wa"] is format_whatsapp


def test_a_number_field_shows_the_stored_number_as_people_write_it():
    class NumberForm(Form):
        whatsapp = WhatsappField(validators=[whatsapp_number])

    assert 'value="0812-3456-7890"' in NumberForm(data={"whatsapp": "6281234567890"}).whatsapp()
    assert NumberForm().whatsapp._value() == ""
    typed = NumberForm(MultiDict({"whatsapp": "+62 812 3456 7890"}))
    assert typed.validate() and typed.whatsapp.data == "6281234567890"
    assert typed.whatsapp._value() == "0812-3456-7890"
    wrong = NumberForm(MultiDict({"whatsapp": "0812abc"}))
    assert not wrong.validate() and wrong.whatsapp._value() == "0812abc"  # as typed
