"""Finding one's way on a 360 px phone (issue 12): the cart and its count in
the top bar with the menu closed; a skip link and a focus ring a keyboard
user can see; navbar links and WhatsApp buttons at WCAG AA contrast,
measured from the colours the browser paints; breadcrumbs and back links
44 px tall; a new shopper sent from checkout to "Daftar sekarang" comes back
to checkout with the cart; each role lands on its own page; a member tells
the shopper of each step over WhatsApp in one tap."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.payments import bank_transfer
from tests import factories
from tests.orders.helpers import cart_with, checkout, deliver_to, shopper

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

SHOTS = Path("/work/notes/shots")
PHONE_WIDTH = 360
AA_TEXT = 4.5  # WCAG 2.x AA, normal text
TARGET = 44  # px, WCAG 2.5.5 / the platforms' guidelines


# --- contrast, as WCAG 2 defines it ------------------------------------------------------


def _channels(css: str) -> tuple[float, float, float, float]:
    """`rgb(25, 120, 70)` or `rgba(255, 255, 255, 0.55)` -> (r, g, b, alpha)."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """The contrast ratio of text `foreground` (alpha blended) on an opaque `background`."""
    *fore, alpha = _channels(foreground)
    *back, _ = _channels(background)
    seen = tuple(alpha * f + (1 - alpha) * b for f, b in zip(fore, back, strict=True))
    lighter, darker = sorted((_luminance(seen), _luminance(tuple(back))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_matches_wcag_examples():
    """Black on white, and the two failures the issue measured: white on
    WhatsApp's green, Bootstrap's 55 % white on our green bar."""
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(255, 255, 255)", "rgb(37, 211, 102)") == pytest.approx(1.98, abs=0.01)
    assert contrast("rgba(255, 255, 255, 0.55)", "rgb(25, 120, 70)") == pytest.approx(
        2.78, abs=0.02
    )


PAINTED = """(element) => {
  let node = element, background = null;
  while (node && !background) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(colour)) background = colour;
    node = node.parentElement;
  }
  return {colour: getComputedStyle(element).color, background: background || 'rgb(255, 255, 255)'};
}"""


def measured_contrast(element: Locator) -> float:
    painted = element.evaluate(PAINTED)
    return contrast(painted["colour"], painted["background"])


# --- the page as a person sees it -------------------------------------------------------


def fits(page: Page) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"hd-{name}.png"), full_page=True)


def tall_enough(element: Locator) -> None:
    box = element.bounding_box()
    assert box is not None, element
    assert box["height"] >= TARGET, (element, box)


def log_in(page: Page, live_server: str, email: str, password: str = factories.PASSWORD) -> None:
    page.goto(live_server + "/akun/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Anda sudah masuk")


def menu_words(page: Page) -> list[str]:
    return [" ".join(words.split()) for words in page.locator("#menu .nav-link").all_inner_texts()]


@pytest.fixture
def market(app):
    """A member who delivers to Sokaraja and has a product (and a WhatsApp)."""
    sri = factories.MemberFactory(
        user=factories.UserFactory(email="sri@contoh.id", name="Sri Rahayu", roles=[Role.MEMBER]),
        shop_name="Keripik Tempe Bu Sri",
        slug="keripik-tempe-bu-sri",
        whatsapp="0812-2712-3456",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    deliver_to(sri, "sokaraja", fee=8_000)
    keripik = factories.ProductFactory(
        member=sri,
        name="Keripik Tempe Sagu",
        variants=[factories.VariantFactory.build(name="250 g", price=15_000, stock=20)],
    )
    factories.UserFactory(email="wulan@contoh.id", name="Wulan", roles=[Role.TREASURER])
    db.session.commit()
    return {"sri": sri, "keripik": keripik}


def test_the_top_bar_on_a_phone(live_server, phone, market):
    keripik = market["keripik"]
    phone.goto(f"{live_server}/produk/{keripik.id}-{keripik.slug}")
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))

    # The cart, with its count, in the top bar: the menu stays closed.
    phone.goto(live_server + "/")
    expect(phone.locator("#menu")).to_be_hidden()
    cart = phone.get_by_role("link", name="Keranjang, 1 barang")
    expect(cart).to_be_visible()
    expect(cart.locator(".cart-count")).to_have_text("1")
    box = cart.bounding_box()
    assert box and box["width"] >= TARGET and box["height"] >= TARGET
    assert box["x"] + box["width"] <= PHONE_WIDTH
    fits(phone)
    shoot(phone, "beranda-menu-tertutup")

    # Keyboard: the skip link comes first, with a ring one can see, and leads past the menu.
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Lewati ke konten")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    ring = skip.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2, ring
    assert contrast(ring[2], "rgb(255, 255, 255)") >= 3, ring  # non-text contrast
    shoot(phone, "lewati-ke-konten")
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "konten"
    phone.keyboard.press("Tab")
    focused_in_main = phone.evaluate("document.activeElement.closest('main') !== null")
    assert focused_in_main, "the next Tab goes into the content, not the menu"

    # The brand and the cart on the green bar; the menu's links once opened.
    for element in (phone.locator(".navbar-brand"), cart):
        assert measured_contrast(element) >= AA_TEXT
    phone.get_by_role("button", name="Buka menu").click()
    links = phone.locator("#menu .nav-link")
    expect(links.first).to_be_visible()
    ratios = [measured_contrast(links.nth(n)) for n in range(links.count())]
    assert min(ratios) >= AA_TEXT, ratios
    menu_link = phone.locator("#menu").get_by_role("link", name="Masuk")
    menu_link.focus()
    outline = menu_link.evaluate("e => getComputedStyle(e).outlineColor")
    assert contrast(outline, "rgb(25, 120, 70)") >= 3, outline  # the ring on the green bar

    # A product page: breadcrumbs are 44 px targets, the WhatsApp button reads at AA.
    phone.goto(f"{live_server}/produk/{keripik.id}-{keripik.slug}")
    crumbs = phone.locator(".breadcrumb-item a")
    expect(crumbs.first).to_be_visible()
    for n in range(crumbs.count()):
        tall_enough(crumbs.nth(n))
    whatsapp = phone.locator("a.btn-whatsapp").first
    expect(whatsapp).to_be_visible()
    assert measured_contrast(whatsapp) >= AA_TEXT
    fits(phone)


def outbox_link(recipient: str, path: str) -> str:
    db.session.rollback()  # see what the server committed
    body = db.session.scalars(
        db.select(OutboxEmail.body_text)
        .where(OutboxEmail.recipient == recipient)
        .order_by(OutboxEmail.id.desc())
    ).first()
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)[1]


def test_a_new_shopper_registers_from_checkout_and_comes_back_to_it(live_server, phone, market):
    keripik = market["keripik"]
    phone.goto(f"{live_server}/produk/{keripik.id}-{keripik.slug}")
    phone.fill("#jumlah-beli", "2")
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    phone.get_by_role("link", name="Lanjut ke pembayaran").click()
    expect(phone).to_have_url(re.compile(r"/akun/masuk\?next=%2Fcheckout$"))

    phone.get_by_role("link", name="Daftar sekarang").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Daftar akun")
    phone.get_by_label("Nama lengkap").fill("Dewi Lestari")
    phone.get_by_label("Email").fill("dewi@contoh.id")
    phone.get_by_label("Nomor WhatsApp").fill("0812 3456 7890")
    phone.get_by_label("Kata sandi", exact=True).fill("gula-kelapa-1")
    phone.get_by_label("Ulangi kata sandi").fill("gula-kelapa-1")
    phone.get_by_role("button", name="Daftar").click()
    expect(phone.locator(".alert-info")).to_contain_text("Kami mengirim email ke dewi@contoh.id")
    expect(phone).to_have_url(re.compile(r"/akun/masuk\?next=/checkout$"))

    phone.get_by_label("Email").fill("dewi@contoh.id")
    phone.get_by_label("Kata sandi").fill("gula-kelapa-1")
    phone.get_by_role("button", name="Masuk", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/akun/verifikasi$"))  # the email first

    phone.goto(live_server + outbox_link("dewi@contoh.id", "/akun/verifikasi/"))
    expect(phone).to_have_url(re.compile(r"/checkout$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pembayaran")
    expect(phone.locator("main")).to_contain_text("Keripik Tempe Sagu")
    expect(phone.get_by_role("link", name="Keranjang, 2 barang")).to_be_visible()
    fits(phone)


def test_the_treasurer_lands_on_their_page_with_their_menu(live_server, phone, market):
    log_in(phone, live_server, "wulan@contoh.id")
    expect(phone).to_have_url(re.compile(r"/bendahara$"))
    expect(phone.locator(".nav-cart")).to_have_count(0)
    phone.get_by_role("button", name="Buka menu").click()
    words = menu_words(phone)
    assert words[0] == "Bendahara" and "Daftar jadi anggota" not in words
    assert words.index("Keranjang") > words.index("Pesanan saya")
    fits(phone)


def test_a_member_tells_the_shopper_each_step_on_whatsapp(live_server, phone, market):
    sri, keripik = market["sri"], market["keripik"]
    buyer = shopper()
    order = checkout(
        buyer, cart_with(buyer, (keripik.variants[0], 2)), choices={sri.id: "delivery"}
    )
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    db.session.commit()
    code, part_id = order.code, order.parts[0].id

    log_in(phone, live_server, "sri@contoh.id")
    expect(phone).to_have_url(re.compile(r"/kelola$"))  # the member's dashboard
    phone.get_by_role("button", name="Buka menu").click()
    assert menu_words(phone)[:2] == ["Kelola toko", "Pesanan masuk"]
    phone.locator("#menu").get_by_role("link", name="Pesanan masuk").click()
    phone.locator("a.card-body").filter(has_text=code).click()
    expect(phone).to_have_url(re.compile(rf"/kelola/pesanan/{part_id}$"))

    phone.get_by_role("button", name="Proses pesanan").click()
    phone.get_by_role("button", name="Tandai dikirim").click()
    expect(phone.locator(".alert-success")).to_contain_text(f"Pesanan {code}")
    tell = phone.locator("#kabari a.btn-whatsapp")
    expect(tell).to_have_text("Kabari pembeli: pesanan dikirim")
    message = parse_qs(urlsplit(tell.get_attribute("href") or "").query)["text"][0]
    assert f"Pesanan {code} sudah dikirim" in message
    assert (tell.get_attribute("href") or "").startswith("https://wa.me/6281234567890?text=")
    steps = phone.locator(".order-timeline a.step-chat")
    expect(steps).to_have_count(3)  # received, prepared, sent
    for n in range(3):
        tall_enough(steps.nth(n))
        assert measured_contrast(steps.nth(n)) >= AA_TEXT
    assert measured_contrast(tell) >= AA_TEXT
    tall_enough(phone.get_by_role("link", name="← Pesanan masuk"))
    fits(phone)
    shoot(phone, "pesanan-anggota")
