"""Chapter officers: appointment and removal (kept, audited), the
dashboard's figures (sales from the orders, the chapter's commission from
the ledger) in a fixed number of queries, the CSV files, and the officer's
word on applications: a recommendation the admin reads, or, with
CHAPTER_CAN_APPROVE, the admin's own approval service."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
    ProductChange,
    ProductStatus,
    ProductVariant,
)
from marketplace.chapters import queries, services
from marketplace.chapters.models import ChapterOfficer, Verdict
from marketplace.chapters.services import ChapterError
from marketplace.core.money import split
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.members.models import MemberDecision, MemberStatus
from marketplace.payments import bank_transfer
from tests.chapters.helpers import BANK_NUMBER, make_cast
from tests.factories import MemberFactory, UserFactory, category, kecamatan
from tests.orders.helpers import cart_with, checkout, shopper, variant
from tests.sql import recorded_statements


def audit_actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def sell(member, price: int = 100_000, quantity: int = 2):
    """A paid order of `member`'s product (bank transfer confirmed)."""
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (variant(member=member, price=price), quantity)))
    db.session.flush()
    bank_transfer.confirm(order=order, amount=order.total, by=UserFactory(roles=[Role.TREASURER]))
    db.session.commit()
    return order


# --- appointments ------------------------------------------------------------------


def test_appointment_and_removal_are_kept_and_audited(app_context):
    admin, officer = UserFactory(roles=[Role.ADMIN]), UserFactory(name="Pak Darto")
    ajibarang = kecamatan("ajibarang")
    appointment = services.appoint(user=officer, kecamatan=ajibarang, by=admin)
    services.appoint(user=officer, kecamatan=kecamatan("kedungbanteng"), by=admin)
    db.session.commit()
    assert [k.slug for k in services.chapters_of(officer)] == ["ajibarang", "kedungbanteng"]
    with pytest.raises(ChapterError, match="sudah menjadi pengurus"):
        services.appoint(user=officer, kecamatan=ajibarang, by=admin)

    services.remove(appointment=appointment, by=admin)
    db.session.commit()
    assert [k.slug for k in services.chapters_of(officer)] == ["kedungbanteng"]
    assert not services.is_officer_of(officer, ajibarang.id)
    kept = db.session.get(ChapterOfficer, appointment.id)
    assert kept.removed_by_id == admin.id and kept.removed_at is not None
    with pytest.raises(ChapterError, match="sudah diberhentikan"):
        services.remove(appointment=kept, by=admin)
    # Appointed again later: a new row beside the old one.
    services.appoint(user=officer, kecamatan=ajibarang, by=admin)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ChapterOfficer)) == 3
    assert audit_actions() == [
        AuditAction.OFFICER_APPOINTED,
        AuditAction.OFFICER_APPOINTED,
        AuditAction.OFFICER_REMOVED,
        AuditAction.OFFICER_APPOINTED,
    ]
    # Officer-ness is the appointment, not a role row.
    assert Role.ADMIN not in officer.roles and Role.MEMBER not in officer.roles


def test_the_admin_appoints_and_removes_on_the_page(client, login_as):
    admin = login_as(Role.ADMIN)
    officer = UserFactory(email="darto@example.com", name="Pak Darto")
    db.session.commit()
    page = client.get("/pengurus/pengurus-kecamatan")
    assert "Angkat pengurus" in page.text
    response = client.post(
        "/pengurus/pengurus-kecamatan",
        data={"email": " Darto@Example.com ", "kecamatan": "ajibarang"},
    )
    assert response.status_code == 302
    listing = client.get("/pengurus/pengurus-kecamatan").text
    assert "Pak Darto" in listing and "Kecamatan Ajibarang" in listing
    again = client.post(
        "/pengurus/pengurus-kecamatan",
        data={"email": "darto@example.com", "kecamatan": "ajibarang"},
    )
    assert again.status_code == 400 and "sudah menjadi pengurus" in again.text
    appointment = db.session.scalars(select(ChapterOfficer)).one()
    assert appointment.appointed_by_id == admin.id
    client.post(f"/pengurus/pengurus-kecamatan/{appointment.id}/berhentikan")
    db.session.expire_all()
    assert db.session.get(ChapterOfficer, appointment.id).removed_at is not None
    assert "diberhentikan" in client.get("/pengurus/pengurus-kecamatan").text
    assert services.chapters_of(officer) == []


