"""A small shop with one of everything a page can show, so that walking
every route (tests/core/test_headers.py) and the browser (tests/browser/
test_csp.py) render real pages, not only 404s: a member with a logo, a
banner, delivery rates, a product with photos, a draft without one and a
certificate waiting for the admin; a shopper with an unpaid transfer, a cash order
(new for the member) and a cart;
a treasurer and an admin; a campus mentor paired with the member. Made in the database and committed."""

import io
from dataclasses import dataclass
from typing import Any

from flask import Flask
from PIL import Image

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import (
    CertificateKind,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.mentoring.models import Pairing
from marketplace.orders.models import Order, OrderPart
from tests import factories
from tests.catalog.certificate_data import certificate
from tests.catalog.seeding import add_photos, jpeg
from tests.mentoring.helpers import running_pairing
from tests.orders.helpers import cart_with, checkout, deliver_to


def webp(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (230, 230, 210)).save(buffer, "WEBP")
    return buffer.getvalue()


@dataclass
class SampleShop:
    users: dict[Role, User]
    member: Member
    product: Product
    draft: Product
    photo: ProductImage
    certificate_id: int
    order: Order
    cash_order: Order
    part: OrderPart
    pairing: Pairing

    def url_values(self, endpoint: str) -> dict[str, Any]:
        """Values for route arguments, by name; a slug is the one that endpoint shows."""
        slugs = {
            "catalog.category": self.product.category.slug,
            "catalog.kecamatan": self.member.kecamatan.slug,
            "catalog.shop": self.member.slug,
            "catalog.product": self.product.slug,
            "catalog.product_moved": self.product.slug,
        }
        values: dict[str, Any] = {
            "product_id": self.product.id,
            "photo_id": self.photo.id,
            "certificate_id": self.certificate_id,
            "part_id": self.part.id,
            "cohort_id": self.pairing.mentor.cohort_id,
            "pairing_id": self.pairing.id,
            "member_id": self.member.id,
            "category_id": self.product.category_id,
            "code": self.order.code,
            "month": "2026-01",  # a monthly report (treasury)
            "dimensi": "kecamatan",  # a report tab (treasury)
            "jenis": "csv",  # a report download (treasury)
            "key": self.photo.thumb_key,
            "action": "arsipkan",  # a product's status action (catalog.manage)
            "section": "produk",  # a child sitemap (catalog.crawlers)
        }
        if endpoint in slugs:
            values["slug"] = slugs[endpoint]
        return values


def make_sample_shop(app: Flask) -> SampleShop:
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    member = factories.MemberFactory(
        user=factories.UserFactory(
            email="anggota@contoh.id", name="Sri Rahayu", roles=[Role.MEMBER]
        ),
        shop_name="Keripik Tempe Bu Sri",
        slug="keripik-tempe-bu-sri",
        kecamatan=factories.kecamatan("sokaraja"),
        offers_pickup=True,
        accepts_cash=True,
        logo_key=storage.save(jpeg(128, (25, 120, 70)), folder="logos", suffix=".jpg"),
        banner_key=storage.save(jpeg(600, (240, 200, 120)), folder="banners", suffix=".jpg"),
    )
    deliver_to(member, "sokaraja", fee=8_000)
    product = factories.ProductFactory(
        member=member,
        name="Keripik Tempe Sagu",
        variants=[
            factories.VariantFactory.build(name="250 g", price=15_000, stock=30),
            factories.VariantFactory.build(name="500 g", price=27_500, stock=12),
        ],
    )
    photo = add_photos(app, product, 2)[-1]
    draft = factories.ProductFactory(member=member, name="Mendoan Beku", status=ProductStatus.DRAFT)
    pending = certificate(
        member,
        product=product,
        kind=CertificateKind.PIRT,
        status=CertificateStatus.PENDING,
        scan_key=storage.save(webp(), folder="certificates", suffix=".webp"),
    )
    shopper = factories.UserFactory(
        email="pembeli@contoh.id", name="Sri Lestari", roles=[Role.SHOPPER]
    )
    order = checkout(shopper, cart_with(shopper, (product.variants[0], 2)))
    cash_order = checkout(
        shopper, cart_with(shopper, (product.variants[1], 1)), payment_method="cash"
    )
    cart_with(shopper, (product.variants[1], 1))
    users = {
        Role.SHOPPER: shopper,
        Role.MEMBER: member.user,
        Role.TREASURER: factories.UserFactory(
            email="bendahara@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER]
        ),
        Role.ADMIN: factories.UserFactory(
            email="pengurus@contoh.id", name="Bambang Pengurus", roles=[Role.ADMIN]
        ),
    }
    pairing = running_pairing(member, users[Role.ADMIN])
    assert pairing.mentor.user is not None
    users[Role.MENTOR] = pairing.mentor.user
    db.session.commit()
    return SampleShop(
        users=users,
        member=member,
        product=product,
        draft=draft,
        photo=photo,
        certificate_id=pending.id,
        order=order,
        cash_order=cash_order,
        part=cash_order.parts[0],
        pairing=pairing,
    )
