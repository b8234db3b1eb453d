"""A chapter officer on a phone: find their chapter from "Akun saya", read
the dashboard, recommend an application, list a product for a member, edit
another of the member's listings (price and a photo) and get the WhatsApp
link; the member sees who helped on their product page."""

from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.chapters.helpers import make_cast
from tests.security import files

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]


def log_in(phone, live_server: str, email: str, name: str) -> None:
    phone.goto(live_server + "/akun/masuk")
    phone.fill("input[name=email]", email)
    phone.fill("input[name=password]", factories.PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()
    expect(phone.locator(".alert").first).to_contain_text(name)


def fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_officer_runs_their_chapter_and_helps_a_member(live_server, phone, screenshot, tmp_path):
    cast = make_cast()
    member = cast["member"]
    member_email, officer_email = member.user.email, cast["officer_here"].email
    applicant_id, member_id = cast["applicant"].id, member.id
    listing, whatsapp = cast["product"].name, member.whatsapp
    admin_email = cast["admin"].email
    photo = tmp_path / "gula-baru.jpg"
    photo.write_bytes(files.picture(size=(640, 480)))
    db.session.commit()

    log_in(phone, live_server, officer_email, "Pak Darto")
    phone.goto(live_server + "/akun")
    phone.get_by_role("link", name="Cabang Kecamatan Ajibarang").click()
    expect(phone.locator("h1")).to_contain_text("Cabang Kecamatan Ajibarang")
    expect(phone.get_by_text("Lanting Bu Sum").first).to_be_visible()
    fits(phone)
    screenshot("60-cabang-dasbor")

    phone.goto(f"{live_server}/cabang/ajibarang/pengajuan/{applicant_id}")
    phone.get_by_label("Disarankan disetujui").check()
    phone.fill("textarea[name=reason]", "Sudah kami kunjungi; usaha berjalan.")
    fits(phone)
    phone.get_by_role("button", name="Kirim rekomendasi").click()
    expect(phone.locator(".alert").first).to_contain_text("Rekomendasi Anda terkirim")
    screenshot("61-cabang-rekomendasi")

    phone.goto(f"{live_server}/cabang/ajibarang/anggota/{member_id}")
    phone.fill("input[name=name]", "Gula Semut Ajibarang")
    phone.select_option("select[name=category_id]", label="Makanan & Minuman")
    phone.fill("input[name=price]", "25.000")
    phone.get_by_label("Stok", exact=True).fill("12")
    phone.check("input[name=publish]")
    fits(phone)
    screenshot("62-cabang-buat-produk")
    phone.get_by_role("button", name="Simpan produk").click()
    expect(phone.locator(".alert").first).to_contain_text("Gula Semut Ajibarang")
    expect(phone.get_by_text("dibantu oleh Pak Darto").first).to_be_visible()
    screenshot("63-cabang-riwayat-bantuan")

    # Another of the member's listings: a new price and one more photo.
    phone.get_by_role("link", name=f"Ubah {listing}").click()
    expect(phone.locator("h1")).to_contain_text(listing)
    phone.fill("input[name='variants-0-price']", "17.000")
    phone.set_input_files("input[name=photos]", str(photo))
    expect(phone.locator("#photos-dipilih")).to_have_text(photo.name)
    fits(phone)
    screenshot("65-cabang-ubah-produk")
    phone.locator("#form-produk [type=submit][name=submit]").click()
    said = "Harga diubah dari Rp15.000 menjadi Rp17.000; 1 foto ditambahkan"
    expect(phone.locator(".alert-success").first).to_contain_text(said)
    expect(phone.get_by_role("heading", name="Foto (2 dari 8)")).to_be_visible()
    tell = phone.get_by_role("link", name="Kabari lewat WhatsApp")
    expect(tell).to_be_visible()
    link = tell.get_attribute("href") or ""
    assert link.startswith(f"https://wa.me/{whatsapp}?text=")
    assert said in unquote(link) and listing in unquote(link)
    fits(phone)
    screenshot("66-cabang-kabari-whatsapp")

    phone.context.clear_cookies()
    log_in(phone, live_server, member_email, member.user.name)
    phone.goto(live_server + "/kelola")
    phone.get_by_role("link", name="Gula Semut Ajibarang").first.click()
    expect(phone.locator("#judul-dibantu")).to_be_visible()
    expect(phone.get_by_text("dibantu oleh Pak Darto")).to_be_visible()
    fits(phone)
    screenshot("64-anggota-melihat-bantuan")
    phone.goto(live_server + "/kelola")
    phone.get_by_role("link", name=listing).first.click()
    expect(phone.get_by_text(said)).to_be_visible()

    # The regency admin sees the officer's word on the applications list.
    phone.context.clear_cookies()
    log_in(phone, live_server, admin_email, "Admin Kabupaten")
    phone.goto(live_server + "/pengurus/anggota?status=pending")
    flagged = phone.locator("[data-recommendation=approve]")
    expect(flagged).to_contain_text("Disarankan disetujui")
    expect(flagged).to_contain_text("Pak Darto")
    expect(flagged).to_contain_text("Sudah kami kunjungi; usaha berjalan.")
    fits(phone)
    screenshot("67-pengurus-daftar-rekomendasi")
