import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.members.models import Member, MemberDecision, MemberStatus
from tests.factories import ProductFactory, UserFactory, kecamatan
from tests.members.helpers import member_in, writes


@pytest.fixture
def admin(login_as):
    return login_as(UserFactory(roles=[Role.ADMIN], name="Bambang Sutrisno"))


def shop_names(html: str) -> list[str]:
    return re.findall(
        r'class="fw-semibold stretched-link text-break text-decoration-none d-block" href="[^"]+">([^<]+)</a>',
        html,
    )


def test_list_puts_applications_waiting_for_a_decision_first(client, admin):
    member_in(MemberStatus.APPROVED, shop_name="Toko Aktif")
    member_in(MemberStatus.REJECTED, shop_name="Toko Ditolak")
    member_in(MemberStatus.PENDING, shop_name="Toko Menunggu Lama")
    member_in(MemberStatus.SUSPENDED, shop_name="Toko Beku")
    member_in(MemberStatus.PENDING, shop_name="Toko Menunggu Baru")
    response = client.get("/pengurus/anggota")
    assert response.status_code == 200
    assert shop_names(response.text) == [
        "Toko Menunggu Lama",
        "Toko Menunggu Baru",
        "Toko Beku",
        "Toko Aktif",
        "Toko Ditolak",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=pending", ["Menunggu Sokaraja", "Menunggu Wangon"]),
        ("?kecamatan=sokaraja", ["Menunggu Sokaraja", "Aktif Sokaraja"]),
        ("?status=pending&kecamatan=wangon", ["Menunggu Wangon"]),
        ("?status=suspended", []),
        (
            "?status=bukan-status&kecamatan=bukan-kecamatan",
            ["Menunggu Sokaraja", "Menunggu Wangon", "Aktif Sokaraja"],
        ),
    ],
    ids=["status", "kecamatan", "both", "none", "unknown-values-ignored"],
)
def test_list_filters_by_status_and_kecamatan(client, admin, query, expected):
    member_in(MemberStatus.PENDING, shop_name="Menunggu Sokaraja", kecamatan=kecamatan("sokaraja"))
    member_in(MemberStatus.PENDING, shop_name="Menunggu Wangon", kecamatan=kecamatan("wangon"))
    member_in(MemberStatus.APPROVED, shop_name="Aktif Sokaraja", kecamatan=kecamatan("sokaraja"))
    response = client.get(f"/pengurus/anggota{query}")
    assert response.status_code == 200
    assert shop_names(response.text) == expected
    if not expected:
        assert "Tidak ada toko dengan saringan ini." in response.text


def test_list_counts_each_status_and_pages(client, admin):
    for number in range(23):
        member_in(MemberStatus.PENDING, shop_name=f"Toko {number:02d}")
    first = client.get("/pengurus/anggota?status=pending").text
    assert len(shop_names(first)) == 20
    assert 'Menunggu persetujuan <span class="facet-count">23</span>' in first
    assert 'href="/pengurus/anggota?status=pending&amp;page=2"' in first
    second = client.get("/pengurus/anggota?status=pending&page=2").text
    assert shop_names(second) == ["Toko 20", "Toko 21", "Toko 22"]


def test_index_shows_what_waits(client, admin):
    member_in(MemberStatus.PENDING)
    member_in(MemberStatus.PENDING)
    member_in(MemberStatus.APPROVED)
    response = client.get("/pengurus")
    assert response.status_code == 200
    assert "Pengajuan anggota menunggu" in response.text
    assert re.search(
        r">2</p>\s*<p class=\"fw-semibold mb-1\">Pengajuan anggota menunggu", response.text
    )


def test_detail_shows_everything_the_applicant_sent(client, admin):
    member = member_in(
        MemberStatus.PENDING,
        shop_name="Gula Semut Semedo",
        owner_name="Ahmad Fauzi",
        nib="1234567890123",
        bank_name="Bank Jateng",
        bank_account_number="2001234567",
        bank_account_holder="Ahmad Fauzi",
        desa="Semedo",
        kecamatan=kecamatan("pekuncen"),
        whatsapp="6281234567890",
        description="Gula semut organik.",
    )
    response = client.get(f"/pengurus/anggota/{member.id}")
    assert response.status_code == 200
    for text in (
        "Gula Semut Semedo",
        "Ahmad Fauzi",
        "1234567890123",
        "Bank Jateng 2001234567",
        "Semedo",
        "Pekuncen",
        "0812-3456-7890",
        "Gula semut organik.",
        member.user.email,
        "Setujui jadi anggota",
        "Tolak pengajuan",
        "Belum ada keputusan",
    ):
        assert text in response.text
    assert "Bekukan keanggotaan" not in response.text
    assert ">+6281234567890<" not in response.text and ">6281234567890<" not in response.text


