import io
import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Member, MemberDecision, MemberStatus
from tests.factories import UserFactory, kecamatan, log_in
from tests.members.helpers import APPLICATION_FORM, application_form, member_in, picture, writes

ENGLISH = ("This field is required", "Not a valid", "Invalid", "Field must", "could not coerce")


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def assert_indonesian(html: str) -> None:
    for words in ENGLISH:
        assert words not in html


# --- applying ----------------------------------------------------------------


def test_apply_page_asks_for_the_business_in_indonesian(client, login_as):
    login_as(Role.SHOPPER)
    response = client.get("/anggota/daftar")
    assert response.status_code == 200
    assert ">Daftar jadi anggota</h1>" in response.text
    options = re.findall(r'<option (?:selected )?value="(\d+)"', response.text)
    assert len(options) == 28  # "Pilih kecamatan…" and the 27 kecamatan
    for label in ("Nama toko atau usaha", "NIB (jika ada)", "Nomor rekening", "Cerita usaha Anda"):
        assert label in response.text


def test_applying_makes_a_pending_application(client, login_as):
    user = login_as(Role.SHOPPER)
    response = client.post("/anggota/daftar", data=application_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/anggota"
    member = db.session.scalars(select(Member)).one()
    assert (member.user_id, member.status, member.whatsapp, member.nib) == (
        user.id,
        MemberStatus.PENDING,
        "6281234567890",
        "1234567890123",
    )
    assert ("success", "Terima kasih! Pengajuan Anda sudah kami terima.") in flashes(client)
    page = client.get("/anggota").text
    assert "Pengajuan Anda sedang diperiksa." in page and "Menunggu persetujuan" in page


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {key: "" for key in [*APPLICATION_FORM, "kecamatan_id"]},
            [
                "Isi nama toko atau usaha Anda.",
                "Isi nama pemilik usaha.",
                "Pilih kecamatan tempat usaha Anda.",
                "Isi desa atau kelurahan tempat usaha Anda.",
                "Isi alamat usaha Anda.",
                "Isi nomor WhatsApp usaha Anda.",
                "Isi nama bank Anda.",
                "Isi nomor rekening Anda.",
                "Isi nama pemilik rekening.",
            ],
        ),
        ({"whatsapp": "021-555-1234"}, ["Nomor WhatsApp tidak valid"]),
        ({"nib": "12345"}, ["NIB terdiri dari 13 angka"]),
        ({"bank_account_number": "rekening"}, ["Nomor rekening berisi 6 sampai 20 angka."]),
        ({"kecamatan_id": "abc"}, ["Pilih kecamatan tempat usaha Anda."]),
        ({"kecamatan_id": "999999"}, ["Pilih kecamatan tempat usaha Anda."]),
        ({"shop_name": "x" * 121}, ["Paling panjang 120 karakter."]),
    ],
    ids=["empty", "whatsapp", "nib", "account", "kecamatan-text", "kecamatan-unknown", "long"],
)
def test_apply_explains_mistakes_and_writes_nothing(client, login_as, changes, messages):
    login_as(Role.SHOPPER)
    before = writes()
    response = client.post("/anggota/daftar", data=application_form(**changes))
    assert response.status_code == 200
    for message in messages:
        assert message in response.text
    assert_indonesian(response.text)
    assert writes() == before


def test_someone_who_applied_is_sent_to_the_status_page(client, login_as):
    member = member_in(MemberStatus.PENDING)
    login_as(member.user)
    before = writes()
    for response in (
        client.get("/anggota/daftar"),
        client.post("/anggota/daftar", data=application_form()),
    ):
        assert response.status_code == 302
        assert response.headers["Location"] == "/anggota"
    assert writes() == before


def test_without_an_application_the_status_page_invites_to_apply(client, login_as):
    login_as(Role.SHOPPER)
    response = client.get("/anggota")
    assert response.status_code == 302
    assert response.headers["Location"] == "/anggota/daftar"


