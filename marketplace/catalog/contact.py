"""How a shopper reaches a member: a WhatsApp chat with a message filled in."""

from urllib.parse import quote

from marketplace.accounts.services import AccountError, normalise_whatsapp


def whatsapp_url(raw_number: str, message: str) -> str | None:
    """A wa.me link that opens a chat with `message` typed in, or None when
    the stored number cannot be one (wa.me wants 628…, no `+`, no leading 0)."""
    try:
        number = normalise_whatsapp(raw_number or "")
    except AccountError:
        return None
    return f"https://wa.me/{number}?text={quote(message, safe='')}"


def product_message(*, shop_name: str, product_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya tertarik dengan {product_name} di Pasar Aspikmas: {url}"


def shop_message(*, shop_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya melihat toko Anda di Pasar Aspikmas: {url}"