# --- the dashboard -----------------------------------------------------------------


def test_dashboard_figures_come_from_orders_and_the_ledger(app_context):
    cast = make_cast()
    member = cast["member"]
    order = sell(member)
    sell(cast["other_member"], price=50_000, quantity=1)  # Kedungbanteng's: not counted
    part = order.parts[0]
    today = datetime.now(UTC)
    db.session.add(
        Certificate(
            member=member,
            kind=CertificateKind.PIRT,
            number="P-IRT 1",
            issuer="Dinkes",
            scan_key="certificates/a.webp",
            status=CertificateStatus.VERIFIED,
            expires_on=date.today() + timedelta(days=20),
        )
    )
    idle = MemberFactory(kecamatan=kecamatan("ajibarang"), shop_name="Toko Sepi")
    db.session.commit()

    figures = queries.chapter_figures(kecamatan("ajibarang"), now=today)

    chapter_share = split(part.commission_total, order.shares)["kecamatan"]
    assert chapter_share > 0
    assert figures.commission_month == chapter_share
    assert figures.commission_total == balance("income:commission:kecamatan:ajibarang")
    assert figures.orders == 1 and figures.sales == part.subtotal == 200_000
    rows = {row.shop_name: row for row in figures.members}
    assert set(rows) == {"Gula Kelapa Ajibarang", "Lanting Bu Sum", "Toko Sepi"}
    assert figures.members[0].status == MemberStatus.PENDING  # applications first
    assert rows["Gula Kelapa Ajibarang"].active_products == 2  # the cast's and the sold one
    assert rows["Gula Kelapa Ajibarang"].expiring_on == date.today() + timedelta(days=20)
    assert [row.id for row in figures.without_products] == [idle.id]
    assert figures.count(MemberStatus.APPROVED) == 2


def test_dashboard_page_in_a_fixed_number_of_queries(client, login_as):
    cast = make_cast()
    sell(cast["member"])
    login_as(cast["officer_here"])
    client.get("/cabang/ajibarang")  # warm the login's own reads

    def counted() -> tuple[int, str]:
        with recorded_statements() as statements:
            page = client.get("/cabang/ajibarang")
        assert page.status_code == 200
        return len(statements), page.text

    few, text = counted()
    assert "Gula Kelapa Ajibarang" in text and "Lanting Bu Sum" in text
    assert "Rp200.000" in text
    assert "Nopia Kedungbanteng" not in text and BANK_NUMBER not in text
    for number in range(6):
        member = MemberFactory(
            kecamatan=kecamatan("ajibarang"), shop_name=f"Toko Tambahan {number}"
        )
        sell(member, price=10_000, quantity=1)
    many, _ = counted()
    assert many == few


def test_the_csv_files(client, login_as):
    cast = make_cast()
    MemberFactory(kecamatan=kecamatan("ajibarang"), shop_name="=HYPERLINK(1)")
    sell(cast["member"])
    login_as(cast["officer_here"])
    members = client.get("/cabang/ajibarang/anggota.csv")
    assert members.mimetype == "text/csv"
    text = members.data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "toko;pemilik;desa;status;produk_aktif;sertifikat_berakhir"
    assert "'=HYPERLINK(1);" in text  # formula-safe
    assert "Gula Kelapa Ajibarang" in text and "Nopia" not in text and BANK_NUMBER not in text
    sales = client.get("/cabang/ajibarang/penjualan.csv").data.decode("utf-8-sig")
    month = datetime.now(UTC).strftime("%Y-%m")  # WIB and UTC agree but near midnight
    assert ";Gula Kelapa Ajibarang;1;200000" in sales
    assert ";Jumlah;1;200000" in sales
    assert "Komisi untuk kas cabang" in sales
    assert sales.splitlines()[1].startswith(month[:4])


# --- applications ------------------------------------------------------------------


