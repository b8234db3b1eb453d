"""WhatsApp numbers, in one place: how a number is stored (628…, ASCII
digits only), the form validator that tidies what people type, how a
number is shown to people (0812-3456-7890, never 628…), and the wa.me links
that open a chat with a message typed in (to a member, or to whoever the
sender picks). A domain that takes a number
turns InvalidWhatsapp into its own error."""

import re
from urllib.parse import quote

from wtforms import Field, Form, StringField
from wtforms.validators import ValidationError

from marketplace.core.errors import DomainError

WHATSAPP_PATTERN = re.compile(r"628[0-9]{7,10}")  # 0-9 only: `\d` matches ١٢٣ and １２３ too
_SEPARATORS = re.compile(r"[\s\-.()]")


class InvalidWhatsapp(DomainError):
    """Not an Indonesian mobile number WhatsApp can reach."""


def normalise_whatsapp(number: str) -> str:
    """`0812-3456-7890`, `+62 812 3456 7890` or `6281234567890` -> `6281234567890`."""
    digits = _SEPARATORS.sub("", number)
    digits = digits.removeprefix("+")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not WHATSAPP_PATTERN.fullmatch(digits):
        raise InvalidWhatsapp("Nomor WhatsApp tidak valid. Contoh: 0812 3456 7890.")
    return digits


def format_whatsapp(number: str | None) -> str:
    """A number as people write it: `6281234567890` -> `0812-3456-7890`
    (four digits, four, then the rest). Every page, email and message that
    shows a number to a person uses this; a number that is no WhatsApp
    number (an old row) is shown as it is."""
    if not number:
        return ""
    try:
        digits = normalise_whatsapp(number)
    except InvalidWhatsapp:
        return number
    local = "0" + digits.removeprefix("62")
    return "-".join(group for group in (local[:4], local[4:8], local[8:]) if group)


def whatsapp_number(form: Form, field: Field) -> None:
    """Validator: tidy an Indonesian WhatsApp number to 628…, or say why not."""
    try:
        field.data = normalise_whatsapp(field.data or "")
    except InvalidWhatsapp as error:
        raise ValidationError(error.message) from error


class WhatsappField(StringField):
    """A text field for a WhatsApp number that shows a stored number (or one
    just tidied by `whatsapp_number`) as people write it, never as 628…."""

    def _value(self) -> str:
        return format_whatsapp(self.data)


def whatsapp_url(raw_number: str, message: str) -> str | None:
    """A wa.me link that opens a chat with `message` typed in, or None when
    the stored number cannot be one (wa.me wants 628…, no `+`, no leading 0)."""
    try:
        number = normalise_whatsapp(raw_number or "")
    except InvalidWhatsapp:
        return None
    return _wa_me(number, message)


def whatsapp_share_url(message: str) -> str:
    """A wa.me link with `message` typed in and no number: WhatsApp asks
    whom to send it to (a group, a friend), so anyone can pass a link on."""
    return _wa_me("", message)


def _wa_me(number: str, message: str) -> str:
    return f"https://wa.me/{number}?text={quote(message, safe='')}"
