"""Migration 0015_certificate_products: the products a shop's certificate used
to badge on its own become ticks waiting for an admin (none shows a badge
until verified), a certificate naming its product needs none, and Laik
Higiene filed under a product becomes the shop's."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.catalog.certificates.queries import badges_for
from marketplace.catalog.models import CertificateKind, CertificateStatus, Product, ProductStatus
from marketplace.extensions import db
from tests import factories
from tests.catalog.certificate_data import certificate

pytestmark = pytest.mark.usefixtures("app_context")

MIGRATION = Path(__file__).parents[2] / "migrations/versions/0015_certificate_products.py"


def migration():
    spec = importlib.util.spec_from_file_location("certificate_products_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_old_shop_claims_wait_for_the_admin_and_laik_higiene_moves_to_the_shop(app):
    member = factories.MemberFactory()
    tempe = factories.ProductFactory(member=member, name="Keripik Tempe")
    draft = factories.ProductFactory(member=member, name="Tahu Draf", status=ProductStatus.DRAFT)
    factories.ProductFactory(member=member, name="Lama", status=ProductStatus.ARCHIVED)
    stranger = factories.ProductFactory(name="Gula Kelapa")
    halal = certificate(member, kind=CertificateKind.HALAL)
    rejected = certificate(member, kind=CertificateKind.BPOM_MD, status=CertificateStatus.REJECTED)
    shop_hygiene = certificate(member, kind=CertificateKind.LAIK_HIGIENE)
    named = certificate(member, product=tempe, kind=CertificateKind.PIRT)
    filed_hygiene = certificate(member, product=draft, kind=CertificateKind.LAIK_HIGIENE)
    ids = {c: c.id for c in (halal, rejected, shop_hygiene, named, filed_hygiene)}
    product_ids = {p.name: p.id for p in (tempe, draft, stranger)}
    member_id = member.id
    db.session.commit()
    db.session.remove()

    downgrade(revision=migration().down_revision)
    # The rows as they were before this revision: no ticks anywhere.
    db.session.remove()
    upgrade()

    ticks = db.session.execute(
        sa.text(
            "SELECT certificate_id, product_id, verified_at, verified_by_id "
            "FROM certificate_products ORDER BY certificate_id, product_id"
        )
    ).all()
    # Every claim of the old shop-wide certificates (not Laik Higiene, not
    # archived products, not another shop's), unverified.
    assert [tuple(row) for row in ticks] == sorted(
        (ids[c], product_ids[name], None, None)
        for c in (halal, rejected)
        for name in ("Keripik Tempe", "Tahu Draf")
    )
    owners = dict(db.session.execute(sa.text("SELECT id, product_id FROM certificates")).all())
    assert owners[ids[filed_hygiene]] is None  # the place of production: the shop's
    assert owners[ids[named]] == product_ids["Keripik Tempe"]
    assert owners[ids[shop_hygiene]] is None

    products = db.session.scalars(sa.select(Product).order_by(Product.id)).all()
    badges = badges_for(products, shops=[member_id])
    assert {p.name: [b.label for b in badges.products.get(p.id, [])] for p in products} == {
        "Keripik Tempe": ["P-IRT"],  # names it: verified with the certificate
        "Tahu Draf": [],
        "Lama": [],
        "Gula Kelapa": [],
    }
    assert [b.label for b in badges.shops[member_id]] == ["Halal", "Laik Higiene"]