def test_a_recommendation_shows_on_the_admins_application(client, login_as):
    cast = make_cast()
    applicant = cast["applicant"]
    login_as(cast["officer_here"])
    page = client.get(f"/cabang/ajibarang/pengajuan/{applicant.id}")
    assert "Kirim rekomendasi" in page.text and BANK_NUMBER not in page.text
    response = client.post(
        f"/cabang/ajibarang/pengajuan/{applicant.id}/rekomendasi",
        data={"verdict": "reject", "reason": "Alamat usaha tidak ditemukan saat kami datangi."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert applicant.status == MemberStatus.PENDING  # the admin decides
    assert audit_actions()[-1] == AuditAction.MEMBER_RECOMMENDED
    login_as(cast["admin"])
    admin_page = client.get(f"/pengurus/anggota/{applicant.id}").text
    assert "Rekomendasi pengurus kecamatan" in admin_page
    assert "Disarankan ditolak" in admin_page
    assert "Alamat usaha tidak ditemukan saat kami datangi." in admin_page
    assert "Pak Darto" in admin_page


def test_a_recommendation_needs_a_reason_and_a_pending_application(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    empty = client.post(
        f"/cabang/ajibarang/pengajuan/{cast['applicant'].id}/rekomendasi",
        data={"verdict": "approve", "reason": "  "},
    )
    assert empty.status_code == 400
    approved = client.post(
        f"/cabang/ajibarang/pengajuan/{cast['member'].id}/rekomendasi",
        data={"verdict": "approve", "reason": "Bagus."},
    )
    assert approved.status_code == 400 and "menunggu persetujuan" in approved.text


def test_officers_decide_only_when_the_chapter_can_approve(client, login_as, app):
    cast = make_cast()
    applicant = cast["applicant"]
    login_as(cast["officer_here"])
    data = {"verdict": "approve", "reason": "Sudah kami kunjungi, usaha berjalan."}
    refused = client.post(f"/cabang/ajibarang/pengajuan/{applicant.id}/putuskan", data=data)
    assert refused.status_code == 400 and "pengurus kabupaten" in refused.text
    assert db.session.scalar(select(func.count()).select_from(MemberDecision)) == 0

    app.config["CHAPTER_CAN_APPROVE"] = True
    try:
        assert "Simpan keputusan" in client.get(f"/cabang/ajibarang/pengajuan/{applicant.id}").text
        done = client.post(f"/cabang/ajibarang/pengajuan/{applicant.id}/putuskan", data=data)
    finally:
        app.config["CHAPTER_CAN_APPROVE"] = False
    assert done.status_code == 302
    db.session.expire_all()
    # The admin's own service: status, role, decision, email and audit event.
    assert applicant.status == MemberStatus.APPROVED
    assert applicant.user.has_role(Role.MEMBER)
    decision = db.session.scalars(select(MemberDecision)).one()
    assert decision.decided_by_id == cast["officer_here"].id
    assert audit_actions()[-1] == AuditAction.MEMBER_APPROVED
    assert db.session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.recipient == applicant.user.email)
    )


def test_the_account_page_links_the_officers_chapters(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    assert "Cabang Kecamatan Ajibarang" in client.get("/akun").text
    login_as(cast["removed"])
    assert "Cabang yang Anda urus" not in client.get("/akun").text


def test_a_removed_officer_loses_everything_at_once(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    assert client.get("/cabang/ajibarang").status_code == 200
    appointment = db.session.scalars(
        select(ChapterOfficer).where(ChapterOfficer.user_id == cast["officer_here"].id)
    ).one()
    services.remove(appointment=appointment, by=cast["admin"])
    db.session.commit()
    assert client.get("/cabang/ajibarang").status_code == 404
    assert client.get("/cabang").status_code == 403
    with pytest.raises(ChapterError):
        services.recommend(
            member=cast["applicant"],
            officer=cast["officer_here"],
            verdict=Verdict.APPROVE,
            reason="Bagus.",
        )


# --- assisted selling --------------------------------------------------------------


def test_an_officer_lists_a_product_for_a_member_who_is_told(client, login_as):
    cast = make_cast()
    member = cast["member"]
    login_as(cast["officer_here"])
    page = client.get(f"/cabang/ajibarang/anggota/{member.id}")
    assert "Buat produk untuk Gula Kelapa Ajibarang" in page.text and BANK_NUMBER not in page.text
    response = client.post(
        f"/cabang/ajibarang/anggota/{member.id}/produk",
        data={
            "name": "Gula Semut 500 g",
            "category_id": str(category().id),
            "unit": "bungkus",
            "price": "25.000",
            "stock": "12",
            "publish": "y",
        },
    )
    assert response.status_code == 302
    product = db.session.scalars(select(Product).where(Product.name == "Gula Semut 500 g")).one()
    assert product.member_id == member.id and product.status == ProductStatus.ACTIVE
    assert (product.min_price, product.total_stock) == (25_000, 12)
    change = db.session.scalars(select(ProductChange)).one()
    assert change.changed_by_id == cast["officer_here"].id and change.member_id == member.id
    email = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert email.recipient == member.user.email and "Pak Darto" in email.subject
    assert f"/kelola/produk/{product.id}" in email.body_text

    # The member sees who helped, on their own product page.
    login_as(member.user)
    own = client.get(f"/kelola/produk/{product.id}").text
    assert "Riwayat bantuan pengurus" in own and "dibantu oleh Pak Darto" in own


def test_an_officer_updates_stock_and_it_is_marked(client, login_as):
    cast = make_cast()
    member, variant_row = cast["member"], cast["variant"]
    login_as(cast["officer_here"])
    response = client.post(
        f"/cabang/ajibarang/anggota/{member.id}/stok",
        data={"variant_id": str(variant_row.id), "stock": "9"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProductVariant, variant_row.id).stock == 9
    change = db.session.scalars(select(ProductChange)).one()
    assert change.summary == "Stok diubah dari 3 menjadi 9"
    text = client.get(f"/cabang/ajibarang/anggota/{member.id}").text
    assert "dibantu oleh Pak Darto" in text
    # Another member's variant through this member's page is not found.
    refused = client.post(
        f"/cabang/ajibarang/anggota/{member.id}/stok",
        data={"variant_id": str(cast["other_variant"].id), "stock": "1"},
    )
    assert refused.status_code == 400
    assert db.session.get(ProductVariant, cast["other_variant"].id).stock == 4


def test_only_approved_members_are_helped(app_context):
    cast = make_cast()
    with pytest.raises(ChapterError, match="anggota aktif"):
        services.ensure_can_help(cast["officer_here"], cast["applicant"])
    with pytest.raises(ChapterError, match="bukan dari kecamatan"):
        services.ensure_can_help(cast["officer_here"], cast["other_member"])


def test_the_admins_list_flags_recommended_applications_in_fixed_queries(client, login_as):
    cast = make_cast()
    services.recommend(
        member=cast["applicant"],
        officer=cast["officer_here"],
        verdict=Verdict.REJECT,
        reason="Alamat usaha tidak ditemukan saat kami datangi.",
    )
    db.session.commit()
    login_as(cast["admin"])
    client.get("/pengurus/anggota")  # warm the login's own reads

    def counted() -> tuple[int, str]:
        with recorded_statements() as statements:
            page = client.get("/pengurus/anggota?status=pending")
        assert page.status_code == 200
        return len(statements), page.text

    few, text = counted()
    flagged = text.split('data-recommendation="reject"')[1].split("</div>")[0]
    assert "Disarankan ditolak" in flagged and "Pak Darto" in flagged
    assert "Alamat usaha tidak ditemukan saat kami datangi." in flagged
    assert text.count("data-recommendation=") == 1  # Kedungbanteng's has none
    for number in range(5):
        applicant = MemberFactory(
            kecamatan=kecamatan("ajibarang"),
            shop_name=f"Pemohon {number}",
            status=MemberStatus.PENDING,
            user=UserFactory(),
        )
        for verdict in (Verdict.APPROVE, Verdict.REJECT):
            services.recommend(
                member=applicant,
                officer=cast["officer_here"],
                verdict=verdict,
                reason=f"Alasan {verdict} {number}",
            )
    db.session.commit()
    many, text = counted()
    assert many == few
    assert text.count("data-recommendation=") == 6
    # The newest word of each officer shows: the second one, reject.
    assert text.count('data-recommendation="reject"') == 6
