"""The admin's review of members' certificates at /pengurus/sertifikat."""

import re
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.catalog.certificates.rules import today
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests.factories import ProductFactory, UserFactory
from tests.members.helpers import member_in


def certificate(
    status=CertificateStatus.PENDING,
    *,
    days_left=365,
    scan_key="certificates/a.webp",
    kind=CertificateKind.HALAL,
    number=None,
    product=None,
    **fields,
) -> Certificate:
    member = product.member if product else member_in(MemberStatus.APPROVED)
    made = Certificate(
        member=member,
        product=product,
        kind=kind,
        status=status,
        scan_key=scan_key,
        number=number or f"ID{member.id:04d}{kind.value}",
        issuer="BPJPH",
        expires_on=today() + timedelta(days=days_left),
        **fields,
    )
    db.session.add(made)
    db.session.flush()
    return made


@pytest.fixture
def admin(login_as):
    return login_as(UserFactory(roles=[Role.ADMIN], name="Bambang Sutrisno"))


def numbers(html: str) -> list[str]:
    return re.findall(r'<dd class="col-8 mb-1 text-break">(ID\d+[a-z-]+)</dd>', html)


def test_list_shows_pending_first_with_the_scan(client, admin):
    verified = certificate(CertificateStatus.VERIFIED, number="ID0001halal")
    pending = certificate(
        CertificateStatus.PENDING, number="ID0002halal", kind=CertificateKind.PIRT
    )
    pdf = certificate(
        CertificateStatus.PENDING, number="ID0003halal", scan_key="certificates/b.pdf"
    )
    certificate(
        CertificateStatus.REJECTED, number="ID0004halal", rejection_reason="Pindaian buram."
    )
    db.session.commit()
    page = client.get("/pengurus/sertifikat").text
    assert numbers(page) == ["ID0002halal", "ID0003halal", "ID0001halal", "ID0004halal"]
    assert f'src="/kelola/sertifikat/{pending.id}/pindaian"' in page
    assert f'href="/kelola/sertifikat/{pdf.id}/pindaian">Unduh pindaian (PDF)' in page
    assert "Pindaian buram." in page
    assert pending.member.shop_name in page and f"/pengurus/anggota/{verified.member_id}" in page
    assert page.count(">Verifikasi</button>") == 2
    assert page.count("Cabut verifikasi") == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ["ID0002halal"]),
        ("verified", ["ID0001halal"]),
        ("rejected", []),
        ("apa-saja", ["ID0002halal", "ID0001halal"]),
    ],
)
def test_list_filters_by_status(client, admin, status, expected):
    certificate(CertificateStatus.VERIFIED, number="ID0001halal")
    certificate(CertificateStatus.PENDING, number="ID0002halal")
    db.session.commit()
    page = client.get(f"/pengurus/sertifikat?status={status}").text
    assert numbers(page) == expected


def test_verifying_shows_the_badge(client, admin):
    product = ProductFactory(name="Keripik Tempe Sagu")
    pending = certificate(product=product, kind=CertificateKind.HALAL)
    db.session.commit()
    response = client.post(f"/pengurus/sertifikat/{pending.id}/verifikasi?status=pending")
    assert response.status_code == 302
    assert response.headers["Location"] == "/pengurus/sertifikat?status=pending"
    db.session.refresh(pending)
    assert pending.status == CertificateStatus.VERIFIED
    assert pending.reviewed_at is not None and pending.reviewed_by_id is not None
    page = client.get("/pengurus/sertifikat?status=pending").text
    assert f"Sertifikat Halal nomor {pending.number} terverifikasi." in page


def test_rejecting_needs_a_reason_the_member_reads(client, admin):
    pending = certificate()
    db.session.commit()
    prefix = f"sertifikat-{pending.id}"
    refused = client.post(
        f"/pengurus/sertifikat/{pending.id}/tolak", data={f"{prefix}-reason": " "}
    )
    assert refused.status_code == 200
    assert "Tuliskan alasan penolakan" in refused.text
    db.session.refresh(pending)
    assert pending.status == CertificateStatus.PENDING

    response = client.post(
        f"/pengurus/sertifikat/{pending.id}/tolak",
        data={f"{prefix}-reason": "Nomor tidak terbaca."},
    )
    assert response.status_code == 302
    db.session.refresh(pending)
    assert (pending.status, pending.rejection_reason) == (
        CertificateStatus.REJECTED,
        "Nomor tidak terbaca.",
    )


def test_a_verified_certificate_can_be_revoked(client, admin):
    verified = certificate(CertificateStatus.VERIFIED)
    db.session.commit()
    response = client.post(
        f"/pengurus/sertifikat/{verified.id}/tolak",
        data={f"sertifikat-{verified.id}-reason": "Sertifikat dicabut penerbit."},
    )
    assert response.status_code == 302
    db.session.refresh(verified)
    assert verified.status == CertificateStatus.REJECTED


@pytest.mark.parametrize(
    ("status", "days_left", "url", "message"),
    [
        (CertificateStatus.VERIFIED, 365, "verifikasi", "tidak sedang menunggu verifikasi"),
        (CertificateStatus.REJECTED, 365, "verifikasi", "tidak sedang menunggu verifikasi"),
        (CertificateStatus.PENDING, -1, "verifikasi", "sudah kedaluwarsa"),
        (CertificateStatus.REJECTED, 365, "tolak", "sudah ditolak"),
    ],
    ids=["verified", "rejected", "expired", "reject-twice"],
)
def test_a_refused_review_shows_why_and_changes_nothing(
    client, admin, status, days_left, url, message
):
    found = certificate(status, days_left=days_left)
    db.session.commit()
    response = client.post(
        f"/pengurus/sertifikat/{found.id}/{url}", data={f"sertifikat-{found.id}-reason": "Alasan."}
    )
    assert response.status_code == 200
    assert message in response.text
    db.session.refresh(found)
    assert (found.status, found.reviewed_at) == (status, None)


def test_an_unknown_certificate_is_not_found(client, admin):
    assert client.post("/pengurus/sertifikat/999999/verifikasi").status_code == 404
    assert client.post("/pengurus/sertifikat/999999/tolak").status_code == 404


def test_index_counts_certificates_waiting(client, admin):
    certificate()
    certificate(CertificateStatus.VERIFIED)
    db.session.commit()
    page = client.get("/pengurus").text
    assert re.search(r">1</p>\s*<p class=\"fw-semibold mb-1\">Sertifikat menunggu", page)
