"""A shopper on a phone reads a shop's badges for what they are: a new,
unreviewed product of a certified shop claims nothing; the shop's
certificates show in its shop part as the shop's ("Toko bersertifikat Laik
Higiene"); a tap on any badge tells what it is, its number, issuer and
validity, with JavaScript or without."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.catalog.models import CertificateKind
from marketplace.core.jinja import tanggal
from marketplace.extensions import db
from tests import factories
from tests.catalog.certificate_data import certificate, days_from_today

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def certified_shop(app):
    shop = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi Sokaraja",
        slug="getuk-goreng-pak-hadi",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    reviewed = factories.ProductFactory(
        member=shop,
        name="Getuk Goreng Original 500 g",
        variants=[factories.VariantFactory.build(name="500 g", price=25_000, stock=12)],
    )
    fresh = factories.ProductFactory(
        member=shop,
        name="Getuk Goreng Cokelat (baru)",
        variants=[factories.VariantFactory.build(name="250 g", price=18_000, stock=8)],
    )
    certificate(
        shop,
        kind=CertificateKind.LAIK_HIGIENE,
        number="440/0271/SLHS/DINKES/2026",
        expires_on=days_from_today(365),
    )
    certificate(
        shop,
        kind=CertificateKind.HALAL,
        number="ID33110000158720426",
        expires_on=days_from_today(900),
        covers=[reviewed],
        ticks=[fresh],
    )
    db.session.commit()
    return reviewed, fresh


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_new_product_shows_its_shops_badges_as_the_shops(
    live_server, phone, screenshot, certified_shop
):
    reviewed, fresh = certified_shop
    phone.goto(f"{live_server}/produk/{fresh.id}-{fresh.slug}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Getuk Goreng Cokelat (baru)")
    expect(phone.locator("#judul-sertifikat")).to_have_count(0)  # nothing about the product
    shop_badges = phone.get_by_role("list", name="Sertifikat toko")
    expect(shop_badges.locator("summary")).to_have_text(
        ["✓ Toko bersertifikat Halal (ketuk untuk rincian)",
         "✓ Toko bersertifikat Laik Higiene (ketuk untuk rincian)"]
    )  # fmt: skip

    hygiene = shop_badges.locator("details").filter(has_text="Laik Higiene")
    explanation = hygiene.locator(".badge-explanation")
    expect(explanation).to_be_hidden()
    hygiene.locator("summary").click()
    expect(explanation).to_be_visible()
    for words in (
        "Laik Higiene Sanitasi",
        "440/0271/SLHS/DINKES/2026",
        "Dinas Kesehatan Kabupaten Banyumas",
        f"sampai {tanggal(days_from_today(365))}",
        "bukan keterangan tentang satu produk",
    ):
        expect(explanation).to_contain_text(words)
    assert no_sideways_scroll(phone)
    phone.evaluate("window.scrollTo(0, 0)")  # the sticky bar at the top of the full page
    screenshot("hc-badge")

    phone.goto(f"{live_server}/produk/{reviewed.id}-{reviewed.slug}")
    own = phone.get_by_role("list", name="Sertifikat produk")
    expect(own.locator("summary")).to_have_text(["✓ Halal (ketuk untuk rincian)"])
    own.locator("summary").click()
    expect(own.locator(".badge-explanation")).to_contain_text("ID33110000158720426")
    assert no_sideways_scroll(phone)


def test_a_badge_opens_without_javascript(live_server, browser, certified_shop):
    _reviewed, fresh = certified_shop
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="id-ID", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/toko/getuk-goreng-pak-hadi")
        halal = page.get_by_role("list", name="Sertifikat toko").locator("details").first
        halal.locator("summary").click()
        expect(halal.locator(".badge-explanation")).to_contain_text("ID33110000158720426")
        cards = page.locator(".product-card")
        expect(cards.filter(has_text="Original")).to_contain_text("Halal")
        expect(cards.filter(has_text=fresh.name)).not_to_contain_text("Halal")
        assert no_sideways_scroll(page)
    finally:
        context.close()


def log_in(page, live_server: str, email: str) -> None:
    page.goto(live_server + "/akun/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert").first).to_be_visible()


def test_member_ticks_a_product_and_the_admin_verifies_it(
    live_server, phone, screenshot, certified_shop
):
    """With CSRF checked on every form, as in production."""
    _reviewed, fresh = certified_shop
    member_email = fresh.member.user.email
    admin_email = factories.UserFactory(roles=[Role.ADMIN]).email
    db.session.commit()

    log_in(phone, live_server, member_email)
    phone.goto(live_server + "/kelola/sertifikat/")
    halal_card = phone.locator("li.card").filter(has_text="Halal")
    expect(halal_card).to_contain_text("Menunggu verifikasi")  # the tick on the new product
    halal_card.get_by_role("link", name="Pilih produk").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Produk di sertifikat Halal")
    expect(phone.get_by_label(re.compile("Getuk Goreng Original"))).to_be_checked()
    assert no_sideways_scroll(phone)
    screenshot("hc-anggota-centang-produk")
    phone.get_by_role("button", name="Simpan pilihan produk").click()
    expect(phone.locator(".alert").first).to_contain_text("Pilihan produk tersimpan")

    phone.context.clear_cookies()  # the admin, on the same phone
    log_in(phone, live_server, admin_email)
    phone.goto(live_server + "/pengurus/sertifikat?status=produk")
    card = phone.locator("article.card").filter(has_text="Halal")
    expect(card.get_by_label(re.compile("Getuk Goreng Original"))).to_be_checked()
    card.get_by_label(re.compile("Getuk Goreng Cokelat")).check()
    assert no_sideways_scroll(phone)
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot("hc-pengurus-produk")
    card.get_by_role("button", name="Simpan produk terverifikasi").click()
    expect(phone.locator(".alert").first).to_contain_text("tersimpan")

    phone.goto(f"{live_server}/produk/{fresh.id}-{fresh.slug}")
    expect(phone.get_by_role("list", name="Sertifikat produk").locator("summary")).to_have_text(
        ["✓ Halal (ketuk untuk rincian)"]
    )
