"""Responsive pictures in Chromium on a 360 px phone: the browser picks a
WebP variant sized for the card or the photo, the lead picture is fetched
at once, and nothing moves when the pictures arrive."""

import pytest

from marketplace.extensions import db
from tests import factories
from tests.catalog.test_responsive_images import stored_photo

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

# Every layout shift the page had, from its start (buffered).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""
# The variant each picture took, the width `sizes` promised (a srcset
# picture's naturalWidth) and the width it has on the page.
CHOSEN = """selector => [...document.querySelectorAll(selector)].map(
  image => [image.complete && image.currentSrc, image.naturalWidth, image.clientWidth])"""


@pytest.fixture
def products():
    shop = factories.MemberFactory(kecamatan=factories.kecamatan("wangon"))
    made = [factories.ProductFactory(member=shop, name=f"Mendoan {n}") for n in range(6)]
    for product in made:
        product.images = [stored_photo()]
    db.session.commit()
    return made


def test_phone_gets_webp_variants_sized_to_fit_without_layout_shift(
    phone, live_server, products, screenshot
):
    phone.goto(live_server + "/produk", wait_until="networkidle")
    cards = phone.evaluate(CHOSEN, ".product-card img")
    assert len(cards) == 6
    for chosen, promised, shown in cards:
        # a card is 164 CSS px wide on a 360 px screen (one device pixel each)
        assert chosen.endswith("/320.webp")
        assert abs(promised - shown) <= 2
    assert phone.evaluate(LAYOUT_SHIFT) == 0
    screenshot("gambar-responsif-produk")

    phone.locator(".product-card a").first.click()
    phone.wait_for_load_state("networkidle")
    ((chosen, promised, shown),) = phone.evaluate(CHOSEN, ".product-photo")
    assert chosen.endswith("/480.webp")  # 336 CSS px wide
    assert abs(promised - shown) <= 2
    assert phone.evaluate(LAYOUT_SHIFT) == 0
    screenshot("gambar-responsif-foto")
