"""The treasurer's month on a phone (CSRF on): opens the home and sees the
chart, opens last month's commission report, follows one kecamatan down to
its orders, downloads the report as CSV and finds the page's numbers in
it, then closes last month; a shopper follows the footer to the
transparency page and sees where last month's commission went.
Screenshots of each page are kept."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger.services import close_month, closed_through
from marketplace.treasury.reports import Dimension, Period, month_name, report
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_order_journey import fits, log_in, to_top
from tests.treasury.history import months_ago, sale

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def books(app):
    """Sales two months ago (closed), last month (to close) and this month."""
    treasurer = factories.UserFactory(
        email="wulan@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER]
    )
    sale(months_ago(2), by=treasurer, first="wangon", second="sokaraja")
    last = [
        sale(months_ago(1), by=treasurer, day=day, first="wangon", second="ajibarang")
        for day in (3, 12)
    ]
    sale(months_ago(0), by=treasurer, day=1, first="cilongok", second="sokaraja")
    close_month(month=months_ago(2), closed_by=treasurer)
    db.session.commit()
    return {"treasurer": treasurer, "last": last}


def test_the_treasurer_reviews_last_month_closes_it_and_the_public_sees_it(
    app, live_server, phone: Page, browser, screenshot, database_url, books
):
    last_month = months_ago(1)
    expected = report(Period.month(last_month), Dimension.KECAMATAN)
    wangon = next(row for row in expected.rows if row.key == "wangon")
    assert wangon.commission > 0

    log_in(phone, live_server, "wulan@contoh.id", "Wulan Bendahara")
    phone.goto(live_server + "/bendahara")
    chart = phone.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 360
    fits(phone)
    screenshot("treasurer-1-home")

    phone.get_by_role("link", name="Laporan komisi").click()
    phone.locator("summary", has_text="Ganti periode").click()
    phone.get_by_role("link", name="Bulan lalu").click()
    expect(phone.locator("h1, h2").first).to_be_visible()
    expect(phone.locator("body")).to_contain_text(month_name(last_month))
    table = phone.locator("table").first
    expect(table).to_contain_text("Wangon")
    expect(table.locator("tr", has_text="Wangon")).to_contain_text(format_rupiah(wangon.commission))
    fits(phone)
    to_top(phone)
    screenshot("treasurer-2-report")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh CSV").click()
    body = download.value.path().read_bytes()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    wangon_row = next(row for row in rows if row and row[0] == "Wangon")
    assert str(wangon.commission) in wangon_row

    table.locator("tr", has_text="Wangon").get_by_role("link").first.click()
    for order in books["last"]:
        expect(phone.locator("body")).to_contain_text(order.code)
    fits(phone)
    to_top(phone)
    screenshot("treasurer-3-drill")

    phone.goto(live_server + "/bendahara")
    phone.get_by_role("link", name="Tutup buku").click()
    expect(phone.locator("body")).to_contain_text(month_name(last_month))
    phone.get_by_label("Saya sudah memeriksa neraca saldo bulan ini").check()
    to_top(phone)
    screenshot("treasurer-4-close")
    phone.get_by_role("button", name="Tutup buku").click()
    expect(phone.locator(".alert-success")).to_be_visible()
    fits(phone)
    db.session.expire_all()
    assert closed_through() == last_month

    visitor = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    shopper = visitor.new_page()
    try:
        shopper.goto(live_server + "/")
        shopper.locator("footer").get_by_role("link", name="Lihat ke mana komisinya pergi").click()
        expect(shopper.locator("body")).to_contain_text(month_name(last_month))
        expect(shopper.locator("body")).to_contain_text(format_rupiah(expected.funds.total))
        fits(shopper)
        folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
        shopper.screenshot(path=str(folder / "treasurer-5-transparency.png"), full_page=True)
    finally:
        visitor.close()