# --- the status page -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "shows", "hides"),
    [
        (
            MemberStatus.PENDING,
            ["Pengajuan Anda sedang diperiksa.", "Data pengajuan"],
            ["Kirim ulang pengajuan", "Kelola produk"],
        ),
        (
            MemberStatus.APPROVED,
            [
                "Selamat, toko Anda sudah aktif",
                "Kelola produk",
                'href="/anggota/toko"',
                'href="/kelola"',
            ],
            ["Kirim ulang pengajuan"],
        ),
        (
            MemberStatus.REJECTED,
            ["belum bisa disetujui", "Foto produk belum ada.", "Kirim ulang pengajuan"],
            ["Kelola produk"],
        ),
        (
            MemberStatus.SUSPENDED,
            [
                "Keanggotaan Anda sedang dibekukan.",
                "Banyak keluhan pembeli.",
                "tidak tampil di Pasar Aspikmas",
            ],
            ["Kirim ulang pengajuan", "Kelola produk"],
        ),
    ],
    ids=lambda value: value.value if isinstance(value, MemberStatus) else None,
)
def test_status_page_says_where_the_membership_stands(client, login_as, status, shows, hides):
    member = member_in(status, rejection_reason="Foto produk belum ada.")
    if status == MemberStatus.SUSPENDED:
        db.session.add(
            MemberDecision(
                member=member,
                decided_by=UserFactory(roles=[Role.ADMIN]),
                from_status="approved",
                to_status="suspended",
                reason="Banyak keluhan pembeli.",
            )
        )
    login_as(member.user)
    response = client.get("/anggota")
    assert response.status_code == 200
    for text in shows:
        assert text in response.text
    for text in hides:
        assert text not in response.text


def test_a_rejected_applicant_corrects_and_applies_again(client, login_as):
    member = member_in(MemberStatus.REJECTED, rejection_reason="NIB salah.", nib="9999999999999")
    login_as(member.user)
    page = client.get("/anggota").text
    assert 'value="9999999999999"' in page  # the form holds what was sent
    response = client.post("/anggota", data=application_form(nib=""))
    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.status, member.nib, member.rejection_reason) == (MemberStatus.PENDING, None, "")
    decision = db.session.scalars(select(MemberDecision)).one()
    assert (decision.from_status, decision.to_status, decision.decided_by_id) == (
        "rejected",
        "pending",
        member.user_id,
    )
    assert "Pengajuan Anda sedang diperiksa." in client.get("/anggota").text


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.APPROVED, MemberStatus.SUSPENDED]
)
def test_only_a_rejected_application_can_be_sent_again(client, login_as, status):
    member = member_in(status, shop_name="Toko Uji")
    login_as(member.user)
    before = writes()
    response = client.post("/anggota", data=application_form(shop_name="Nama Baru"))
    assert response.status_code == 200
    assert "Pengajuan hanya bisa diperbaiki dan dikirim ulang setelah ditolak." in response.text
    assert writes() == before
    assert db.session.get(Member, member.id).shop_name == "Toko Uji"


def test_the_corrected_application_is_checked_like_a_new_one(client, login_as):
    member = member_in(MemberStatus.REJECTED)
    login_as(member.user)
    response = client.post("/anggota", data=application_form(whatsapp="123"))
    assert response.status_code == 200
    assert "Nomor WhatsApp tidak valid" in response.text
    assert db.session.get(Member, member.id).status == MemberStatus.REJECTED


# --- the shop profile -----------------------------------------------------------


def profile_form(**changes) -> dict:
    return {
        "shop_name": "Keripik Tempe Bu Sri",
        "description": "Renyah dan gurih.",
        "whatsapp": "0812 3456 7890",
        "opening_hours": "Senin–Sabtu 08.00–16.00",
        "offers_pickup": "y",
    } | changes


def delivery_rows(**fees: str) -> dict:
    """Form rows for kecamatan slugs: {"sokaraja": "10.000"}; an empty fee leaves
    the row unticked."""
    data = {}
    for index, (slug, fee) in enumerate(fees.items()):
        data[f"delivery-{index}-kecamatan_id"] = str(kecamatan(slug).id)
        data[f"delivery-{index}-fee"] = fee
        if fee is not None:
            data[f"delivery-{index}-delivers"] = "y"
    return data


