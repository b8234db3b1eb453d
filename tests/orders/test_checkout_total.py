"""The total before the commitment: checkout shows the subtotal, each
member's delivery fee for the choice made, the unique-code range and the
total to pay before "Buat pesanan"; the server recounts on "Hitung ulang"
(and /checkout/ringkasan for the page's script); the order asks for
exactly the total shown, plus the unique code it stated, or the shopper
sees the new total first. Checkout starts from the last order's address."""

import re

import pytest
from sqlalchemy import select

from marketplace.catalog.my_kecamatan import SESSION_KEY
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate
from marketplace.orders import cart as carts
from marketplace.orders.checkout import (
    UNIQUE_CODES,
    TotalChanged,
    quote_checkout,
)
from marketplace.orders.models import Order
from marketplace.orders.status import DeliveryMethod, PaymentMethod
from tests import factories
from tests.orders.helpers import (
    cart_with,
    checkout,
    contact,
    deliver_to,
    nothing_written,
    shopper,
    stock_of,
    variant,
)

pytestmark = pytest.mark.usefixtures("app_context")

GETUK, GULA = 25_000, 18_000


@pytest.fixture
def basket(app):
    """Hadi delivers to Purwokerto Utara (10.000) and Kembaran (15.000) and
    offers pickup; Siti offers pickup only. A shopper with both in the cart."""
    getuk = variant(price=GETUK, stock=9)
    hadi = getuk.product.member
    deliver_to(hadi, "purwokerto-utara", fee=10_000)
    deliver_to(hadi, "kembaran", fee=15_000)
    gula = variant(price=GULA, stock=9)
    buyer = shopper()
    cart = cart_with(buyer, (getuk, 2), (gula, 1))
    db.session.commit()
    return {
        "getuk": getuk,
        "gula": gula,
        "hadi": hadi,
        "siti": gula.product.member,
        "buyer": buyer,
        "cart": cart,
    }


def kecamatan_id(slug: str) -> str:
    return str(factories.kecamatan(slug).id)


def form(basket, slug="purwokerto-utara", hadi="delivery", **changes):
    data = {
        "name": "Sri Lestari",
        "whatsapp": "0812 2712 3456",
        "address": "Jl. Jenderal Soedirman 12",
        "kecamatan": kecamatan_id(slug),
        "desa": "Grendeng",
        "payment_method": "bank_transfer",
        "idempotency_key": "k" * 24,
        f"pengiriman-{basket['hadi'].id}": hadi,
        f"pengiriman-{basket['siti'].id}": "pickup",
    }
    return data | changes


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|span)>', html, re.DOTALL)
    assert match, element_id
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def quote_for(basket, slug, choices, payment="bank_transfer"):
    summary = carts.summarise(carts.cart_items(basket["cart"]), factories.kecamatan(slug))
    return quote_checkout(summary=summary, choices=choices, payment_method=payment)


# --- the quote ------------------------------------------------------------------


def test_the_quote_adds_the_goods_and_the_fee_of_each_choice(basket):
    hadi, siti = basket["hadi"].id, basket["siti"].id
    quote = quote_for(basket, "purwokerto-utara", {hadi: "delivery", siti: "pickup"})
    assert [part.fee for part in quote.parts] == [10_000, 0]
    assert (quote.subtotal, quote.delivery_total) == (2 * GETUK + GULA, 10_000)
    assert quote.total == 2 * GETUK + GULA + 10_000
    assert quote.unique_codes == UNIQUE_CODES == range(1, 1000)

    quote = quote_for(basket, "kembaran", {hadi: "delivery", siti: "pickup"})
    assert quote.delivery_total == 15_000
    quote = quote_for(basket, "purwokerto-utara", {hadi: "pickup", siti: "pickup"})
    assert quote.delivery_total == 0


def test_the_only_way_is_taken_and_a_way_no_longer_offered_is_to_choose_again(basket):
    hadi, siti = basket["hadi"], basket["siti"]
    quote = quote_for(basket, "purwokerto-utara", {})
    assert [part.method for part in quote.parts] == [None, DeliveryMethod.PICKUP]
    assert quote.undecided == [hadi]
    # Hadi does not deliver to Wangon: the delivery chosen for Utara is undone
    quote = quote_for(basket, "wangon", {hadi.id: "delivery", siti.id: "pickup"})
    assert quote.undecided == [hadi] and quote.delivery_total == 0


