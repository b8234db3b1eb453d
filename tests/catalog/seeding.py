"""Catalog test data: public products with photos in the upload folder, and
products in every state that must stay hidden."""

import io

from flask import Flask
from PIL import Image

from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories


def jpeg(size: int = 24, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "JPEG")
    return buffer.getvalue()


def add_photos(app: Flask, product: Product, count: int) -> list[ProductImage]:
    """`count` photos stored in the upload folder, the cover (position 0) last
    added so that the page has to order them."""
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    photos = []
    for position in reversed(range(count)):
        photo = ProductImage(
            thumb_key=storage.save(jpeg(), folder="products", suffix=".jpg"),
            large_key=storage.save(jpeg(48), folder="products", suffix=".jpg"),
            position=position,
            alt=f"foto {position}",
        )
        product.images.append(photo)
        photos.append(photo)
    db.session.flush()
    return photos


def hidden_products(name: str) -> dict[str, Product]:
    """Products named `name ...` that must never be shown, by reason."""
    return {
        "draft": factories.ProductFactory(name=f"{name} draf", status=ProductStatus.DRAFT),
        "archived": factories.ProductFactory(name=f"{name} arsip", status=ProductStatus.ARCHIVED),
        "pending member": factories.ProductFactory(
            name=f"{name} anggota menunggu",
            member=factories.MemberFactory(status=MemberStatus.PENDING),
        ),
        "suspended member": factories.ProductFactory(
            name=f"{name} anggota dibekukan",
            member=factories.MemberFactory(status=MemberStatus.SUSPENDED),
        ),
        "rejected member": factories.ProductFactory(
            name=f"{name} anggota ditolak",
            member=factories.MemberFactory(status=MemberStatus.REJECTED),
        ),
    }


SEED_PLACES = ("sokaraja", "ajibarang", "purwokerto-utara", "wangon")
SEED_CATEGORIES = ("makanan-minuman", "kerajinan", "batik-fashion")


def seed_catalog(app: Flask, *, products: int, members: int = 1, photos: int = 2) -> list:
    """`products` public products spread over `members` members, kecamatan
    and categories, each with two variants and `photos` photos."""
    owners = [
        factories.MemberFactory(kecamatan=factories.kecamatan(SEED_PLACES[i % len(SEED_PLACES)]))
        for i in range(members)
    ]
    made = []
    for number in range(products):
        product = factories.ProductFactory(
            member=owners[number % members],
            category=factories.category(SEED_CATEGORIES[number % len(SEED_CATEGORIES)]),
            variants=[
                factories.VariantFactory.build(
                    name="Kecil", price=10_000 + number, stock=number % 3
                ),
                factories.VariantFactory.build(name="Besar", price=20_000 + number, stock=5),
            ],
        )
        add_photos(app, product, photos)
        made.append(product)
    db.session.commit()
    return made