def test_profile_page_lists_every_kecamatan_for_delivery(client, login_as):
    member = member_in(MemberStatus.APPROVED)
    db.session.add(DeliveryRate(member=member, kecamatan=kecamatan("sokaraja"), fee=12_500))
    login_as(member.user)
    response = client.get("/anggota/toko")
    assert response.status_code == 200
    assert response.text.count('name="delivery-') == 27 * 3
    assert 'value="12.500"' in response.text
    assert "Ongkir ke Sokaraja" in response.text
    # the stored 62813… number, as the member wrote it
    shown = f"0{member.whatsapp[2:5]}-{member.whatsapp[5:9]}-{member.whatsapp[9:]}"
    assert f'value="{shown}"' in response.text and member.whatsapp not in response.text


def test_member_saves_the_shop_profile_with_pictures_and_delivery(client, login_as):
    member = member_in(MemberStatus.APPROVED, slug="toko-lama")
    login_as(member.user)
    data = profile_form() | delivery_rows(sokaraja="Rp 10.000", kembaran="0", wangon=None)
    data |= {
        "logo": (io.BytesIO(picture((300, 300))), "logo.png"),
        "banner": (io.BytesIO(picture((1500, 500), "JPEG")), "sampul.jpg"),
    }
    response = client.post("/anggota/toko", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/anggota/toko"
    db.session.refresh(member)
    assert (member.shop_name, member.opening_hours, member.offers_pickup, member.slug) == (
        "Keripik Tempe Bu Sri",
        "Senin–Sabtu 08.00–16.00",
        True,
        "toko-lama",
    )
    fees = {rate.kecamatan.slug: rate.fee for rate in member.delivery_rates}
    assert fees == {"sokaraja": 10_000, "kembaran": 0}
    assert storage().path(member.logo_key).is_file() and storage().path(member.banner_key).is_file()

    client.post("/akun/keluar")
    shop = client.get("/toko/toko-lama").text
    for text in (
        "Senin–Sabtu 08.00–16.00",
        "Ambil sendiri di toko",
        "Diantar ke 2 kecamatan",
        "Rp10.000",
        "Gratis ongkir",
        member.logo_key,
        member.banner_key,
    ):
        assert text in shop


@pytest.mark.parametrize(
    ("rows", "changes", "message"),
    [
        ({"sokaraja": "10,5"}, {}, "Ongkir harus bilangan bulat, misalnya 10.000."),
        ({"sokaraja": "-5000"}, {}, "Ongkir tidak boleh negatif."),
        ({"sokaraja": ""}, {}, "Isi ongkirnya (boleh 0 untuk gratis)."),
        ({"sokaraja": "2.000.000"}, {}, "Paling banyak 1.000.000."),
        (
            {},
            {
                "delivery-0-kecamatan_id": "999999",
                "delivery-0-delivers": "y",
                "delivery-0-fee": "5000",
            },
            "Ada kecamatan tujuan pengantaran yang tidak dikenal.",
        ),
        (
            {},
            {"delivery-0-kecamatan_id": "x", "delivery-0-delivers": "y", "delivery-0-fee": "5000"},
            "Kecamatan tujuan tidak dikenal.",
        ),
        ({}, {"offers_pickup": None}, "Pilih setidaknya satu cara pembeli menerima pesanan"),
        ({}, {"whatsapp": "12"}, "Nomor WhatsApp tidak valid"),
    ],
    ids=[
        "comma",
        "negative",
        "empty",
        "huge",
        "unknown-kecamatan",
        "not-a-number",
        "no-way",
        "whatsapp",
    ],
)
def test_profile_mistakes_are_explained_and_nothing_changes(
    client, login_as, rows, changes, message
):
    member = member_in(MemberStatus.APPROVED, shop_name="Toko Uji")
    login_as(member.user)
    data = profile_form(shop_name="Baru") | delivery_rows(**rows) | changes
    response = client.post(
        "/anggota/toko", data={key: value for key, value in data.items() if value is not None}
    )
    assert response.status_code == 200
    assert message in response.text
    assert_indonesian(response.text)
    db.session.expire_all()
    assert db.session.get(Member, member.id).shop_name == "Toko Uji"
    assert db.session.scalars(select(DeliveryRate)).all() == []


def cash_ticked(html: str) -> bool:
    box = re.search(r'<input[^>]*id="accepts_cash"[^>]*>', html)
    return box is not None and "checked" in box.group(0)


def test_profile_page_asks_whether_the_shop_takes_cash(client, login_as):
    member = member_in(MemberStatus.APPROVED, accepts_cash=True)
    login_as(member.user)
    page = client.get("/anggota/toko").text
    assert (
        '<label class="form-check-label" for="accepts_cash">'
        "Terima pembayaran tunai saat ambil/antar</label>"
    ) in page
    assert cash_ticked(page)


@pytest.mark.parametrize(("ticked", "accepts"), [({"accepts_cash": "y"}, True), ({}, False)])
def test_member_chooses_whether_to_take_cash(client, login_as, ticked, accepts):
    member = member_in(MemberStatus.APPROVED, accepts_cash=not accepts)
    login_as(member.user)
    response = client.post("/anggota/toko", data=profile_form() | ticked)
    assert response.status_code == 302, response.text
    db.session.refresh(member)
    assert member.accepts_cash is accepts


def test_a_refused_profile_leaves_cash_as_it_was(client, login_as):
    member = member_in(MemberStatus.APPROVED)
    login_as(member.user)
    response = client.post(
        "/anggota/toko", data=profile_form(whatsapp="12") | {"accepts_cash": "y"}
    )
    assert response.status_code == 200
    assert cash_ticked(response.text)
    db.session.expire_all()
    assert db.session.get(Member, member.id).accepts_cash is False


def test_a_logo_that_is_not_a_picture_is_refused_with_a_message(client, login_as):
    member = member_in(MemberStatus.APPROVED)
    login_as(member.user)
    data = profile_form() | {"logo": (io.BytesIO(b"<svg onload=alert(1)/>"), "logo.svg")}
    response = client.post("/anggota/toko", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Logo: " in response.text
    db.session.refresh(member)
    assert member.logo_key is None


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.REJECTED, MemberStatus.SUSPENDED]
)
def test_the_shop_profile_waits_for_approval(client, login_as, status):
    member = member_in(status)
    login_as(member.user)
    for response in (
        client.get("/anggota/toko"),
        client.post("/anggota/toko", data=profile_form()),
    ):
        assert response.status_code == 302
        assert response.headers["Location"] == "/anggota"
    assert ("warning", "Profil toko bisa diubah setelah keanggotaan Anda disetujui.") in flashes(
        client
    )