def test_cash_has_no_unique_code_and_only_when_every_member_takes_cash(basket):
    hadi, siti = basket["hadi"], basket["siti"]
    choices = {hadi.id: "pickup", siti.id: "pickup"}
    assert quote_for(basket, "sokaraja", choices, "cash").unique_codes is not None  # not offered
    hadi.accepts_cash = siti.accepts_cash = True
    quote = quote_for(basket, "sokaraja", choices, "cash")
    assert quote.payment_method == PaymentMethod.CASH and quote.unique_codes is None


def test_an_order_is_refused_when_its_total_is_not_the_one_shown(basket):
    hadi, siti = basket["hadi"].id, basket["siti"].id
    choices = {hadi: "delivery", siti: "pickup"}
    shown = 2 * GETUK + GULA + 10_000
    with pytest.raises(TotalChanged, match=r"sekarang Rp78\.000, bukan Rp77\.000"):
        checkout(
            basket["buyer"],
            basket["cart"],
            choices=choices,
            contact=contact("purwokerto-utara"),
            expected_total=shown - 1_000,
        )
    db.session.rollback()
    assert nothing_written() and stock_of(basket["getuk"].id) == 9


# --- the page -------------------------------------------------------------------


def test_the_page_shows_every_part_of_the_total_before_placing(client, login_as, basket):
    login_as(basket["buyer"])
    page = client.post("/checkout", data=form(basket, hitung="1")).text
    hadi, siti = basket["hadi"].id, basket["siti"].id
    total = 2 * GETUK + GULA + 10_000
    assert text_of(page, "ringkasan-subtotal") == format_rupiah(2 * GETUK + GULA)
    assert text_of(page, f"ringkasan-ongkir-{hadi}") == "Rp10.000"
    assert text_of(page, f"ringkasan-ongkir-{siti}") == "Rp0"
    assert text_of(page, "ringkasan-kode-unik") == "Rp1–Rp999"
    assert (
        text_of(page, "ringkasan-total")
        == f"{format_rupiah(total + 1)}–{format_rupiah(total + 999)}"
    )
    assert f'name="total_seen" value="{total}"' in page
    assert "Hitung ulang" in page and "Hitung ongkir" not in page
    assert nothing_written()


def test_hitung_ulang_recounts_for_another_kecamatan_and_choice(client, login_as, basket):
    login_as(basket["buyer"])
    page = client.post("/checkout", data=form(basket, "kembaran", hitung="1")).text
    assert text_of(page, f"ringkasan-ongkir-{basket['hadi'].id}") == "Rp15.000"
    page = client.post("/checkout", data=form(basket, "kembaran", hadi="pickup", hitung="1")).text
    assert text_of(page, f"ringkasan-ongkir-{basket['hadi'].id}") == "Rp0"
    page = client.post("/checkout", data=form(basket, "wangon", hitung="1")).text
    assert text_of(page, f"ringkasan-ongkir-{basket['hadi'].id}") == "pilih dulu"
    assert "Belum termasuk ongkir" in page and basket["hadi"].shop_name in page
    assert nothing_written()


def test_the_order_asks_for_the_total_shown_and_the_stated_code(client, login_as, basket):
    login_as(basket["buyer"])
    page = client.post("/checkout", data=form(basket, hitung="1")).text
    shown = int(re.search(r'name="total_seen" value="(\d+)"', page).group(1))

    response = client.post("/checkout", data=form(basket, total_seen=str(shown)))
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert order.subtotal + order.delivery_total == shown
    assert order.total - shown == order.unique_code and order.unique_code in UNIQUE_CODES
    assert order.delivery_total == 10_000


def test_a_kecamatan_changed_without_a_recount_shows_the_new_total_first(client, login_as, basket):
    login_as(basket["buyer"])
    shown = 2 * GETUK + GULA + 10_000  # seen for Purwokerto Utara
    response = client.post("/checkout", data=form(basket, "kembaran", total_seen=str(shown)))
    assert response.status_code == 200
    page = response.text
    assert "sekarang Rp83.000, bukan Rp78.000" in page
    assert text_of(page, f"ringkasan-ongkir-{basket['hadi'].id}") == "Rp15.000"
    assert 'name="total_seen" value="83000"' in page
    assert nothing_written()

    response = client.post("/checkout", data=form(basket, "kembaran", total_seen="83000"))
    assert response.status_code == 302
    assert db.session.scalars(select(Order.delivery_total)).one() == 15_000


