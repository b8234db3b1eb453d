"""A member on their phone prints a poster for their stall: from "Produk
saya" to the print page, A5, and the PDF that comes down holds a QR code
to their shop's page."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.browser.test_member_photos import log_in
from tests.catalog.test_poster import qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


def test_a_member_prints_an_a5_poster_from_the_dashboard(live_server, phone, screenshot):
    member = factories.MemberFactory(shop_name="Gula Kelapa Cilongok", slug="gula-cilongok")
    factories.ProductFactory(member=member, name="Gula Kelapa Cetak 1 kg")
    db.session.commit()
    log_in(phone, live_server, member.user.email)

    phone.goto(live_server + "/kelola")
    phone.get_by_role("link", name="Cetak poster").click()
    expect(phone.get_by_role("heading", name="Poster lapak")).to_be_visible()
    expect(phone.get_by_label("Gula Kelapa Cetak 1 kg")).to_be_checked()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("poster-01-cetak")

    phone.get_by_label("A5 (setengah A4)").check()
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Cetak poster (PDF)").click()
    assert download.value.suggested_filename == "poster-a5.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert qr_codes(pdf) == [["https://pasar.aspikmas.test/toko/gula-cilongok"]]
