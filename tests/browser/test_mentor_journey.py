"""A campus mentor and a member on phones: the mentor drafts a listing for
the member they are paired with and writes a suggestion; the member, on
their own phone, reads who drafted it and publishes it (the mentor cannot).
The mentor logs a visit with a photo and edits their draft; the member sees
the photo (private to them, the mentor and the admins) and what changed."""

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests import factories
from tests.catalog.seeding import jpeg
from tests.mentoring.helpers import mentors_draft, running_pairing

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def pairing(app):
    user = factories.UserFactory(email="sri@contoh.id", name="Sri Rahayu", roles=[Role.MEMBER])
    member = factories.MemberFactory(user=user, shop_name="Keripik Tempe Bu Sri")
    found = running_pairing(member, factories.UserFactory(roles=[Role.ADMIN]))
    found.mentor.user.email = "dewi@mhs.unsoed.ac.id"
    db.session.commit()
    return found


def log_in(phone, live_server: str, email: str) -> None:
    phone.goto(live_server + "/akun/masuk")
    phone.fill("input[name=email]", email)
    phone.fill("input[name=password]", factories.PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()


def test_the_mentor_drafts_and_the_member_publishes(
    live_server, browser, phone, screenshot, pairing
):
    log_in(phone, live_server, "dewi@mhs.unsoed.ac.id")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pendampingan")
    screenshot("60-pendamping-beranda")
    phone.get_by_role("link", name="Keripik Tempe Bu Sri").click()
    phone.get_by_role("link", name="+ Susun draf produk").click()
    phone.fill("input[name=name]", "Nopia Bawang Merah")
    phone.select_option("select[name=category_id]", label="Makanan & Minuman")
    phone.fill("textarea[name=description]", "Nopia khas Banyumas, dipanggang di tungku.")
    phone.fill("input[name=unit]", "bungkus")
    phone.fill("input[name='variants-0-price']", "12.500")
    phone.fill("input[name='variants-0-stock']", "20")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("61-pendamping-draf")
    phone.get_by_role("button", name="Simpan sebagai draf").click()
    expect(phone.locator(".alert").first).to_contain_text("Anggota memeriksa lalu menayangkannya")
    phone.get_by_role("link", name="Nopia Bawang Merah").click()
    phone.fill("textarea[name=body]", "Tambahkan berat bersih per bungkus di deskripsi.")
    phone.get_by_role("button", name="Kirim saran").click()
    expect(phone.locator(".alert").first).to_contain_text("Saran terkirim")
    assert phone.get_by_role("button", name="Tayangkan").count() == 0  # nothing publishes
    screenshot("62-pendamping-saran")
    phone.context.clear_cookies()

    log_in(phone, live_server, "sri@contoh.id")
    phone.goto(live_server + "/kelola?status=draft")
    row = phone.locator("li, tr, .card").filter(has_text="Nopia Bawang Merah").first
    row.get_by_role("link", name="Nopia Bawang Merah").first.click()
    expect(phone.locator("[data-note=drafted]")).to_contain_text("Draf disusun oleh")
    expect(phone.locator("[data-note=suggestion]")).to_contain_text("berat bersih")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("63-anggota-draf-dari-pendamping")
    phone.goto(live_server + "/kelola?status=draft")
    row = phone.locator("li, tr, .card").filter(has_text="Nopia Bawang Merah").first
    row.get_by_role("button", name="Tayangkan").click()
    expect(phone.locator(".alert").first).to_contain_text("tampil di toko")
    screenshot("64-anggota-menayangkan")


def test_the_mentor_logs_a_visit_with_a_photo_and_edits_their_draft(
    live_server, browser, phone, screenshot, pairing, tmp_path
):
    draft = mentors_draft(
        pairing,
        name="Getuk Goreng Sokaraja",
        variants=[factories.VariantFactory.build(name="", price=10_000, stock=15)],
    )
    db.session.commit()
    draft_id = draft.id
    log_in(phone, live_server, "dewi@mhs.unsoed.ac.id")
    phone.get_by_role("link", name="Keripik Tempe Bu Sri").click()
    phone.fill("input[name=topic]", "Foto produk dengan cahaya pagi")
    phone.fill("textarea[name=notes]", "Latihan memotret keripik di teras, tanpa lampu kilat.")
    photo = tmp_path / "teras.jpg"
    photo.write_bytes(jpeg(900, (190, 140, 60)))
    phone.set_input_files("input[name=photos]", str(photo))
    phone.get_by_role("button", name="Simpan kunjungan").click()
    expect(phone.locator(".alert").first).to_contain_text("Kunjungan tercatat")
    thumbnail = phone.locator("[data-visit-photo] img").first
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_attribute("alt", "Foto kunjungan 1: Foto produk dengan cahaya pagi")
    # A function, not an expression: Playwright evaluates an expression with
    # eval, which the page's CSP refuses once it has to poll.
    phone.wait_for_function(
        "() => document.querySelector('[data-visit-photo] img').naturalWidth > 0"
    )  # loaded through its private address
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("65-pendamping-kunjungan-foto")

    phone.get_by_role("link", name="Ubah draf").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ubah draf produk")
    phone.fill("input[name='variants-0-price']", "12.000")
    phone.fill("input[name='variants-0-stock']", "30")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("66-pendamping-ubah-draf")
    phone.get_by_role("button", name="Simpan perubahan draf").click()
    expect(phone.locator(".alert").first).to_contain_text("Perubahan draf tersimpan")
    expect(phone.locator("body")).to_contain_text("harga diubah dari Rp10.000 menjadi Rp12.000")
    phone.context.clear_cookies()

    log_in(phone, live_server, "sri@contoh.id")
    phone.goto(live_server + "/anggota/pendamping")
    expect(phone.locator("[data-visit]")).to_contain_text("Latihan memotret keripik")
    phone.locator("[data-visit-photo] img").first.scroll_into_view_if_needed()
    phone.wait_for_function(
        "() => document.querySelector('[data-visit-photo] img').naturalWidth > 0"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("67-anggota-kunjungan-foto")
    phone.goto(live_server + f"/kelola/produk/{draft_id}")
    expect(phone.locator("body")).to_contain_text("stok diubah dari 15 menjadi 30")
