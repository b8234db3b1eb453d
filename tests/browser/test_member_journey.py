"""A member on a phone: log in, create a product with two variants and a
photo, publish it, and find it in the public catalog under their kecamatan."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests import factories
from tests.catalog.seeding import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def member(app):
    user = factories.UserFactory(email="sri@contoh.id", name="Sri Rahayu", roles=[Role.MEMBER])
    found = factories.MemberFactory(
        user=user,
        shop_name="Keripik Tempe Bu Sri",
        slug="keripik-tempe-bu-sri",
        kecamatan=factories.kecamatan("cilongok"),
    )
    db.session.commit()
    return found


def test_member_lists_a_product_and_finds_it_under_their_kecamatan(
    live_server, phone, screenshot, member, tmp_path
):
    phone.goto(live_server + "/akun/masuk")
    phone.fill("input[name=email]", "sri@contoh.id")
    phone.fill("input[name=password]", factories.PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()
    expect(phone.locator(".alert")).to_contain_text("Sri Rahayu")

    phone.goto(live_server + "/kelola/produk/baru")
    phone.fill("input[name=name]", "Gula Semut Organik Cilongok")
    phone.select_option("select[name=category_id]", label="Makanan & Minuman")
    phone.fill("textarea[name=description]", "Gula semut dari nira kelapa.\nTanpa pengawet.")
    phone.fill("input[name=unit]", "bungkus")
    phone.fill("input[name='variants-0-name']", "250 g")
    phone.fill("input[name='variants-0-price']", "18.000")
    phone.fill("input[name='variants-0-stock']", "10")
    phone.get_by_role("button", name="+ Tambah varian").click()
    phone.fill("input[name='variants-1-name']", "500 g")
    phone.fill("input[name='variants-1-price']", "32.000")
    phone.fill("input[name='variants-1-stock']", "5")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("10-anggota-produk-baru")
    phone.get_by_role("button", name="Simpan produk").click()
    expect(phone.locator(".alert").first).to_be_visible()

    photo = tmp_path / "gula-semut.jpg"
    photo.write_bytes(jpeg(600, (150, 90, 40)))
    phone.set_input_files("input[name=photos]", str(photo))
    phone.get_by_role("button", name="Unggah foto").click()
    expect(phone.locator("#judul-foto")).to_contain_text("Foto (1 dari 8)")
    screenshot("11-anggota-foto")

    phone.goto(live_server + "/kelola")
    row = phone.locator("li, tr, .card").filter(has_text="Gula Semut Organik Cilongok").first
    row.get_by_role("button", name="Tayangkan").click()
    expect(phone.locator(".alert").first).to_contain_text("tampil di toko")
    screenshot("12-anggota-daftar-produk")

    phone.goto(live_server + "/kecamatan/cilongok")
    card = phone.locator(".product-card").filter(has_text="Gula Semut Organik Cilongok")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Rp18.000")
    expect(card.locator("img")).to_have_count(1)
    screenshot("13-kecamatan-cilongok")
    card.locator("a").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Gula Semut Organik Cilongok")
    expect(phone.locator("main")).to_contain_text("500 g")
    expect(phone.locator("main")).to_contain_text("Rp32.000")
    expect(phone).to_have_url(re.compile(r"/produk/\d+-gula-semut-organik-cilongok"))
    screenshot("14-produk-anggota")