def test_a_fee_changed_meanwhile_is_shown_before_placing(client, login_as, basket):
    login_as(basket["buyer"])
    rate = db.session.get(
        DeliveryRate, (basket["hadi"].id, factories.kecamatan("purwokerto-utara").id)
    )
    rate.fee = 12_000
    db.session.commit()
    response = client.post(
        "/checkout", data=form(basket, total_seen=str(2 * GETUK + GULA + 10_000))
    )
    assert "sekarang Rp80.000, bukan Rp78.000" in response.text and nothing_written()


def test_the_summary_fragment_is_the_pages_own(client, login_as, basket):
    login_as(basket["buyer"])
    hadi, siti = basket["hadi"].id, basket["siti"].id
    query = {
        "kecamatan": kecamatan_id("kembaran"),
        f"pengiriman-{hadi}": "delivery",
        f"pengiriman-{siti}": "pickup",
        "payment_method": "bank_transfer",
    }
    fragment = client.get("/checkout/ringkasan", query_string=query)
    assert fragment.status_code == 200 and fragment.cache_control.no_store
    page = client.post("/checkout", data=form(basket, "kembaran", hitung="1")).text
    for element_id in ("ringkasan-subtotal", f"ringkasan-ongkir-{hadi}", "ringkasan-total"):
        assert text_of(fragment.text, element_id) == text_of(page, element_id)
    assert 'id="pengiriman-toko"' in fragment.text and f'id="antar-{hadi}"' in fragment.text
    assert 'name="total_seen" value="83000"' in fragment.text
    with client.session_transaction() as kept:
        assert kept[SESSION_KEY] == "kembaran"  # the recount keeps the kecamatan


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kecamatan": "99999999999999999999"},
        {"kecamatan": "-1", "payment_method": "bitcoin"},
        {"kecamatan": "abc", "pengiriman-x": "delivery", "pengiriman-1": "teleport"},
    ],
)
def test_the_summary_fragment_takes_any_query(client, login_as, basket, query):
    login_as(basket["buyer"])
    response = client.get("/checkout/ringkasan", query_string=query)
    assert response.status_code == 200 and 'id="ringkasan"' in response.text


def test_the_summary_fragment_is_only_for_the_shopper(client, basket):
    response = client.get("/checkout/ringkasan")
    assert response.status_code == 302 and "/akun/masuk" in response.location


# --- where the last order went -------------------------------------------------------


def test_checkout_starts_from_the_last_orders_address(client, login_as, basket):
    buyer = basket["buyer"]
    login_as(buyer)
    client.post("/checkout", data=form(basket))
    assert db.session.scalars(select(Order)).one()
    cart_with(buyer, (basket["gula"], 1))
    db.session.commit()

    page = client.get("/checkout").text
    assert 'value="Sri Lestari"' in page
    assert 'value="0812-2712-3456"' in page and "6281227123456" not in page
    assert "Jl. Jenderal Soedirman 12</textarea>" in page
    assert 'value="Grendeng"' in page
    assert f'<option selected value="{kecamatan_id("purwokerto-utara")}">' in page

    # another kecamatan chosen since: that one, and no address from elsewhere
    with client.session_transaction() as kept:
        kept[SESSION_KEY] = "kembaran"
    page = client.get("/checkout").text
    assert f'<option selected value="{kecamatan_id("kembaran")}">' in page
    assert "Jl. Jenderal Soedirman 12" not in page and 'value="Grendeng"' not in page
    assert 'value="0812-2712-3456"' in page  # the number is the shopper's wherever they are


def test_a_first_checkout_starts_from_the_profile_and_my_kecamatan(client, login_as, basket):
    buyer = basket["buyer"]
    login_as(buyer)
    with client.session_transaction() as kept:
        kept[SESSION_KEY] = "purwokerto-utara"
    page = client.get("/checkout").text
    assert f'value="{buyer.name}"' in page
    assert f'<option selected value="{kecamatan_id("purwokerto-utara")}">' in page
    # Hadi's fee to the shopper's kecamatan is on the page at once
    assert "Diantar penjual: Rp10.000" in page
