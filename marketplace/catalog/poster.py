"""The stall poster and the sheet of product labels a member prints from
/kelola/cetak: what goes on them, with a QR code to the shop's or the
product's page. The QR holds the page's canonical address from PUBLIC_URL,
so a poster printed today still opens the shop after the server moves
behind another Host. Pictures go into the page as `data:` addresses
(core.pdf fetches nothing)."""

import base64
from dataclasses import dataclass
from pathlib import Path

import segno

from marketplace.catalog import queries
from marketplace.catalog.contact import price_text
from marketplace.catalog.filters import Sort
from marketplace.catalog.models import Product
from marketplace.core.storage import storage
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Member

POSTER_STYLESHEET = Path("css") / "poster.css"
POSTER_PRODUCTS = 6
# A sheet holds 24 labels (3 x 8 on A4); four sheets at most per PDF, so
# one request stays a few seconds of WeasyPrint at worst.
LABELS_PER_SHEET = 24
MAX_LABELS = 4 * LABELS_PER_SHEET
# The poster is laid out on A4; A5 is the same page zoomed to A5's width
# (148 mm; its height comes out at 209.3 mm, within the sheet's 210).
PAPER_SIZES = {"a4": ("A4", 1.0), "a5": ("A5", 148 / 210)}
_MEDIA_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Printed:
    """A product as a poster or a label shows it."""

    name: str
    price: str
    unit: str
    url: str
    qr: str
    photo: str | None


def qr_code(url: str) -> str:
    """A QR code of `url` as an SVG `data:` address. Error correction M
    (15% may be lost): a poster in a stall window gets dirty and creased."""
    return segno.make(url, error="m", micro=False).svg_data_uri(border=2, dark="#000")


def picture(key: str | None) -> str | None:
    """A stored picture (a logo, a product photo) as a `data:` address, or
    None when there is none (a row whose file is gone prints without it)."""
    if not key:
        return None
    path = storage().path(key)
    media_type = _MEDIA_TYPES.get(Path(key).suffix)
    if path is None or media_type is None or not path.is_file():
        return None
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def printed(product: Product, *, with_photo: bool) -> Printed:
    url = public_url("catalog.product", product_id=product.id, slug=product.slug)
    cover = product.cover_image
    return Printed(
        name=product.name,
        price=price_text(product),
        unit=product.unit,
        url=url,
        qr=qr_code(url),
        photo=picture(cover.large_key) if with_photo and cover else None,
    )


def poster_products(member: Member) -> list[Printed]:
    """The member's best sellers among their public products (the newest
    first among equals, so a new shop's poster shows its latest)."""
    found = db.session.scalars(
        queries.products_of_member(member.id, Sort.POPULAR).limit(POSTER_PRODUCTS)
    ).all()
    return [printed(product, with_photo=True) for product in found]


def label_products(member: Member, chosen: list[int] | None) -> list[Printed]:
    """A label for each chosen public product of the member (all of them
    when none is named), newest first, at most MAX_LABELS. Another member's
    id or a draft is simply not printed."""
    statement = queries.products_of_member(member.id)
    if chosen is not None:
        statement = statement.where(Product.id.in_(chosen))
    found = db.session.scalars(statement.limit(MAX_LABELS)).all()
    return [printed(product, with_photo=False) for product in found]


def shop_url(member: Member) -> str:
    return public_url("catalog.shop", slug=member.slug)
