"""What a WhatsApp message about a product or a shop says: the chat a
shopper starts with a member, and the message anyone passes on with the
"Bagikan" button (the links themselves: core/whatsapp.py)."""

from dataclasses import dataclass

from marketplace.catalog.models import Product
from marketplace.core.money import format_rupiah
from marketplace.core.urls import public_url
from marketplace.core.whatsapp import whatsapp_share_url
from marketplace.members.models import Member


def product_message(*, shop_name: str, product_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya tertarik dengan {product_name} di Pasar Aspikmas: {url}"


def shop_message(*, shop_name: str, url: str) -> str:
    return f"Halo {shop_name}, saya melihat toko Anda di Pasar Aspikmas: {url}"


@dataclass(frozen=True)
class Share:
    """What the "Bagikan" button passes on: the phone's own share sheet
    takes `title`, `text` and `url` apart; wa.me takes one message. The URL
    is the page's canonical address from PUBLIC_URL, without tracking
    parameters, so every share of a page is the same link (and the same
    cached page)."""

    title: str
    text: str
    url: str

    @property
    def message(self) -> str:
        return f"{self.text}\n{self.url}"

    @property
    def whatsapp_url(self) -> str:
        return whatsapp_share_url(self.message)


def price_text(product: Product) -> str:
    """`Rp 15.000`, or `Rp 15.000 – Rp 25.000` when the variants differ (as
    the product page shows it)."""
    if product.has_price_range:
        return f"{format_rupiah(product.min_price)} – {format_rupiah(product.max_price)}"
    return format_rupiah(product.min_price)


def product_share(product: Product) -> Share:
    return Share(
        title=product.name,
        text=(
            f"{product.name}, {price_text(product)} per {product.unit}, "
            f"dari {product.member.shop_name} di Pasar Aspikmas"
        ),
        url=public_url("catalog.product", product_id=product.id, slug=product.slug),
    )


def shop_share(member: Member) -> Share:
    return Share(
        title=member.shop_name,
        text=(
            f"{member.shop_name}, UMKM dari Kecamatan {member.kecamatan.name}, Banyumas, "
            "di Pasar Aspikmas"
        ),
        url=public_url("catalog.shop", slug=member.slug),
    )
