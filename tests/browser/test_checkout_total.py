"""The total before the commitment, on a 360 px phone: delivery is known
on the card and the product page before the cart ("kecamatan saya" kept
for the visitor, through the page cache), /produk lists what is delivered
there, and checkout shows the subtotal, each member's fee, the unique-code
range and the total to pay before "Buat pesanan", at once with the page's
script and after "Hitung ulang" without it; the order asks for what was
shown plus the stated code."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.models import Order
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.orders.helpers import deliver_to

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PHONE_WIDTH = 360
GETUK, GULA = 25_000, 22_000
SELATAN_FEE, UTARA_FEE = 8_000, 10_000


@pytest.fixture
def app(make_app):
    """As in production: CSRF on every form, and the page cache."""
    return make_app(WTF_CSRF_ENABLED=True, CACHE_TYPE="SimpleCache")


@pytest.fixture
def market(app):
    hadi = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi",
        kecamatan=factories.kecamatan("sokaraja"),
        offers_pickup=True,
    )
    deliver_to(hadi, "purwokerto-selatan", fee=SELATAN_FEE)
    deliver_to(hadi, "purwokerto-utara", fee=UTARA_FEE)
    siti = factories.MemberFactory(
        shop_name="Gula Kelapa Bu Siti",
        kecamatan=factories.kecamatan("cilongok"),
        offers_pickup=True,
    )
    getuk = factories.ProductFactory(
        member=hadi,
        name="Getuk Goreng Original",
        variants=[factories.VariantFactory.build(name="500 g", price=GETUK, stock=12)],
    )
    gula = factories.ProductFactory(
        member=siti,
        name="Gula Kelapa Cetak",
        variants=[factories.VariantFactory.build(name="1 kg", price=GULA, stock=40)],
    )
    shopper = factories.UserFactory(
        email="lestari@contoh.id", name="Sri Lestari", roles=[Role.SHOPPER]
    )
    db.session.commit()
    return {"hadi": hadi, "siti": siti, "getuk": getuk, "gula": gula, "shopper": shopper}


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


@pytest.fixture
def shoot(database_url) -> Callable[[Page, str], None]:
    """A screenshot of `page` (the whole page, or what the screen shows)
    into the suite's artifacts."""
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str, *, full_page: bool = True) -> None:
        if full_page:
            page.evaluate("window.scrollTo(0, 0)")
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)

    return take


def log_in(page: Page, live_server: str, next_path: str) -> None:
    page.goto(f"{live_server}/akun/masuk?next={next_path}")
    page.fill("input[name=email]", "lestari@contoh.id")
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert").first).to_contain_text("Sri Lestari")


