"""How a shopper reaches a member: a WhatsApp chat with a message filled in."""

import re
from urllib.parse import quote

COUNTRY_CODE = "62"


def whatsapp_number(raw: str) -> str | None:
    """The number as wa.me wants it: digits with the country code, no `+`
    and no leading 0 (`0812-3456-789` -> `628123456789`); None if it cannot be one."""
    digits = re.sub(r"[^0-9]", "", raw or "")
    if digits.startswith("0"):
        digits = COUNTRY_CODE + digits[1:]
    elif digits.startswith("8"):
        digits = COUNTRY_CODE + digits
    return digits if 10 <= len(digits) <= 15 else None


def whatsapp_url(raw_number: str, message: str) -> str | None:
    """A wa.me link that opens a chat with `message` typed in, or None."""
    number = whatsapp_number(raw_number)
    if number is None:
        return None
    return f"https://wa.me/{number}?text={quote(message, safe='')}"


def product_message(*, shop_name: str, product_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya tertarik dengan {product_name} di Pasar Aspikmas: {url}"


def shop_message(*, shop_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya melihat toko Anda di Pasar Aspikmas: {url}"
