"""The admin's review of members' certificates at /pengurus/sertifikat."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.catalog.certificates.rules import today
from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
)
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


# --- the products a shop's certificate covers ------------------------------------------------


def covered(found: Certificate) -> dict[str, bool]:
    db.session.expire_all()
    return {
        link.product.name: link.is_verified
        for link in db.session.get(Certificate, found.id).covered_products
    }


def shop_certificate(status=CertificateStatus.PENDING, **links) -> tuple[Certificate, list]:
    """A shop's Halal whose member ticked Keripik Tempe and Keripik Singkong
    (`verified`: the names of those already verified)."""
    made = certificate(status)
    products = [
        ProductFactory(member=made.member, name=name)
        for name in ("Keripik Tempe", "Keripik Singkong")
    ]
    verified = links.get("verified", ())
    made.covered_products = [
        CertificateProduct(
            product=product,
            verified_at=datetime.now(UTC) if product.name in verified else None,
        )
        for product in products
    ]
    db.session.commit()
    return made, products


def test_the_card_lists_the_ticked_products_to_check_against_the_scan(client, admin):
    found, (tempe, singkong) = shop_certificate()
    page = client.get("/pengurus/sertifikat").text
    card = page.split(f'id="sertifikat-{found.id}"')[1].split("</article>")[0]
    assert "Produk yang tercantum di pindaian (dicentang anggota)" in card
    for product in (tempe, singkong):
        assert f'name="produk-{found.id}-products" value="{product.id}">' in card
    assert "mencentang produk yang namanya tercantum" in page


def test_verifying_with_the_products_the_scan_names(client, admin):
    found, (tempe, _singkong) = shop_certificate()
    response = client.post(
        f"/pengurus/sertifikat/{found.id}/verifikasi",
        data={f"produk-{found.id}-products": [str(tempe.id)]},
    )
    assert response.status_code == 302
    assert covered(found) == {"Keripik Tempe": True, "Keripik Singkong": False}
    assert db.session.get(Certificate, found.id).status == CertificateStatus.VERIFIED


def test_products_of_a_verified_certificate_are_verified_or_taken_back(client, admin):
    found, (tempe, singkong) = shop_certificate(
        CertificateStatus.VERIFIED, verified=("Keripik Tempe",)
    )
    page = client.get("/pengurus/sertifikat?status=produk").text
    assert numbers(page) == [found.number]
    assert re.search(r"Produk menunggu <span class=\"facet-count\">1</span>", page)
    assert f'value="{tempe.id}" checked>' in page
    assert "Simpan produk terverifikasi" in page

    response = client.post(
        f"/pengurus/sertifikat/{found.id}/produk?status=produk",
        data={f"produk-{found.id}-products": [str(singkong.id)]},
    )
    assert response.headers["Location"] == "/pengurus/sertifikat?status=produk"
    assert covered(found) == {"Keripik Tempe": False, "Keripik Singkong": True}
    assert "Produk sertifikat Halal nomor" in client.get("/pengurus/sertifikat").text


@pytest.mark.parametrize("value", ["999999", "abc", "١", "-1"])
def test_a_product_not_ticked_by_the_member_is_refused(client, admin, value):
    found, _ = shop_certificate(CertificateStatus.VERIFIED)
    other = ProductFactory(name="Produk Lain")
    for sent in (value, str(other.id)):
        for url in ("produk", "verifikasi"):
            response = client.post(
                f"/pengurus/sertifikat/{found.id}/{url}",
                data={f"produk-{found.id}-products": [sent]},
            )
            assert response.status_code == 200, (sent, url)
            assert "tidak ada di pilihan" in response.text or "Pilih salah satu" in response.text
    assert covered(found) == {"Keripik Tempe": False, "Keripik Singkong": False}


def test_a_certificate_without_ticked_products_has_no_products_to_verify(client, admin):
    found = certificate(CertificateStatus.VERIFIED)
    db.session.commit()
    assert client.post(f"/pengurus/sertifikat/{found.id}/produk").status_code == 404


def test_index_counts_certificates_with_products_waiting(client, admin):
    shop_certificate(CertificateStatus.VERIFIED)
    shop_certificate(CertificateStatus.VERIFIED, verified=("Keripik Tempe", "Keripik Singkong"))
    page = client.get("/pengurus").text
    assert re.search(
        r">1</p>\s*<p class=\"fw-semibold mb-1\">Sertifikat dengan produk menunggu", page
    )
