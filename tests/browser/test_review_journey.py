"""Reviews on phones, each person in their own browser: a shopper whose
order was completed gives the getuk four stars, a few words and a photo
from their order page; the member reads it under "Ulasan" and replies once; a visitor
sees the average, the review and the reply on the product page."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, Review
from marketplace.extensions import db
from tests import factories
from tests.browser.test_order_journey import fits, log_in, open_menu_link, open_phone, shoot
from tests.orders.flows import bought
from tests.security import files

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]
__all__ = ["open_phone", "shoot"]  # fixtures, shared with the order journey


def test_a_shopper_reviews_a_completed_order_and_the_member_replies(
    live_server: str, open_phone: Callable[[], Page], shoot: Callable[[Page, str], None]
):
    hadi = factories.MemberFactory(
        user=factories.UserFactory(
            email="hadi@contoh.id", name="Hadi Santoso", roles=[Role.MEMBER]
        ),
        shop_name="Getuk Goreng Pak Hadi",
    )
    getuk = factories.ProductFactory(
        member=hadi,
        name="Getuk Goreng Original",
        variants=[factories.VariantFactory.build(name="500 g", price=25_000, stock=12)],
    )
    sri = factories.UserFactory(email="lestari@contoh.id", name="Sri Lestari")
    db.session.commit()
    order = bought(getuk.variants[0], buyer=sri, done=None)

    shopper = open_phone()
    log_in(shopper, live_server, "lestari@contoh.id", "Sri Lestari")
    shopper.goto(f"{live_server}/pesanan/{order.code}")
    form = shopper.locator("form.review-form")
    form.locator("input[name=rating][value='4']").check()
    form.get_by_label("Ulasan (boleh kosong)").fill("Legit dan masih hangat waktu sampai.")
    form.get_by_label("Foto (boleh kosong, paling banyak 3)").set_input_files(
        {"name": "getuk.jpg", "mimeType": "image/jpeg", "buffer": files.picture(size=(800, 600))}
    )
    fits(shopper)
    shoot(shopper, "review-1-shopper-form")
    form.get_by_role("button", name="Beri ulasan").click()
    expect(shopper.locator(".alert")).to_contain_text("Terima kasih! Ulasan Anda sudah tampil")
    expect(shopper.locator(".review-line")).to_contain_text("Ulasan Anda ·")
    expect(shopper.locator(".review-line img.review-photo")).to_have_count(1)
    fits(shopper)
    shoot(shopper, "review-2-shopper-done")

    member = open_phone()
    log_in(member, live_server, "hadi@contoh.id", "Hadi Santoso")
    open_menu_link(member, "Ulasan")
    expect(member.get_by_text("Legit dan masih hangat")).to_be_visible()
    member.get_by_label("Balasan (sekali, tampil untuk umum)").fill(
        "Matur nuwun Bu Sri, ditunggu pesanan berikutnya!"
    )
    member.get_by_role("button", name="Kirim balasan").click()
    expect(member.locator(".alert")).to_contain_text("Balasan Anda sudah tampil")
    expect(member.get_by_role("button", name="Kirim balasan")).to_have_count(0)
    fits(member)
    shoot(member, "review-3-member-replied")

    visitor = open_phone()
    visitor.goto(f"{live_server}/produk/{getuk.id}-{getuk.slug}")
    expect(visitor.locator(".product-rating").first).to_contain_text("4,0")
    expect(visitor.locator("#ulasan")).to_contain_text("Legit dan masih hangat")
    expect(visitor.locator("#ulasan")).to_contain_text("Matur nuwun Bu Sri")
    fits(visitor)
    visitor.locator("#ulasan").scroll_into_view_if_needed()
    thumb = visitor.locator("#ulasan img.review-photo")
    expect(thumb).to_have_attribute("alt", "Foto ulasan 1 dari Sri untuk Getuk Goreng Original")
    thumb.scroll_into_view_if_needed()
    visitor.wait_for_function(
        "() => [...document.querySelectorAll('#ulasan img.review-photo')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    box = thumb.bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (72, 72)
    shoot(visitor, "review-4-product-page")

    db.session.expire_all()
    product = db.session.get(Product, getuk.id)
    review = db.session.query(Review).one()
    assert (product.rating_count, product.rating_sum) == (1, 4)
    assert review.reply.startswith("Matur nuwun")
    assert [(photo.width, photo.height) for photo in review.photos] == [(800, 600)]
