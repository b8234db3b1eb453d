"""A shopper on a phone without a share sheet (navigator.share absent, as in
most desktop browsers and old Android WebViews) shares a product: "Bagikan"
is a wa.me link with the product's name, price and address, and "Salin
tautan" copies the address and says so. Where there is a share sheet,
"Bagikan" opens it instead. Nothing on the page moves while it loads or
when the confirmation shows (CLS)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.catalog.seeding import add_photos

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PUBLIC = "https://pasar.aspikmas.test"

# From the very start of the page, every layout shift, with or without input
# just before it (a shift caused by tapping "Salin tautan" counts here too).
WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) { window.__shifts.push(entry.value); });
}).observe({type: "layout-shift", buffered: true});
"""
LAYOUT_SHIFT = """() => new Promise(function (done) {
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    done(window.__shifts.reduce(function (sum, value) { return sum + value; }, 0));
  }); });
})"""


@pytest.fixture
def product(app):
    member = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi",
        slug="getuk-goreng-pak-hadi",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    found = factories.ProductFactory(
        member=member,
        name="Getuk Goreng Original 500 g",
        variants=[factories.VariantFactory.build(name="500 g", price=25_000, stock=12)],
    )
    add_photos(app, found, 2)
    db.session.commit()
    return found


def open_phone(browser, *, has_share_sheet: bool):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="id-ID",
        permissions=["clipboard-read", "clipboard-write"],
    )
    if has_share_sheet:
        context.add_init_script(
            "window.__shared = [];"
            "Navigator.prototype.share = function (data) {"
            " window.__shared.push(data); return Promise.resolve(); };"
        )
    else:
        context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    context.add_init_script(WATCH_SHIFTS)
    return context, context.new_page()


def artifact(database_url: str, name: str) -> str:
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.png")


def test_without_a_share_sheet_bagikan_is_whatsapp_and_the_link_copies(
    browser, live_server, product, database_url
):
    context, page = open_phone(browser, has_share_sheet=False)
    address = f"/produk/{product.id}-{product.slug}"
    page.goto(live_server + address)
    assert page.evaluate("typeof navigator.share") == "undefined"

    share = page.get_by_role("link", name="Bagikan ke WhatsApp")
    expect(share).to_be_visible()
    link = share.get_attribute("href")
    assert link.startswith("https://wa.me/?text=")
    message = parse_qs(urlsplit(link).query)["text"][0]
    assert "Getuk Goreng Original 500 g" in message and "Rp25.000" in message
    assert message.endswith(f"\n{PUBLIC}{address}")
    assert page.evaluate(LAYOUT_SHIFT) <= 0.05, "nothing moves while the page loads"
    share.scroll_into_view_if_needed()
    page.screenshot(path=artifact(database_url, "bagikan-01-produk"), full_page=True)

    copy = page.get_by_role("button", name="Salin tautan")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.get_by_role("status").filter(has_text="Tautan disalin")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{PUBLIC}{address}"
    assert page.evaluate(LAYOUT_SHIFT) <= 0.05, "nor when the confirmation shows"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".share").screenshot(path=artifact(database_url, "bagikan-02-disalin"))
    context.close()


def test_with_a_share_sheet_bagikan_opens_it(browser, live_server, product, database_url):
    context, page = open_phone(browser, has_share_sheet=True)
    page.goto(f"{live_server}/toko/getuk-goreng-pak-hadi")
    share = page.locator(".share-button")
    expect(share).to_have_text("Bagikan")
    assert page.evaluate(LAYOUT_SHIFT) <= 0.05
    page.screenshot(path=artifact(database_url, "bagikan-03-toko"), full_page=True)
    share.click()
    shared = page.evaluate("window.__shared")
    assert shared == [
        {
            "title": "Getuk Goreng Pak Hadi",
            "text": "Getuk Goreng Pak Hadi, UMKM dari Kecamatan Sokaraja, Banyumas,"
            " di Pasar Aspikmas",
            "url": f"{PUBLIC}/toko/getuk-goreng-pak-hadi",
        }
    ]
    assert len(context.pages) == 1, "WhatsApp did not open as well"
    context.close()


def test_without_the_clipboard_api_the_link_is_copied_from_its_field(browser, live_server, product):
    """Plain http, an old WebView: no navigator.clipboard. The field's text
    is selected and copied the older way, and the page says so."""
    context, page = open_phone(browser, has_share_sheet=False)
    context.add_init_script("delete Navigator.prototype.clipboard;")
    page.goto(f"{live_server}/produk/{product.id}-{product.slug}")
    assert page.evaluate("navigator.clipboard") is None
    page.get_by_role("button", name="Salin tautan").click()
    expect(page.get_by_role("status").filter(has_text="Tautan disalin")).to_be_visible()
    field = page.evaluate(
        "(f => [f.id, f.value.slice(f.selectionStart, f.selectionEnd)])(document.activeElement)"
    )
    assert field == ["tautan-produk-ini", f"{PUBLIC}/produk/{product.id}-{product.slug}"]
    context.close()