# --- navigation and protection ------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        ([Role.SHOPPER], ["Daftar jadi anggota"], ["Kelola toko", ">Pengurus<"]),
        ([Role.MEMBER], ["Kelola toko"], ["Daftar jadi anggota", ">Pengurus<"]),
        ([Role.ADMIN], [">Pengurus<"], ["Kelola toko", "Daftar jadi anggota"]),
        ([Role.MEMBER, Role.ADMIN], ["Kelola toko", ">Pengurus<"], ["Daftar jadi anggota"]),
    ],
    ids=["shopper", "member", "admin", "member-admin"],
)
def test_navbar_leads_each_user_to_their_place(client, login_as, roles, shown, hidden):
    login_as(UserFactory(roles=roles))
    page = client.get("/akun/masuk", follow_redirects=True).text
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.REJECTED, MemberStatus.SUSPENDED]
)
def test_navbar_leads_an_applicant_to_their_status(client, login_as, status):
    login_as(member_in(status).user)
    page = client.get("/akun/masuk", follow_redirects=True).text
    assert '<a class="nav-link" href="/anggota">Keanggotaan saya</a>' in page
    assert "Daftar jadi anggota" not in page


def test_anonymous_visitors_see_no_member_links(client):
    page = client.get("/akun/masuk").text
    assert "Daftar jadi anggota" not in page and "Kelola toko" not in page


def test_forms_refuse_a_post_without_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        member = member_in(MemberStatus.APPROVED, shop_name="Toko Uji")
        db.session.commit()
        client = app.test_client()
        log_in(client, member.user)
        for url in ("/anggota/toko", "/anggota", "/anggota/daftar"):
            assert client.post(url, data=profile_form(shop_name="Diubah")).status_code == 400
        assert db.session.get(Member, member.id).shop_name == "Toko Uji"