def test_approving_makes_a_member_and_emails_them(client, admin, capsys):
    member = member_in(MemberStatus.PENDING, shop_name="Toko Uji")
    response = client.post(
        f"/pengurus/anggota/{member.id}/setujui", data={"approve-reason": "Selamat bergabung!"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pengurus/anggota/{member.id}"
    db.session.refresh(member)
    assert member.status == MemberStatus.APPROVED and member.approved_at is not None
    assert member.user.has_role(Role.MEMBER)
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.sent_at is not None  # delivered after the commit
    assert "Selamat bergabung!" in capsys.readouterr().out
    page = client.get(f"/pengurus/anggota/{member.id}").text
    assert "Toko Uji sudah disetujui menjadi anggota." in page
    assert "Bambang Sutrisno" in page and "Selamat bergabung!" in page  # the history
    assert "Bekukan keanggotaan" in page


def test_rejecting_needs_a_reason_the_applicant_then_reads(client, admin, login_as):
    member = member_in(MemberStatus.PENDING, shop_name="Toko Uji")
    db.session.commit()
    before = writes()
    refused = client.post(f"/pengurus/anggota/{member.id}/tolak", data={"reject-reason": " "})
    assert refused.status_code == 200
    assert "Tuliskan alasan penolakan" in refused.text
    assert writes() == before

    response = client.post(
        f"/pengurus/anggota/{member.id}/tolak", data={"reject-reason": "Alamat belum lengkap."}
    )
    assert response.status_code == 302
    login_as(member.user)
    page = client.get("/anggota").text
    assert "Alamat belum lengkap." in page and "Kirim ulang pengajuan" in page


def test_suspending_hides_the_shop_at_once_and_reinstating_brings_it_back(client, admin, login_as):
    product = ProductFactory(name="Keripik Tempe Sagu")
    member = product.member
    db.session.commit()
    client.post("/akun/keluar")
    assert client.get(f"/toko/{member.slug}").status_code == 200
    assert "Keripik Tempe Sagu" in client.get("/produk").text

    login_as(UserFactory(roles=[Role.ADMIN]))
    response = client.post(
        f"/pengurus/anggota/{member.id}/bekukan", data={"suspend-reason": "Keluhan pembeli."}
    )
    assert response.status_code == 302
    client.post("/akun/keluar")
    assert client.get(f"/toko/{member.slug}").status_code == 404
    assert client.get(f"/produk/{product.id}").status_code == 404
    assert "Keripik Tempe Sagu" not in client.get("/produk").text
    assert db.session.get(Member, member.id).user.roles == set()

    login_as(UserFactory(roles=[Role.ADMIN]))
    assert client.post(f"/pengurus/anggota/{member.id}/aktifkan").status_code == 302
    client.post("/akun/keluar")
    assert client.get(f"/toko/{member.slug}").status_code == 200
    assert "Keripik Tempe Sagu" in client.get("/produk").text


@pytest.mark.parametrize(
    ("status", "decision", "message"),
    [
        (
            MemberStatus.APPROVED,
            "setujui",
            "Hanya pengajuan yang menunggu persetujuan yang bisa disetujui.",
        ),
        (
            MemberStatus.REJECTED,
            "tolak",
            "Hanya pengajuan yang menunggu persetujuan yang bisa ditolak.",
        ),
        (MemberStatus.PENDING, "bekukan", "Hanya anggota yang aktif yang bisa dibekukan."),
        (
            MemberStatus.APPROVED,
            "aktifkan",
            "Hanya anggota yang sedang dibekukan yang bisa diaktifkan kembali.",
        ),
    ],
)
def test_a_refused_decision_shows_why_and_writes_nothing(client, admin, status, decision, message):
    member = member_in(status)
    db.session.commit()
    before = writes()
    prefix = {
        "setujui": "approve",
        "tolak": "reject",
        "bekukan": "suspend",
        "aktifkan": "reinstate",
    }
    response = client.post(
        f"/pengurus/anggota/{member.id}/{decision}", data={f"{prefix[decision]}-reason": "Alasan."}
    )
    assert response.status_code == 200
    assert message in response.text
    assert writes() == before
    assert db.session.get(Member, member.id).status == status


def test_an_unknown_decision_or_member_is_not_found(client, admin):
    member = member_in(MemberStatus.PENDING)
    assert client.post(f"/pengurus/anggota/{member.id}/hapus").status_code == 404
    assert client.post("/pengurus/anggota/999999/setujui").status_code == 404
    assert client.get("/pengurus/anggota/999999").status_code == 404


def test_a_too_long_reason_is_explained(client, admin):
    member = member_in(MemberStatus.PENDING)
    response = client.post(
        f"/pengurus/anggota/{member.id}/tolak", data={"reject-reason": "x" * 1001}
    )
    assert response.status_code == 200
    assert "Alasan paling panjang 1000 karakter." in response.text
    assert db.session.scalars(select(MemberDecision)).all() == []
