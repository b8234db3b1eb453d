"""A shopper on a phone: home page, filter by kecamatan and category, open a product."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.catalog.seeding import add_photos

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def shop_data(app):
    sokaraja = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi",
        slug="getuk-goreng-pak-hadi",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    cilongok = factories.MemberFactory(
        shop_name="Gula Kelapa Cilongok Makmur",
        slug="gula-kelapa-cilongok-makmur",
        kecamatan=factories.kecamatan("cilongok"),
    )
    wanted = factories.ProductFactory(
        member=sokaraja,
        name="Getuk Goreng Original 500 g",
        variants=[factories.VariantFactory.build(name="500 g", price=25_000, stock=12)],
    )
    factories.ProductFactory(
        member=sokaraja,
        name="Batik Sokaraja Tulis",
        category=factories.category("batik-fashion"),
        variants=[factories.VariantFactory.build(price=350_000, stock=2)],
    )
    factories.ProductFactory(
        member=cilongok,
        name="Gula Kelapa Cetak 1 kg",
        variants=[factories.VariantFactory.build(price=22_000, stock=40)],
    )
    for product in (wanted,):
        add_photos(app, product, 2)
    db.session.commit()
    return wanted


def test_shopper_filters_by_kecamatan_and_category_then_opens_product(
    live_server, phone, screenshot, shop_data
):
    phone.goto(live_server + "/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(phone.locator("#kecamatan")).to_contain_text("Purwokerto Utara")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    screenshot("01-beranda")

    phone.goto(live_server + "/produk")
    expect(phone.locator("#jumlah-produk")).to_have_text("3 produk")
    phone.get_by_role("button", name=re.compile("Filter")).click()
    # Bootstrap animates the panel open: act once it has finished (a busy
    # machine made a click land while it was still moving).
    expect(phone.locator("#panel-filter.collapse.show")).to_be_visible()
    phone.locator("#filter-kecamatan").select_option("sokaraja")
    phone.locator("#filter-kategori").select_option("makanan-minuman")
    screenshot("02-panel-filter")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Terapkan filter").click()

    expect(phone).to_have_url(re.compile(r"kategori=makanan-minuman"))
    expect(phone).to_have_url(re.compile(r"kecamatan=sokaraja"))
    expect(phone.locator("#jumlah-produk")).to_have_text("1 produk")
    expect(phone.locator(".product-card")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("03-hasil-filter")

    phone.locator(".product-card a").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Getuk Goreng Original 500 g")
    expect(phone.locator("main")).to_contain_text("Rp25.000")
    expect(phone.locator("main")).to_contain_text("Sokaraja")
    whatsapp = phone.locator("a[href^='https://wa.me/']").first
    expect(whatsapp).to_be_visible()
    assert "Getuk" in (whatsapp.get_attribute("href") or "")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("04-produk")

    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    expect(phone.locator("main")).to_contain_text("Getuk Goreng Original 500 g")
    expect(phone.locator("main")).to_contain_text("Getuk Goreng Pak Hadi")
    screenshot("05-keranjang")


def test_shopper_types_kripik_and_finds_keripik_then_mistypes(live_server, phone, screenshot):
    """Banyumas spellings and a typo, typed into the search box on a phone."""
    for name in ("Keripik Tempe Sagu", "Criping Pisang Tanduk", "Paket Hantaran Lebaran"):
        factories.ProductFactory(
            name=name,
            description="Isi keripik tempe dan getuk." if name.startswith("Paket") else "Renyah.",
        )
    db.session.commit()
    phone.goto(live_server + "/")
    box = phone.get_by_role("searchbox", name="Cari produk")
    box.fill("kripik tempe")
    with phone.expect_navigation():
        box.press("Enter")
    cards = phone.locator(".product-card")
    expect(cards.first).to_contain_text("Keripik Tempe Sagu")
    expect(phone.locator(".sort-bar [aria-current=true]")).to_have_text("Paling sesuai")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("04-cari-kripik-tempe")

    box = phone.get_by_role("searchbox", name="Cari produk")
    box.fill("kripk")
    with phone.expect_navigation():
        box.press("Enter")
    expect(phone.locator("#maksud-anda")).to_contain_text("Maksud Anda “keripik”?")
    expect(cards).to_have_count(3)
    screenshot("05-maksud-anda")
    with phone.expect_navigation():
        phone.locator("#maksud-anda a").click()
    expect(phone).to_have_url(re.compile(r"q=keripik"))
    expect(phone.locator("#maksud-anda")).to_have_count(0)
