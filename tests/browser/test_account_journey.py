"""A new shopper on a phone: signs up, is asked to verify before checkout,
opens the emailed link, checks out; then, on a second phone, sees the first
one's login end when they change their password."""

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import OutboxEmail, User
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests import factories
from tests.orders.helpers import deliver_to

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PASSWORD = "gula-kelapa-1"


@pytest.fixture
def getuk(app):
    hadi = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi",
        slug="getuk-goreng-pak-hadi",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    deliver_to(hadi, "sokaraja", fee=5_000)
    product = factories.ProductFactory(
        member=hadi,
        name="Getuk Goreng Original",
        variants=[factories.VariantFactory.build(name="500 g", price=25_000, stock=12)],
    )
    db.session.commit()
    return product


def last_link(recipient: str, path: str) -> str:
    db.session.expire_all()
    body = db.session.scalars(
        db.select(OutboxEmail.body_text)
        .where(OutboxEmail.recipient == recipient)
        .order_by(OutboxEmail.id.desc())
    ).first()
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)[1]


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"


def log_in(page: Page, live_server: str, password: str = PASSWORD) -> None:
    page.goto(live_server + "/akun/masuk")
    page.get_by_label("Email").fill("siti@contoh.id")
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(".alert-success")).to_contain_text("Anda sudah masuk")


def test_sign_up_verify_check_out_and_change_the_password(
    live_server, phone, browser, screenshot, getuk
):
    phone.goto(live_server + "/akun/daftar")
    phone.get_by_label("Nama lengkap").fill("Siti Aminah")
    phone.get_by_label("Email").fill("siti@contoh.id")
    phone.get_by_label("Nomor WhatsApp").fill("0812 3456 7890")
    phone.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    phone.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    phone.get_by_role("button", name="Daftar").click()
    expect(phone.locator(".alert-info")).to_contain_text("Kami mengirim email ke siti@contoh.id")
    fits(phone)
    screenshot("akun-01-cek-email")

    # Logged in but not verified: the cart works, checkout asks for the link.
    log_in(phone, live_server)
    expect(phone.locator("main")).to_contain_text("Email Anda belum diverifikasi.")
    phone.goto(f"{live_server}/produk/{getuk.id}-{getuk.slug}")
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    phone.goto(live_server + "/checkout")
    expect(phone).to_have_url(re.compile(r"/akun/verifikasi$"))
    expect(phone.locator("main")).to_contain_text("verifikasi dulu email Anda")
    fits(phone)
    screenshot("akun-02-verifikasi-dulu")

    phone.goto(live_server + last_link("siti@contoh.id", "/akun/verifikasi/"))
    expect(phone.locator(".alert-success")).to_contain_text("email Anda sudah terverifikasi")
    phone.goto(live_server + "/checkout")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pembayaran")
    phone.fill("input[name=name]", "Siti Aminah")
    phone.fill("input[name=whatsapp]", "0812 3456 7890")
    phone.fill("textarea[name=address]", "Jl. Soedirman 12, RT 02/RW 03")
    phone.select_option("select[name=kecamatan]", label="Sokaraja")
    phone.fill("input[name=desa]", "Karangrau")
    delivery = phone.locator(f"#antar-{getuk.member_id}")
    expect(delivery).to_be_enabled()  # the fee to Sokaraja came with the kecamatan
    delivery.check()
    phone.get_by_label("Transfer bank").check()
    phone.get_by_role("button", name="Buat pesanan", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/pesanan/PA-"))
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 1

    # A second phone logged in; the first changes the password.
    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    log_in(other, live_server)
    phone.goto(live_server + "/akun")
    expect(phone.locator("main")).to_contain_text("Perangkat yang sedang masuk")
    expect(phone.locator("main li")).to_have_count(2)
    fits(phone)
    screenshot("akun-03-akun-saya")
    phone.get_by_role("link", name="Ganti kata sandi").click()
    phone.get_by_label("Kata sandi sekarang").fill(PASSWORD)
    phone.get_by_label("Kata sandi baru", exact=True).fill("gethuk-goreng-2")
    phone.get_by_label("Ulangi kata sandi baru").fill("gethuk-goreng-2")
    fits(phone)
    screenshot("akun-04-ganti-sandi")
    phone.get_by_role("button", name="Ganti kata sandi").click()
    expect(phone.locator(".alert-success")).to_contain_text("Kata sandi sudah diganti")
    expect(phone.locator("main li")).to_have_count(1)

    other.goto(live_server + "/pesanan")
    expect(other).to_have_url(re.compile(r"/akun/masuk"))
    other.context.close()
    user = db.session.scalars(db.select(User).where(User.email == "siti@contoh.id")).one()
    assert user.email_verified_at is not None
