"""The treasurer on a phone (CSRF on) uploads the association account's
statement, sees which credits pay which waiting orders, and confirms two
matched transfers at once; a third credit, off by one rupiah, stays listed
with the nearest order named. Screenshots of each step are kept."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.status import OrderStatus
from tests import factories
from tests.browser.test_order_journey import fits, log_in, to_top
from tests.treasury.helpers import transfer_order
from tests.treasury.history import day_in, months_ago
from tests.treasury.sales import sell, shop

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


def test_the_treasurer_matches_a_bank_statement_and_confirms_two_transfers(
    app, live_server, phone: Page, screenshot, tmp_path
):
    factories.UserFactory(email="wulan@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER])
    first, second, third = (transfer_order(price=price) for price in (40_000, 25_000, 18_000))
    db.session.commit()
    today = f"{date.today():%d/%m/%Y}"
    statement = tmp_path / "mutasi-desember.csv"
    statement.write_text(
        "tanggal;keterangan;jumlah\n"
        f"{today};TRSF E-BANKING CR SRI LESTARI PEMBAYARAN PESANAN;{first.total}\n"
        f"{today};TRSF E-BANKING CR BUDI;{second.total}\n"
        f"{today};TRSF E-BANKING CR KURANG SERUPIAH;{third.total - 1}\n"
        f"{today};BIAYA ADMINISTRASI BULANAN;-12.500\n"
    )

    log_in(phone, live_server, "wulan@contoh.id", "Wulan Bendahara")
    phone.goto(live_server + "/bendahara")
    phone.get_by_role("link", name="Cocokkan mutasi rekening").click()
    fits(phone)
    screenshot("statement-1-upload")

    phone.set_input_files("input[type=file]", str(statement))
    phone.get_by_role("button", name="Unggah dan cocokkan").click()
    expect(phone.locator(".alert")).to_contain_text("4 baris terbaca, 4 baru (3 uang masuk)")
    expect(phone.get_by_role("button", name=f"Konfirmasi {first.code} lunas")).to_be_visible()
    expect(phone.locator("body")).to_contain_text(f"Paling dekat: {third.code}")
    fits(phone)
    to_top(phone)
    screenshot("statement-2-matched")

    phone.get_by_role("button", name="Konfirmasi semua yang cocok").click()
    expect(phone.locator(".alert-success")).to_contain_text("2 pesanan lunas")
    expect(phone.locator("body")).to_contain_text("kurang Rp1.")
    fits(phone)
    to_top(phone)
    screenshot("statement-3-confirmed")

    db.session.expire_all()
    assert [order.status for order in (first, second, third)] == [
        OrderStatus.PAID,
        OrderStatus.PAID,
        OrderStatus.PENDING_PAYMENT,
    ]


def test_a_member_reads_last_months_statement_on_a_phone(app, live_server, phone: Page, screenshot):
    member = shop("sokaraja", name="Keripik Bu Tini")
    member.user.email = "tini@contoh.id"
    last = months_ago(1)
    delivered = sell(member, (20_000, 2, "makanan-minuman"), when=day_in(last, 3))
    for step in (fulfilment.start_processing, fulfilment.dispatch, fulfilment.complete):
        step(part=delivered, member=member, now=day_in(last, 5))
    sell(member, (15_000, 1, "makanan-minuman"), when=day_in(last, 8), cash=True)
    db.session.commit()

    log_in(phone, live_server, "tini@contoh.id", member.user.name)
    phone.goto(live_server + "/kelola/saldo")
    phone.get_by_role("link", name="‹ Bulan sebelumnya").click()
    expect(phone.locator(".statement-rows")).to_contain_text(delivered.order.code)
    expect(phone.locator(".statement-rows")).to_contain_text("Penjualan tunai (komisi terutang)")
    fits(phone)
    to_top(phone)
    screenshot("member-statement-1-last-month")
    phone.get_by_role("link", name="Versi cetak").click()
    expect(phone.locator("h1")).to_contain_text("Laporan saldo anggota")
    screenshot("member-statement-2-print")
