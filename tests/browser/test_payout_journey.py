"""Paying members on a phone (CSRF on): the treasurer opens the members'
balances, prepares a batch of everyone ready; an admin approves it; the
treasurer downloads the bank's bulk-transfer file, records one line
transferred and one failed; the paid member opens their statement and finds
the payout with the bank reference. Screenshots of each page are kept."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.treasury.models import BatchStatus, PayoutBatch
from tests import factories
from tests.browser.test_order_journey import fits, log_in, to_top
from tests.treasury.payout_helpers import banked_member, earn, member_balances

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def members(app):
    factories.UserFactory(email="wulan@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER])
    factories.UserFactory(email="budi@contoh.id", name="Budi Pengurus", roles=[Role.ADMIN])
    paid = banked_member(shop_name="Keripik Tempe Bu Sri", bank_account_holder="Sri Lestari")
    failed = banked_member(
        shop_name="Gula Kelapa Pak Darto Cilongok",
        bank_name="BPD Jateng",
        bank_account_holder="Darto Wiyono",
    )
    unbanked = banked_member(shop_name="Batik Sokaraja Lestari", bank_account_number="")
    earn(paid, 245_000)
    earn(failed, 87_500)
    earn(unbanked, 60_000)
    db.session.commit()
    return {"paid": paid, "failed": failed, "unbanked": unbanked}


def test_a_batch_is_prepared_approved_and_paid(
    app, live_server, phone: Page, browser, screenshot, members
):
    log_in(phone, live_server, "wulan@contoh.id", "Wulan Bendahara")
    phone.goto(live_server + "/bendahara")
    phone.get_by_role("link", name="Saldo & pembayaran anggota").click()
    expect(phone.locator("h1")).to_have_text("Saldo anggota")
    expect(phone.locator("body")).to_contain_text("Rekening belum lengkap")
    fits(phone)
    to_top(phone)
    folder = screenshot("payout-1-balances").parent

    phone.get_by_role("button", name="Siapkan batch: semua yang siap").click()
    expect(phone.locator(".alert")).to_contain_text("disiapkan: 2 anggota, Rp332.500")
    expect(phone.locator("body")).to_contain_text("Anda yang menyiapkan batch ini")
    fits(phone)
    batch_url = phone.url

    admin = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    officer = admin.new_page()
    log_in(officer, live_server, "budi@contoh.id", "Budi Pengurus")
    officer.goto(live_server + "/pengurus")
    officer.get_by_role("link", name="Persetujuan pembayaran anggota").click()
    officer.locator("a", has_text="Menunggu persetujuan").first.click()
    fits(officer)
    to_top(officer)
    officer.screenshot(path=str(folder / "payout-2-batch-to-approve.png"), full_page=True)
    officer.get_by_role("button", name="Setujui batch").click()
    expect(officer.locator(".alert")).to_contain_text("disetujui")
    admin.close()

    phone.goto(batch_url)
    fits(phone)
    phone.screenshot(path=str(folder / "payout-3-batch-approved.png"), full_page=True)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh berkas transfer massal (CSV)").click()
    rows = list(
        csv.reader(
            io.StringIO(download.value.path().read_bytes().decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0] == ["nomor rekening", "nama pemilik rekening", "nama bank", "jumlah",
                       "berita/referensi"]  # fmt: skip
    assert {(row[1], row[3]) for row in rows[1:]} == {
        ("Sri Lestari", "245000"),
        ("Darto Wiyono", "87500"),
    }

    paid_card = phone.locator("li.card", has_text="Keripik Tempe Bu Sri")
    paid_card.get_by_label("Nomor referensi bank").fill("BRI 7788120")
    paid_card.get_by_role("button", name="Sudah ditransfer").click()
    expect(phone.locator(".alert")).to_contain_text("Transfer Rp245.000 ke Keripik Tempe Bu Sri")

    failed_card = phone.locator("li.card", has_text="Gula Kelapa Pak Darto")
    failed_card.locator("summary", has_text="Transfer gagal?").click()
    failed_card.get_by_label("Alasan gagal").fill("Nama pemilik rekening tidak sesuai")
    failed_card.get_by_role("button", name="Catat gagal").click()
    expect(phone.locator(".alert")).to_contain_text("tersedia kembali")
    expect(phone.locator("body")).to_contain_text("Selesai")
    fits(phone)
    to_top(phone)
    screenshot("payout-4-batch-done")

    db.session.expire_all()
    assert db.session.scalars(select(PayoutBatch)).one().status == BatchStatus.DONE
    assert member_balances(members["paid"]) == {"available": 0, "in-payout": 0, "pending": 0}
    assert member_balances(members["failed"])["available"] == 87_500

    # The member opens their statement and finds the payout with its reference.
    member_page = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    shop = member_page.new_page()
    owner = members["paid"].user
    log_in(shop, live_server, owner.email, owner.name)
    shop.goto(live_server + "/kelola/saldo")
    rows = shop.locator(".statement-rows")
    expect(rows).to_contain_text("Ditransfer ke rekening")
    expect(rows).to_contain_text("ref. BRI 7788120")
    expect(rows.locator("li", has_text="Saldo akhir")).to_contain_text("Rp0")
    fits(shop)
    to_top(shop)
    shop.screenshot(path=str(folder / "payout-5-member-statement.png"), full_page=True)
    member_page.close()
