"""What a shopper's WhatsApp chat with a member starts with (the link
itself: core/whatsapp.py)."""


def product_message(*, shop_name: str, product_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya tertarik dengan {product_name} di Pasar Aspikmas: {url}"


def shop_message(*, shop_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya melihat toko Anda di Pasar Aspikmas: {url}"
