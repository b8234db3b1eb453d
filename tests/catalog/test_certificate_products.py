"""The products a shop's certificate covers: the member ticks them, an admin
verifies each against the scan, and only then is the shop's certificate a
badge of the product. Laik Higiene is only ever the shop's."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.catalog.certificates.queries import (
    badges_for,
    certificates_for_review,
    count_with_products_waiting,
)
from marketplace.catalog.certificates.rules import CertificateError, can_cover_products, today
from marketplace.catalog.certificates.services import (
    correct_certificate,
    cover_products,
    delete_certificate,
    record_certificate,
    verify_certificate,
    verify_covered_products,
)
from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
)
from marketplace.extensions import db
from tests import factories
from tests.catalog.certificate_data import certificate, certificate_count, days_from_today

pytestmark = pytest.mark.usefixtures("app_context")

PENDING, VERIFIED, REJECTED = (
    CertificateStatus.PENDING,
    CertificateStatus.VERIFIED,
    CertificateStatus.REJECTED,
)


@pytest.fixture
def member(app):
    made = factories.MemberFactory(shop_name="Keripik Bu Sri")
    db.session.commit()
    return made


@pytest.fixture
def admin(app):
    made = factories.UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    return made


@pytest.fixture
def shelf(member) -> list[Product]:
    """Three products of the member: Keripik Tempe, Keripik Singkong, Tahu Bakso."""
    made = [
        factories.ProductFactory(member=member, name=name)
        for name in ("Keripik Tempe", "Keripik Singkong", "Tahu Bakso")
    ]
    db.session.commit()
    return made


def links(found: Certificate) -> dict[str, bool]:
    """Covered product name -> verified, read afresh from the database."""
    rows = db.session.execute(
        select(Product.name, CertificateProduct.verified_at)
        .join(CertificateProduct.product)
        .where(CertificateProduct.certificate_id == found.id)
    ).all()
    return {name: verified_at is not None for name, verified_at in rows}


def product_badges(products: list[Product]) -> dict[str, list[str]]:
    badges = badges_for(products).products
    return {p.name: [b.label for b in badges.get(p.id, [])] for p in products}


# --- the member ticks ------------------------------------------------------------------------


def test_ticked_products_wait_for_the_admin_and_show_no_badge(member, shelf):
    tempe, singkong, _tahu = shelf
    halal = certificate(member, kind=CertificateKind.HALAL)
    cover_products(certificate=halal, products=[tempe, singkong])
    db.session.commit()
    assert links(halal) == {"Keripik Tempe": False, "Keripik Singkong": False}
    assert product_badges(shelf) == {"Keripik Tempe": [], "Keripik Singkong": [], "Tahu Bakso": []}
    assert [b.label for b in badges_for([], shops=[member.id]).shops[member.id]] == ["Halal"]


def test_a_kept_tick_keeps_its_verification_a_new_one_waits_an_untick_goes(member, shelf, admin):
    tempe, singkong, tahu = shelf
    halal = certificate(member, kind=CertificateKind.HALAL, covers=[tempe, singkong])
    db.session.commit()
    cover_products(certificate=halal, products=[tempe, tahu])
    db.session.commit()
    assert links(halal) == {"Keripik Tempe": True, "Tahu Bakso": False}
    assert product_badges(shelf) == {
        "Keripik Tempe": ["Halal"],
        "Keripik Singkong": [],
        "Tahu Bakso": [],
    }


def test_unticking_everything_leaves_the_shop_badge_only(member, shelf):
    halal = certificate(member, kind=CertificateKind.HALAL, covers=shelf)
    db.session.commit()
    cover_products(certificate=halal, products=[])
    db.session.commit()
    assert links(halal) == {}
    assert product_badges(shelf) == {p.name: [] for p in shelf}
    assert member.id in badges_for([], shops=[member.id]).shops


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda m, p: certificate(m, product=p, kind=CertificateKind.PIRT),
            "atas nama satu produk",
        ),
        (lambda m, p: certificate(m, kind=CertificateKind.LAIK_HIGIENE), "tempat produksi"),
        (lambda m, p: certificate(m, status=REJECTED), "ditolak atau kedaluwarsa"),
        (lambda m, p: certificate(m, expires_on=days_from_today(-1)), "ditolak atau kedaluwarsa"),
    ],
    ids=["names-a-product", "laik-higiene", "rejected", "expired"],
)
def test_ticking_is_refused_where_it_means_nothing(member, shelf, make, message):
    found = make(member, shelf[0])
    db.session.commit()
    assert not can_cover_products(found, today())
    with pytest.raises(CertificateError, match=message):
        cover_products(certificate=found, products=[shelf[1]])
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CertificateProduct)) == 0


def test_another_members_product_cannot_be_ticked(member, shelf):
    halal = certificate(member, kind=CertificateKind.HALAL, ticks=[shelf[0]])
    stranger = factories.ProductFactory(name="Gula Kelapa Orang Lain")
    db.session.commit()
    with pytest.raises(CertificateError, match="bukan milik toko Anda"):
        cover_products(certificate=halal, products=[shelf[1], stranger])
    db.session.rollback()
    assert links(halal) == {"Keripik Tempe": False}


def test_laik_higiene_cannot_be_recorded_for_one_product(member, shelf):
    with pytest.raises(CertificateError, match="tempat produksi"):
        record_certificate(
            member=member,
            product=shelf[0],
            kind=CertificateKind.LAIK_HIGIENE,
            number="440/123/LH/2026",
            issuer="Dinas Kesehatan Kabupaten Banyumas",
            expires_on=None,
            scan_key="certificates/lh.pdf",
        )
    db.session.rollback()
    assert certificate_count() == 0


def test_correcting_the_certificate_unverifies_what_it_covers(member, shelf):
    found = certificate(member, status=PENDING, covers=shelf[:2])
    db.session.commit()
    correct_certificate(certificate=found, number="ID-BARU", issuer="BPJPH", expires_on=None)
    db.session.commit()
    assert links(found) == {"Keripik Tempe": False, "Keripik Singkong": False}


def test_deleting_the_certificate_removes_its_ticks(member, shelf):
    found = certificate(member, status=PENDING, ticks=shelf)
    other = certificate(member, kind=CertificateKind.PIRT, ticks=shelf[:1])
    db.session.commit()
    delete_certificate(certificate=found)
    db.session.commit()
    assert links(found) == {}
    assert links(other) == {"Keripik Tempe": False}


# --- the admin verifies ----------------------------------------------------------------------


def test_verifying_the_certificate_with_the_products_on_the_scan(member, shelf, admin):
    tempe, singkong, tahu = shelf
    found = certificate(member, status=PENDING, ticks=[tempe, singkong, tahu])
    db.session.commit()
    verify_certificate(certificate=found, reviewer=admin, covered=[tempe.id, tahu.id])
    db.session.commit()
    assert links(found) == {"Keripik Tempe": True, "Keripik Singkong": False, "Tahu Bakso": True}
    assert product_badges(shelf) == {
        "Keripik Tempe": ["Halal"],
        "Keripik Singkong": [],
        "Tahu Bakso": ["Halal"],
    }
    link = db.session.get(CertificateProduct, (found.id, tempe.id))
    assert link.verified_by_id == admin.id
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        AuditAction.CERTIFICATE_VERIFIED,
        AuditAction.CERTIFICATE_PRODUCTS_VERIFIED,
    ]
    assert events[1].summary.endswith(": Keripik Tempe, Tahu Bakso")
    assert events[1].after == {"products": sorted([tempe.id, tahu.id])}


def test_an_admin_takes_a_products_verification_back(member, shelf, admin):
    tempe, singkong, _tahu = shelf
    found = certificate(member, covers=[tempe, singkong])
    db.session.commit()
    verify_covered_products(certificate=found, reviewer=admin, covered=[singkong.id])
    db.session.commit()
    assert links(found) == {"Keripik Tempe": False, "Keripik Singkong": True}
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.before, event.after) == (
        {"products": sorted([tempe.id, singkong.id])},
        {"products": [singkong.id]},
    )


def test_saving_the_same_verification_again_records_nothing(member, shelf, admin):
    found = certificate(member, covers=shelf[:1])
    db.session.commit()
    verify_covered_products(certificate=found, reviewer=admin, covered=[shelf[0].id])
    db.session.commit()
    assert db.session.scalars(select(AuditEvent)).all() == []


@pytest.mark.parametrize("status", [VERIFIED, PENDING])
def test_a_product_the_member_did_not_tick_cannot_be_verified(member, shelf, admin, status):
    found = certificate(member, status=status, ticks=shelf[:1])
    db.session.commit()
    decide = verify_certificate if status == PENDING else verify_covered_products
    with pytest.raises(CertificateError, match="tidak dicentang anggota"):
        decide(certificate=found, reviewer=admin, covered=[shelf[0].id, shelf[1].id])
    db.session.rollback()
    found = db.session.get(Certificate, found.id)
    assert (found.status, links(found)) == (status, {"Keripik Tempe": False})
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_the_products_of_a_rejected_certificate_cannot_be_verified(member, shelf, admin):
    found = certificate(member, status=REJECTED, ticks=shelf[:1])
    db.session.commit()
    with pytest.raises(CertificateError, match="sudah ditolak"):
        verify_covered_products(certificate=found, reviewer=admin, covered=[shelf[0].id])
    db.session.rollback()
    assert links(found) == {"Keripik Tempe": False}


# --- the admin's queue -----------------------------------------------------------------------


def test_review_list_puts_certificates_with_products_waiting_after_the_pending(member, shelf):
    done = certificate(member, kind=CertificateKind.PIRT, covers=shelf[:1])
    waiting = certificate(member, kind=CertificateKind.HALAL, ticks=shelf[:1])
    pending = certificate(member, kind=CertificateKind.BPOM_MD, status=PENDING)
    certificate(member, kind=CertificateKind.BPOM_ML, status=REJECTED, ticks=shelf[1:2])
    db.session.commit()
    order = db.session.scalars(certificates_for_review()).all()
    assert [c.id for c in order][:3] == [pending.id, waiting.id, done.id]
    only = db.session.scalars(certificates_for_review(products_waiting=True)).all()
    assert [c.id for c in only] == [waiting.id]
    assert db.session.scalar(count_with_products_waiting()) == 1
    assert [link.product.name for link in only[0].covered_products] == ["Keripik Tempe"]