def test_delivery_and_total_are_known_before_the_order(live_server, phone, shoot, market):
    getuk, gula, hadi, siti = market["getuk"], market["gula"], market["hadi"], market["siti"]

    # 1. The card says how each member hands over; the visitor sets their kecamatan.
    phone.goto(live_server + "/produk")
    card = phone.locator(".product-card").filter(has_text="Getuk Goreng Original")
    expect(card).to_contain_text("Ambil di Kec. Sokaraja")
    expect(card).to_contain_text("Antar ke 2 kecamatan, mulai Rp8.000")
    fits(phone)
    phone.get_by_role("button", name=re.compile("Filter")).click()
    phone.select_option("#kecamatan-saya", label="Purwokerto Selatan")
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.locator(".my-kecamatan")).to_contain_text("Kecamatan saya: Purwokerto Selatan")

    # 2. "Bisa diantar ke kecamatan saya" lists only what is delivered there.
    phone.get_by_role("button", name=re.compile("Filter")).click()
    phone.get_by_label("Bisa diantar ke kecamatan saya (Purwokerto Selatan)").check()
    expect(
        phone.get_by_label("Bisa diantar ke kecamatan saya (Purwokerto Selatan)")
    ).to_be_checked()
    phone.get_by_role("button", name="Terapkan filter").click()
    expect(phone).to_have_url(re.compile(r"antar=purwokerto-selatan"), timeout=15_000)
    expect(phone.locator("#jumlah-produk")).to_have_text("1 produk")
    expect(phone.locator("main")).not_to_contain_text("Gula Kelapa Cetak")
    fits(phone)
    shoot(phone, "hb-produk-bisa-diantar")

    # 3. The product pages say whether it comes to Purwokerto Selatan, and for how much.
    phone.goto(f"{live_server}/produk/{getuk.id}-{getuk.slug}")
    expect(phone.locator("#antar-ke-saya")).to_have_text(
        "Bisa diantar ke Purwokerto Selatan: Rp8.000"
    )
    fits(phone)
    shoot(phone, "hb-produk-ongkir")
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    phone.goto(f"{live_server}/produk/{gula.id}-{gula.slug}")
    expect(phone.locator("#antar-ke-saya")).to_have_text("Tidak mengantar ke Purwokerto Selatan")
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    shops = phone.locator("main section.card")
    expect(shops.filter(has_text=hadi.shop_name)).to_contain_text(
        "Bisa diantar ke Purwokerto Selatan: Rp8.000."
    )
    expect(shops.filter(has_text=siti.shop_name)).to_contain_text(
        "Tidak mengantar ke Purwokerto Selatan."
    )

    # 4. Checkout: the kecamatan is there, the total follows every choice at once.
    log_in(phone, live_server, "/checkout")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pembayaran")
    expect(phone.locator("select[name=kecamatan] option:checked")).to_have_text(
        "Purwokerto Selatan"
    )
    expect(phone.locator("button[data-recount]").first).to_be_hidden()  # "Hitung ulang"
    subtotal = GETUK + GULA
    total = phone.locator("#ringkasan-total")
    expect(phone.locator("#ringkasan-subtotal")).to_have_text(format_rupiah(subtotal))
    expect(phone.locator(f"#ringkasan-ongkir-{hadi.id}")).to_have_text("pilih dulu")
    expect(phone.locator(f"#ringkasan-ongkir-{siti.id}")).to_have_text("Rp0")  # pickup only
    expect(phone.locator("#ringkasan-kode-unik")).to_have_text("Rp1–Rp999")

    def range_of(amount: int) -> str:
        return f"{format_rupiah(amount + 1)}–{format_rupiah(amount + 999)}"

    phone.locator(f"#antar-{hadi.id}").check()
    expect(phone.locator(f"#ringkasan-ongkir-{hadi.id}")).to_have_text("Rp8.000")
    expect(total).to_have_text(range_of(subtotal + SELATAN_FEE))
    phone.select_option("select[name=kecamatan]", label="Purwokerto Utara")
    expect(phone.locator(f"label[for=antar-{hadi.id}]")).to_contain_text("Rp10.000")
    expect(phone.locator(f"#ringkasan-ongkir-{hadi.id}")).to_have_text("Rp10.000")
    expect(total).to_have_text(range_of(subtotal + UTARA_FEE))
    phone.locator(f"#ambil-{hadi.id}").check()
    expect(total).to_have_text(range_of(subtotal))
    phone.locator(f"#antar-{hadi.id}").check()
    expect(total).to_have_text(range_of(subtotal + UTARA_FEE))

    phone.fill("input[name=whatsapp]", "0812 2712 3456")
    phone.fill("textarea[name=address]", "Jl. Jenderal Soedirman 12, RT 02/RW 03")
    phone.fill("input[name=desa]", "Grendeng")
    fits(phone)
    shoot(phone, "hb-checkout")
    phone.locator("#ringkasan").scroll_into_view_if_needed()
    phone.get_by_role("button", name="Buat pesanan").scroll_into_view_if_needed()
    shoot(phone, "hb-checkout-total", full_page=False)  # what the phone shows before the tap

    # 5. The order asks for the total shown, plus the code it said it would add.
    phone.get_by_role("button", name="Buat pesanan", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/pesanan/PA-[0-9A-Z]+$"))
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert (order.subtotal, order.delivery_total) == (subtotal, UTARA_FEE)
    assert order.total == subtotal + UTARA_FEE + order.unique_code
    assert 1 <= order.unique_code <= 999
    expect(phone.locator("main")).to_contain_text(format_rupiah(order.total))
    expect(phone.locator("main")).to_contain_text("0812-2712-3456")


def test_without_javascript_the_server_recounts_before_placing(live_server, browser, shoot, market):
    getuk, gula, hadi = market["getuk"], market["gula"], market["hadi"]
    cart = carts.open_cart(user=market["shopper"])
    carts.add_to_cart(cart=cart, variant=getuk.variants[0], quantity=1)
    carts.add_to_cart(cart=cart, variant=gula.variants[0], quantity=1)
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="id-ID", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "/checkout")
        expect(page.get_by_role("button", name="Hitung ulang").first).to_be_visible()
        page.fill("input[name=whatsapp]", "0812 2712 3456")
        page.fill("textarea[name=address]", "Jl. Jenderal Soedirman 12")
        page.fill("input[name=desa]", "Grendeng")
        page.select_option("select[name=kecamatan]", label="Purwokerto Selatan")
        page.get_by_role("button", name="Hitung ulang").first.click()
        expect(page.locator(f"label[for=antar-{hadi.id}]")).to_contain_text("Rp8.000")
        page.locator(f"#antar-{hadi.id}").check()
        page.get_by_role("button", name="Hitung ulang").last.click()
        subtotal = GETUK + GULA
        expect(page.locator("#ringkasan-total")).to_contain_text(
            format_rupiah(subtotal + SELATAN_FEE + 1)
        )

        # another kecamatan, and "Buat pesanan" at once: the new total first
        page.select_option("select[name=kecamatan]", label="Purwokerto Utara")
        page.get_by_role("button", name="Buat pesanan", exact=True).click()
        expect(page.locator(".alert-danger")).to_contain_text(
            f"sekarang {format_rupiah(subtotal + UTARA_FEE)}, bukan "
            f"{format_rupiah(subtotal + SELATAN_FEE)}"
        )
        expect(page.locator(f"#ringkasan-ongkir-{hadi.id}")).to_have_text("Rp10.000")
        fits(page)
        shoot(page, "hb-checkout-tanpa-js")
        db.session.rollback()
        assert db.session.scalars(select(Order)).all() == []

        page.get_by_role("button", name="Buat pesanan", exact=True).click()
        expect(page).to_have_url(re.compile(r"/pesanan/PA-[0-9A-Z]+$"))
        db.session.rollback()
        assert db.session.scalars(select(Order.delivery_total)).one() == UTARA_FEE
    finally:
        context.close()
