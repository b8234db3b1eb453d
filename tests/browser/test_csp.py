"""The strict Content-Security-Policy in a real browser, on a phone: every
main page of every person loads without one CSP violation or script error,
and what the moved scripts do still works (the menu toggler, confirm before
cancel or delete, the once-only order button, the chosen file's name).
Screenshots at 360 px go to tests/browser/artifacts/<db>/csp-*.png."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from marketplace.accounts.models import Role
from marketplace.catalog.models import Certificate, ProductStatus
from marketplace.extensions import db
from marketplace.ledger.services import month_of
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.core.sample_shop import SampleShop, make_sample_shop

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PHONE = {"width": 360, "height": 740}
# What Chromium's console says when it blocks something or misreads a policy.
POLICY_COMPLAINTS = ("Refused to", "Content Security Policy", "Permissions-Policy")
# Caught by the page itself: every violation of the policy, whatever the console says.
LISTEN_FOR_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
    + " " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""

# On the checkout page: count the form's submissions and, a moment after the
# first, note whether its button is disabled and tap it again.
RECORD_TAPS = """
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  sessionStorage.setItem("submits", String(Number(sessionStorage.getItem("submits") || 0) + 1));
  setTimeout(function () {
    sessionStorage.setItem("disabled", String(button.disabled));
    button.click();
  }, 50);
});
"""


@pytest.fixture
def shop(app) -> SampleShop:
    return make_sample_shop(app)


class Phone:
    """One person's phone: a browser context that records every CSP violation,
    console error about the policy and script error on every page it opens."""

    def __init__(self, context: BrowserContext, live_server: str) -> None:
        self.context = context
        self.live_server = live_server
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        context.add_init_script(LISTEN_FOR_VIOLATIONS)

    def _console(self, message) -> None:
        text = message.text
        if any(sign in text for sign in POLICY_COMPLAINTS):
            self.problems.append(f"{self.page.url}: {text}")

    def open(self, path: str, status: int = 200) -> Page:
        response = self.page.goto(self.live_server + path)
        assert response is not None and response.status == status, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        return self.page

    def violations(self) -> list[str]:
        """What the current page and the console reported so far."""
        seen = self.page.evaluate("window.__violations || []")
        return self.problems + [f"{self.page.url}: {v}" for v in seen]

    def log_in(self, email: str, name: str) -> None:
        self.open("/akun/masuk")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", factories.PASSWORD)
        self.page.get_by_role("button", name="Masuk", exact=True).click()
        expect(self.page.locator(".alert")).to_contain_text(name)


@pytest.fixture
def open_phone(browser, live_server) -> Iterator[Callable[[], Phone]]:
    contexts: list[BrowserContext] = []

    def open_() -> Phone:
        context = browser.new_context(viewport=PHONE, locale="id-ID")
        contexts.append(context)
        return Phone(context, live_server)

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(database_url) -> Callable[[Page, str], None]:
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(folder / f"csp-{name}.png"), full_page=True)

    return take


def main_pages(shop: SampleShop) -> dict[Role | None, list[tuple]]:
    """(screenshot name, path[, status]) of the pages each person uses most."""
    product = shop.product
    this_month = month_of(datetime.now(UTC))
    return {
        None: [
            ("beranda", "/"),
            ("produk", "/produk"),
            ("produk-detail", f"/produk/{product.id}-{product.slug}"),
            ("toko", f"/toko/{shop.member.slug}"),
            ("masuk", "/akun/masuk"),
            ("transparansi", "/transparansi"),
            ("tidak-ada", "/halaman-yang-tidak-ada", 404),
        ],
        Role.SHOPPER: [
            ("keranjang", "/keranjang"),
            ("checkout", "/checkout"),
            ("pesanan", f"/pesanan/{shop.order.code}"),
            ("pesanan-saya", "/pesanan"),
        ],
        Role.MEMBER: [
            ("kelola", "/kelola"),
            ("kelola-produk", f"/kelola/produk/{product.id}"),
            ("kelola-produk-baru", "/kelola/produk/baru"),
            ("kelola-stok", "/kelola/stok"),
            ("kelola-impor", "/kelola/impor"),
            ("kelola-cetak", "/kelola/cetak"),
            ("sertifikat", "/kelola/sertifikat/"),
            ("sertifikat-baru", "/kelola/sertifikat/baru"),
            ("pesanan-masuk", "/kelola/pesanan"),
            ("pesanan-masuk-detail", f"/kelola/pesanan/{shop.part.id}"),
            ("profil-toko", "/anggota/toko"),
            ("pendamping-saya", "/anggota/pendamping"),
        ],
        Role.ADMIN: [
            ("pengurus", "/pengurus"),
            ("pengurus-anggota", f"/pengurus/anggota/{shop.member.id}"),
            ("pengurus-sertifikat", "/pengurus/sertifikat"),
            ("pengurus-komisi", "/pengurus/komisi"),
            ("pengurus-pendamping", "/pengurus/pendamping"),
            ("pengurus-angkatan", f"/pengurus/pendamping/{shop.pairing.mentor.cohort_id}"),
            ("pengurus-dampak", f"/pengurus/pendamping/{shop.pairing.mentor.cohort_id}/dampak"),
        ],
        Role.MENTOR: [
            ("pendamping", "/pendamping"),
            ("pendamping-anggota", f"/pendamping/anggota/{shop.member.id}"),
            ("pendamping-draf", f"/pendamping/anggota/{shop.member.id}/produk/baru"),
            ("pendamping-produk", f"/pendamping/anggota/{shop.member.id}/produk/{product.id}"),
        ],
        Role.TREASURER: [
            ("bendahara", "/bendahara"),
            ("bendahara-transfer", "/bendahara/transfer"),
            ("bendahara-pengembalian", "/bendahara/pengembalian"),
            ("bendahara-laporan-bulanan", "/bendahara/laporan-bulanan"),
            ("bendahara-laporan-bulan", f"/bendahara/laporan-bulanan/{this_month:%Y-%m}"),
        ],
    }


def test_main_pages_load_without_a_policy_violation(open_phone, shoot, shop):
    for role, pages in main_pages(shop).items():
        phone = open_phone()
        if role is not None:
            user = shop.users[role]
            phone.log_in(user.email, user.name)
        for name, path, *status in pages:
            page = phone.open(path, *status)
            page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
            shoot(page, name)
            assert phone.violations() == [], path


def test_menu_toggler_opens_the_menu_on_a_phone(open_phone, shop):
    phone = open_phone()
    page = phone.open("/")
    menu_link = page.locator("#menu").get_by_role("link", name="Semua produk")
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="Buka menu").click()
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(page).to_have_url(re.compile(r"/produk$"))
    assert phone.violations() == []


def test_shopper_is_asked_before_an_order_is_cancelled(open_phone, shop):
    phone = open_phone()
    shopper = shop.users[Role.SHOPPER]
    phone.log_in(shopper.email, shopper.name)
    page = phone.open(f"/pesanan/{shop.order.code}")
    questions: list[str] = []

    def say_no(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", say_no)
    page.get_by_role("button", name="Batalkan pesanan").click()
    assert questions == ["Batalkan pesanan ini?"]
    expect(page.get_by_role("button", name="Batalkan pesanan")).to_be_visible()
    assert status_of(shop.order.id) == OrderStatus.PENDING_PAYMENT

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Batalkan pesanan").click()
    expect(page.get_by_role("button", name="Batalkan pesanan")).to_have_count(0)
    assert status_of(shop.order.id) == OrderStatus.CANCELLED
    assert phone.violations() == []


def test_order_button_is_pressed_once(open_phone, shop):
    """The checkout page's script: while the order is being placed, the
    button is disabled, so a second tap cannot place a second order."""
    phone = open_phone()
    shopper = shop.users[Role.SHOPPER]
    phone.log_in(shopper.email, shopper.name)
    page = phone.open("/checkout")
    page.fill("input[name=name]", "Sri Lestari")
    page.fill("input[name=whatsapp]", "0812 3456 7890")
    page.fill("textarea[name=address]", "Jl. Jenderal Soedirman 12, RT 02/RW 03")
    page.select_option("select[name=kecamatan]", label="Sokaraja")
    page.fill("input[name=desa]", "Karangrau")
    page.locator(f"#ambil-{shop.member.id}").check()
    page.get_by_label("Transfer bank").check()

    page.evaluate(RECORD_TAPS)
    held: list[Route] = []
    page.route(re.compile(r"/checkout$"), lambda route: held.append(route))
    button = page.get_by_role("button", name="Buat pesanan", exact=True)
    button.evaluate("button => button.click()")  # returns while the order is held
    page.wait_for_timeout(500)
    assert [route.request.method for route in held] == ["POST"]
    held[0].continue_()
    expect(page).to_have_url(re.compile(r"/pesanan/PA-[0-9A-Z]+$"))
    assert order_count() == 3  # the two sample orders and this one
    taps = page.evaluate("[sessionStorage.getItem('submits'), sessionStorage.getItem('disabled')]")
    assert taps == ["1", "true"]
    assert phone.violations() == []


def test_certificate_form_shows_the_chosen_file(open_phone, shop, tmp_path):
    phone = open_phone()
    member = shop.users[Role.MEMBER]
    phone.log_in(member.email, member.name)
    page = phone.open("/kelola/sertifikat/baru")
    chosen = page.locator("#scan-nama")
    expect(chosen).to_have_text("Belum ada berkas dipilih.")
    page.focus("input[name=expires_on]")
    for _ in range(4):  # through the date's day, month and year to the hidden file input
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "scan":
            break
    expect(page.locator("label[for=scan]")).to_have_css("outline-style", "solid")  # its button
    scan = tmp_path / "sertifikat-halal.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("input[name=scan]", str(scan))
    expect(chosen).to_have_text("sertifikat-halal.pdf")
    page.set_input_files("input[name=scan]", [])
    expect(chosen).to_have_text("Belum ada berkas dipilih.")
    assert phone.violations() == []


def test_member_is_asked_before_a_certificate_is_deleted_or_a_product_archived(open_phone, shop):
    phone = open_phone()
    member = shop.users[Role.MEMBER]
    phone.log_in(member.email, member.name)
    questions: list[str] = []

    def say_no(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page = phone.open("/kelola/sertifikat/")
    page.once("dialog", say_no)
    page.get_by_role("button", name="Hapus").click()
    assert questions == ["Hapus sertifikat P-IRT ini?"]
    assert db.session.get(Certificate, shop.certificate_id) is not None

    page = phone.open(f"/kelola/produk/{shop.product.id}")
    page.once("dialog", say_no)
    page.get_by_role("button", name="Arsipkan").click()
    assert questions[1] == "Arsipkan produk ini? Produk tidak tampil lagi di toko."
    db.session.expire_all()
    assert shop.product.status == ProductStatus.ACTIVE

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action*='/foto/'][action$='/hapus'] button").first.click()
    expect(page.locator(".alert-success")).to_have_text("Foto dihapus.")
    assert phone.violations() == []


def status_of(order_id: int) -> OrderStatus:
    db.session.rollback()  # read what the server committed
    return db.session.get(Order, order_id).status


def order_count() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count(Order.id)))


def test_a_treasurer_page_cannot_be_framed_even_by_the_site_itself(open_phone, shop):
    """The clickjacking of the issue: a page on the shop's own origin frames
    the treasurer's transfer queue. The browser must refuse to show it."""
    phone = open_phone()
    treasurer = shop.users[Role.TREASURER]
    phone.log_in(treasurer.email, treasurer.name)
    page = phone.page
    page.route(
        phone.live_server + "/bingkai",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<h1>Hadiah!</h1><iframe src="/bendahara/transfer" height="600"></iframe>',
        ),
    )
    page.goto(phone.live_server + "/bingkai")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Hadiah!")).to_be_visible()
    framed = page.frame_locator("iframe")
    expect(framed.get_by_role("heading", name="Konfirmasi transfer")).to_have_count(0)
    assert any("frame-ancestors" in problem for problem in phone.violations())
