"""A small public catalog, hidden products beside it, and the OpenAPI
document loaded by schemathesis to check every answer against."""

from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.specs.openapi.schemas import OpenApiSchema
from werkzeug.test import TestResponse

from marketplace.api.openapi import DOCUMENT
from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.factories import MemberFactory, ProductFactory, VariantFactory


@dataclass
class Catalog:
    keripik: Product  # makanan-minuman, sokaraja, two variants, two images
    gula: Product  # pertanian-perkebunan, cilongok, out of stock, no image
    batik: Product  # batik-fashion, sokaraja, one image
    hidden: list[Product]  # draft, archived, of a pending and of a suspended member

    @property
    def public(self) -> list[Product]:
        return [self.keripik, self.gula, self.batik]


def seed_catalog() -> Catalog:
    """Three public products and four hidden ones, committed."""
    sokaraja = MemberFactory(shop_name="Keripik Bu Sri", kecamatan=factories.kecamatan("sokaraja"))
    cilongok = MemberFactory(
        shop_name="Gula Kelapa Pak Tarno", kecamatan=factories.kecamatan("cilongok")
    )
    keripik = ProductFactory(
        member=sokaraja,
        name="Keripik Tempe Sagu",
        description="Keripik tempe tipis dan renyah.",
        weight_grams=250,
        variants=[
            VariantFactory.build(name="Original", price=12_000, stock=5),
            VariantFactory.build(name="Pedas", price=20_000, stock=0),
        ],
    )
    keripik.images = [
        ProductImage(
            position=0,
            thumb_key="products/k1-thumb.webp",
            large_key="products/k1.webp",
            alt="Keripik",
        ),
        ProductImage(position=1, thumb_key="products/k2-thumb.webp", large_key="products/k2.webp"),
    ]
    gula = ProductFactory(
        member=cilongok,
        category=factories.category("pertanian-perkebunan"),
        name="Gula Kelapa Cetak",
        description="Gula kelapa asli Cilongok.",
        unit="kg",
        variants=[VariantFactory.build(price=30_000, stock=0)],
    )
    batik = ProductFactory(
        member=sokaraja,
        category=factories.category("batik-fashion"),
        name="Kain Batik Banyumasan",
        description="Batik tulis motif jahe puger.",
        unit="lembar",
        variants=[VariantFactory.build(price=250_000, stock=3)],
    )
    batik.images = [
        ProductImage(position=0, thumb_key="products/b1-thumb.webp", large_key="products/b1.webp")
    ]
    hidden = [
        ProductFactory(member=sokaraja, name="Keripik Draf", status=ProductStatus.DRAFT),
        ProductFactory(member=sokaraja, name="Keripik Arsip", status=ProductStatus.ARCHIVED),
        ProductFactory(
            member=MemberFactory(status=MemberStatus.PENDING), name="Keripik Calon Anggota"
        ),
        ProductFactory(
            member=MemberFactory(status=MemberStatus.SUSPENDED), name="Keripik Dibekukan"
        ),
    ]
    db.session.commit()
    return Catalog(keripik=keripik, gula=gula, batik=batik, hidden=hidden)


@pytest.fixture
def catalog(app: Flask) -> Catalog:
    return seed_catalog()


@pytest.fixture(scope="session")
def api_schema() -> OpenApiSchema:
    return schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def get_valid(client: FlaskClient, api_schema: OpenApiSchema):
    """GET `url`, check the answer against the OpenAPI document, return it."""

    def get(url: str, *, operation: str, **kwargs) -> TestResponse:
        response = client.get(url, **kwargs)
        api_schema[operation]["GET"].validate_response(response)
        return response

    return get
