"""Who may open what under /pengurus (members, certificates, commission
rates, reported reviews): admins only. Anonymous visitors go to the login page, everyone else
gets 403 and changes nothing; an admin asking for an id that does not exist
gets 404."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
    Review,
    ReviewReport,
)
from marketplace.chapters.models import ChapterOfficer
from marketplace.extensions import db
from marketplace.members.models import Member, MemberDecision
from marketplace.orders import fulfilment, reviews
from marketplace.payments import bank_transfer
from tests.factories import ProductFactory, UserFactory, category
from tests.members.helpers import PEOPLE, log_in, make_people, routes_of
from tests.orders.flows import treasurer, walk_to_dispatched
from tests.orders.helpers import cart_with, checkout, variant

NOT_ADMIN = {"owner": 403, "other_member": 403, "shopper": 403, "anonymous": (302, "/akun/masuk")}

# (rule, method) -> (concrete URL with the owner's id, form data, admin's status)
MATRIX = {
    ("/pengurus", "GET"): ("/pengurus", {}, 200),
    ("/pengurus/anggota", "GET"): ("/pengurus/anggota", {}, 200),
    ("/pengurus/anggota/<int:member_id>", "GET"): ("/pengurus/anggota/{owner}", {}, 200),
    # The owner is approved: suspending goes through, the rest are refused with a message.
    ("/pengurus/anggota/<int:member_id>/<decision>", "POST"): (
        "/pengurus/anggota/{owner}/bekukan",
        {"suspend-reason": "Uji akses."},
        (302, None),
    ),
    ("/pengurus/sertifikat", "GET"): ("/pengurus/sertifikat?status=pending", {}, 200),
    ("/pengurus/sertifikat/<int:certificate_id>/verifikasi", "POST"): (
        "/pengurus/sertifikat/{certificate}/verifikasi",
        {},
        (302, "/pengurus/sertifikat"),
    ),
    ("/pengurus/sertifikat/<int:certificate_id>/produk", "POST"): (
        "/pengurus/sertifikat/{certificate}/produk",
        {},
        (302, "/pengurus/sertifikat"),
    ),
    ("/pengurus/sertifikat/<int:certificate_id>/tolak", "POST"): (
        "/pengurus/sertifikat/{certificate}/tolak",
        {"sertifikat-{certificate}-reason": "Uji akses."},
        (302, "/pengurus/sertifikat"),
    ),
    ("/pengurus/komisi", "GET"): ("/pengurus/komisi", {}, 200),
    ("/pengurus/komisi/kategori/<int:category_id>", "POST"): (
        "/pengurus/komisi/kategori/{category}",
        {"kategori-{category}-rate": "2,5"},
        (302, "/pengurus/komisi"),
    ),
    ("/pengurus/komisi/anggota/<int:member_id>", "POST"): (
        "/pengurus/komisi/anggota/{owner}",
        {"komisi-rate": "3"},
        (302, None),
    ),
    ("/pengurus/audit", "GET"): (
        "/pengurus/audit?aksi=member.approved&pelaku=a&dari=2026-01-01&sampai=2026-12-31",
        {},
        200,
    ),
    ("/pengurus/audit.csv", "GET"): ("/pengurus/audit.csv?aksi=month.closed", {}, 200),
    ("/pengurus/pengurus-kecamatan", "GET"): ("/pengurus/pengurus-kecamatan", {}, 200),
    ("/pengurus/pengurus-kecamatan", "POST"): (
        "/pengurus/pengurus-kecamatan",
        {"email": "{shopper_email}", "kecamatan": "ajibarang"},
        (302, "/pengurus/pengurus-kecamatan"),
    ),
    ("/pengurus/pengurus-kecamatan/<int:appointment_id>/berhentikan", "POST"): (
        "/pengurus/pengurus-kecamatan/{appointment}/berhentikan",
        {},
        (302, "/pengurus/pengurus-kecamatan"),
    ),
    ("/pengurus/ulasan", "GET"): ("/pengurus/ulasan?tampil=tersembunyi", {}, 200),
    ("/pengurus/ulasan/<int:review_id>/sembunyikan", "POST"): (
        "/pengurus/ulasan/{review}/sembunyikan",
        {"reason": "Uji akses."},
        (302, "/pengurus/ulasan"),
    ),
    # The review is shown: showing it again is refused with a message.
    ("/pengurus/ulasan/<int:review_id>/tampilkan", "POST"): (
        "/pengurus/ulasan/{review}/tampilkan",
        {},
        (302, "/pengurus/ulasan"),
    ),
    ("/pengurus/ulasan/<int:review_id>/biarkan", "POST"): (
        "/pengurus/ulasan/{review}/biarkan",
        {},
        (302, "/pengurus/ulasan"),
    ),
}
EXTRA_ADMIN_CASES = [
    ("GET", "/pengurus/anggota/999999", {}, 404),
    ("POST", "/pengurus/anggota/999999/setujui", {}, 404),
    ("POST", "/pengurus/anggota/{owner}/hapus", {}, 404),
    ("POST", "/pengurus/anggota/{owner}/setujui", {}, 200),
    ("POST", "/pengurus/anggota/{owner}/tolak", {"reject-reason": "x"}, 200),
    ("POST", "/pengurus/anggota/{owner}/aktifkan", {}, 200),
    ("GET", "/pengurus/anggota?status=pending&kecamatan=sokaraja&page=3", {}, 200),
    ("POST", "/pengurus/sertifikat/999999/verifikasi", {}, 404),
    ("POST", "/pengurus/sertifikat/999999/tolak", {}, 404),
    ("POST", "/pengurus/sertifikat/999999/produk", {}, 404),
    (
        "POST",
        "/pengurus/sertifikat/{certificate}/produk",
        {"produk-{certificate}-products": "x"},
        200,
    ),
    ("GET", "/pengurus/sertifikat?status=produk", {}, 200),
    ("GET", "/pengurus/sertifikat?status=bukan&page=99&certificate_id=1", {}, 200),
    ("POST", "/pengurus/komisi/kategori/999999", {}, 404),
    ("POST", "/pengurus/komisi/anggota/999999", {}, 404),
    ("GET", "/pengurus/audit?dari=bukan&page=abc", {}, 400),
    ("GET", "/pengurus/audit.csv?sampai=1999-12-31", {}, 400),
    ("GET", "/pengurus/audit?page=999", {}, 200),
    ("POST", "/pengurus/pengurus-kecamatan/999999/berhentikan", {}, 404),
    ("POST", "/pengurus/pengurus-kecamatan", {"email": "nobody@example.com"}, 400),
    ("POST", "/pengurus/pengurus-kecamatan", {"email": "{shopper_email}", "kecamatan": "x"}, 400),
    ("POST", "/pengurus/ulasan/999999/sembunyikan", {"reason": "x"}, 404),
    ("POST", "/pengurus/ulasan/999999/tampilkan", {}, 404),
    ("POST", "/pengurus/ulasan/999999/biarkan", {}, 404),
    ("GET", "/pengurus/ulasan?page=99&tampil=bukan", {}, 404),
]


def written() -> tuple:
    decisions, emails = (
        db.session.scalar(select(func.count()).select_from(model))
        for model in (MemberDecision, OutboxEmail)
    )
    reviews = db.session.execute(select(Certificate.status, Certificate.reviewed_at)).all()
    reviews += db.session.execute(select(CertificateProduct.verified_at)).all()
    rates = (
        db.session.execute(select(Category.commission_bps).order_by(Category.id)).all()
        + db.session.execute(select(Member.commission_bps).order_by(Member.id)).all()
    )
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    officers = db.session.execute(select(ChapterOfficer.id, ChapterOfficer.removed_at)).all()
    buyers_reviews = db.session.execute(
        select(Review.hidden_at, Review.hidden_reason).order_by(Review.id)
    ).all()
    reports = db.session.execute(select(ReviewReport.handled_at)).all()
    ratings = db.session.execute(select(Product.rating_count, Product.rating_sum)).all()
    return decisions, emails, reviews, rates, audit, officers, buyers_reviews, reports, ratings


def owner_certificate(owner) -> Certificate:
    made = Certificate(
        member=owner,
        kind=CertificateKind.PIRT,
        number="2063302010123-29",
        issuer="Dinkes",
        scan_key="certificates/contoh.webp",
        status=CertificateStatus.PENDING,
        covered_products=[CertificateProduct(product=ProductFactory(member=owner))],
    )
    db.session.add(made)
    # An officer of the owner's kecamatan, whom the admin may remove.
    db.session.add(
        ChapterOfficer(
            user=people_officer(owner), kecamatan=owner.kecamatan, appointed_by=owner.user
        )
    )
    db.session.commit()
    return made


def people_officer(owner):
    return UserFactory(email=f"pengurus-{owner.id}@example.com")


def appointment_of(certificate: Certificate) -> int:
    return db.session.scalar(
        select(ChapterOfficer.id).where(
            ChapterOfficer.kecamatan_id == certificate.member.kecamatan_id
        )
    )


def owner_review(people: dict) -> Review:
    """The shopper's review of the owner's product, reported by the other member."""
    sold = variant(member=people["owner"])
    buyer = people["shopper"]
    order = checkout(buyer, cart_with(buyer, (sold, 1)))
    db.session.flush()
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    part = order.parts[0]
    walk_to_dispatched(part)
    fulfilment.complete(part=part, member=part.member)
    review = reviews.write_review(line=part.lines[0], buyer=buyer, rating=4, text="Bagus")
    db.session.flush()
    reviews.report_review(review=review, reporter=people["other_member"].user, reason="Uji")
    db.session.commit()
    return review


def concrete(url: str, people: dict, certificate: Certificate, review: Review | None = None) -> str:
    return url.format(
        owner=people["owner"].id,
        certificate=certificate.id,
        category=category().id,
        shopper_email=people["shopper"].email,
        appointment=appointment_of(certificate),
        review=review.id if review else 0,
    )


def test_the_matrix_covers_every_admin_route(app):
    assert routes_of(app, "admin") == set(MATRIX)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("rule", "method"), list(MATRIX))
def test_access_matrix(client, login_as, rule, method, who):
    people = make_people(login_as)
    log_in(login_as, people, who)
    certificate = owner_certificate(people["owner"])
    review = owner_review(people)
    url, data, admin_status = MATRIX[(rule, method)]
    data = {
        concrete(key, people, certificate): concrete(value, people, certificate)
        for key, value in data.items()
    }
    before = written()
    response = client.open(concrete(url, people, certificate, review), method=method, data=data)
    expected = admin_status if who == "admin" else NOT_ADMIN[who]
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status
    if location:
        assert urlsplit(response.headers["Location"]).path == location
    if status == 403:
        assert "Anda tidak memiliki akses ke halaman ini." in response.text
    if who != "admin":
        assert written() == before


@pytest.mark.parametrize(("method", "url", "data", "status"), EXTRA_ADMIN_CASES)
def test_admin_edges(client, login_as, method, url, data, status):
    people = make_people(login_as)
    certificate = owner_certificate(people["owner"])
    log_in(login_as, people, "admin")
    data = {
        concrete(key, people, certificate): concrete(value, people, certificate)
        for key, value in data.items()
    }
    response = client.open(concrete(url, people, certificate), method=method, data=data)
    assert response.status_code == status
