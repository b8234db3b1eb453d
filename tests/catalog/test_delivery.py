"""Delivery is known before the cart: the card and the product page say how a
member hands over ("Ambil di Kec. X", "Antar ke N kecamatan, mulai RpY");
a visitor who chose their kecamatan ("kecamatan saya", kept in the session)
sees whether the member delivers there and for how much, `/produk` (and the
API) can list only what is delivered there, and the page cache never serves
one kecamatan's page to a visitor from another."""

import re

import pytest
from flask import session

from marketplace.catalog.filters import CatalogFilter, parse_filter
from marketplace.catalog.my_kecamatan import SESSION_KEY
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate
from tests import factories
from tests.orders.helpers import deliver_to

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def shops(app):
    """Sokaraja: pickup, and delivery to two kecamatan. Wangon: delivery only,
    free to one kecamatan. Cilongok: pickup only."""
    sokaraja = factories.MemberFactory(
        shop_name="Getuk Bu Rini", kecamatan=factories.kecamatan("sokaraja"), offers_pickup=True
    )
    deliver_to(sokaraja, "purwokerto-selatan", fee=8_000)
    deliver_to(sokaraja, "kembaran", fee=5_000)
    wangon = factories.MemberFactory(
        shop_name="Batik Wangon", kecamatan=factories.kecamatan("wangon"), offers_pickup=False
    )
    deliver_to(wangon, "purwokerto-selatan", fee=0)
    cilongok = factories.MemberFactory(
        shop_name="Gula Cilongok", kecamatan=factories.kecamatan("cilongok"), offers_pickup=True
    )
    products = {
        "getuk": factories.ProductFactory(member=sokaraja, name="Getuk Goreng"),
        "batik": factories.ProductFactory(member=wangon, name="Batik Lumbon"),
        "gula": factories.ProductFactory(member=cilongok, name="Gula Semut"),
    }
    db.session.commit()
    return products


def page_of(product) -> str:
    return f"/produk/{product.id}-{product.slug}"


def card_of(page: str, name: str) -> str:
    """The text of the product card named `name` on a listing page."""
    start = page.index(f'aria-label="{name}"')
    end = page.find("product-card", start)
    card = page[start : end if end > 0 else len(page)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))


def choose(client, slug: str, next_path: str = "/produk"):
    return client.get("/kecamatan-saya", query_string={"kecamatan": slug, "next": next_path})


def test_cards_say_how_each_member_hands_over(client, shops):
    page = client.get("/produk").text
    assert "Ambil di Kec. Sokaraja" in card_of(page, "Getuk Goreng")
    assert "Antar ke 2 kecamatan, mulai Rp5.000" in card_of(page, "Getuk Goreng")
    assert "Dari Kec. Wangon" in card_of(page, "Batik Lumbon")
    assert "Antar ke 1 kecamatan, gratis" in card_of(page, "Batik Lumbon")
    assert "Ambil di Kec. Cilongok" in card_of(page, "Gula Semut")
    assert "Antar ke" not in card_of(page, "Gula Semut")
    # the same facts on the home page, the shop page and the kecamatan page
    getuk = shops["getuk"]
    for address in ("/", f"/toko/{getuk.member.slug}", "/kecamatan/sokaraja"):
        assert "Antar ke 2 kecamatan, mulai Rp5.000" in client.get(address).text, address


def test_the_product_page_says_it_before_the_cart_and_asks_for_the_kecamatan(client, shops):
    page = client.get(page_of(shops["getuk"])).text
    section = page[page.index('id="judul-pengiriman"') : page.index("Tambah ke keranjang")]
    assert "Ambil di Kec. Sokaraja" in section
    assert "Antar ke 2 kecamatan, mulai Rp5.000" in section
    assert "Cek ongkir ke kecamatan Anda" in section
    assert 'id="antar-ke-saya"' not in page


def test_a_chosen_kecamatan_shows_the_fee_there_or_that_there_is_none(client, shops):
    getuk, gula, batik = shops["getuk"], shops["gula"], shops["batik"]
    response = choose(client, "purwokerto-selatan", page_of(getuk))
    assert response.status_code == 302 and response.location == page_of(getuk)
    with client.session_transaction() as kept:
        assert kept[SESSION_KEY] == "purwokerto-selatan"

    assert "Bisa diantar ke Purwokerto Selatan: Rp8.000" in client.get(page_of(getuk)).text
    assert "Bisa diantar ke Purwokerto Selatan: gratis" in client.get(page_of(batik)).text
    assert "Tidak mengantar ke Purwokerto Selatan" in client.get(page_of(gula)).text

    choose(client, "kembaran")
    assert "Bisa diantar ke Kembaran: Rp5.000" in client.get(page_of(getuk)).text
    assert "Tidak mengantar ke Kembaran" in client.get(page_of(batik)).text


def test_the_cart_shows_the_fee_to_the_chosen_kecamatan(client, shops):
    getuk, gula = shops["getuk"], shops["gula"]
    for product in (getuk, gula):
        client.post("/keranjang/tambah", data={"variant_id": product.variants[0].id, "quantity": 1})
    assert "Bisa diantar" not in client.get("/keranjang").text  # no kecamatan yet

    choose(client, "purwokerto-selatan")
    cart = client.get("/keranjang").text
    assert "Bisa diantar ke Purwokerto Selatan: Rp8.000." in cart
    assert "Tidak mengantar ke Purwokerto Selatan." in cart

    # picking another one in the cart keeps it as the visitor's own
    cart = client.get("/keranjang?kecamatan=kembaran").text
    assert "Bisa diantar ke Kembaran: Rp5.000." in cart
    assert "Bisa diantar ke Kembaran: Rp5.000" in client.get(page_of(getuk)).text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kecamatan": "atlantis"}, "Kecamatan tidak dikenal"),
        ({"kecamatan": "../../etc"}, "Kecamatan tidak dikenal"),
        ({"kecamatan": "x" * 500}, "Kecamatan tidak dikenal"),
    ],
)
def test_an_unknown_kecamatan_changes_nothing(client, shops, query, message):
    choose(client, "wangon")
    response = client.get("/kecamatan-saya", query_string=query)
    assert response.status_code == 200 and message in response.text
    with client.session_transaction() as kept:
        assert kept[SESSION_KEY] == "wangon"


def test_the_choice_page_shows_the_choice_and_forgets_it(client, shops):
    page = client.get("/kecamatan-saya?next=/produk").text
    assert "Pilih kecamatan" in page and 'name="next" value="/produk"' in page
    choose(client, "sumbang")
    page = client.get("/kecamatan-saya").text
    assert '<option value="sumbang" selected>' in page and "Hapus pilihan (Sumbang)" in page

    response = client.get("/kecamatan-saya?kecamatan=&next=/keranjang")
    assert response.status_code == 302 and response.location == "/keranjang"
    with client.session_transaction() as kept:
        assert SESSION_KEY not in kept


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_it_goes_back_only_to_a_page_of_this_site(client, shops, target):
    response = choose(client, "wangon", target)
    assert response.status_code == 302 and response.location == "/produk"


def test_a_tampered_session_value_is_no_kecamatan(app, client, shops):
    with client.session_transaction() as kept:
        kept[SESSION_KEY] = "<script>"
    page = client.get(page_of(shops["getuk"])).text
    assert "Cek ongkir ke kecamatan Anda" in page and "<script>" not in page
    with app.test_request_context():
        session[SESSION_KEY] = ["purwokerto-selatan"]
        from marketplace.catalog.my_kecamatan import chosen_slug

        assert chosen_slug() is None


# --- "bisa diantar ke kecamatan saya" on /produk and in the API --------------------


def test_the_filter_reads_and_writes_antar():
    assert parse_filter({"antar": " Purwokerto-Selatan "}).delivers_to == "purwokerto-selatan"
    assert parse_filter({"antar": ""}).delivers_to is None
    assert CatalogFilter(delivers_to="kembaran").to_args() == {"antar": "kembaran"}
    assert CatalogFilter(delivers_to="kembaran").active_count == 1


def names_on(page: str) -> set[str]:
    return {name for name in ("Getuk Goreng", "Batik Lumbon", "Gula Semut") if name in page}


def test_products_delivered_to_my_kecamatan(client, shops):
    page = client.get("/produk").text
    assert 'name="antar"' not in page  # no kecamatan chosen: the form asks for one
    assert 'id="kecamatan-saya"' in page

    choose(client, "purwokerto-selatan")
    page = client.get("/produk").text
    assert "Kecamatan saya: <strong>Purwokerto Selatan</strong>" in page
    assert 'name="antar" value="purwokerto-selatan"' in page
    assert "Bisa diantar ke kecamatan saya (Purwokerto Selatan)" in page

    page = client.get("/produk?antar=purwokerto-selatan").text
    assert names_on(page) == {"Getuk Goreng", "Batik Lumbon"}
    assert "2 produk" in page and "Diantar ke Purwokerto Selatan" in page
    assert names_on(client.get("/produk?antar=kembaran").text) == {"Getuk Goreng"}
    assert names_on(client.get("/produk?antar=sumbang").text) == set()
    # combined with the other filters, with counts that follow it
    page = client.get("/produk?antar=purwokerto-selatan&kecamatan=wangon").text
    assert names_on(page) == {"Batik Lumbon"} and "1 produk" in page


def test_an_unknown_antar_is_dropped_with_a_message(client, shops):
    page = client.get("/produk?antar=atlantis").text
    assert "Kecamatan tujuan antar tidak ditemukan" in page
    assert names_on(page) == {"Getuk Goreng", "Batik Lumbon", "Gula Semut"}


def test_the_api_shares_the_filter(client, shops):
    body = client.get("/api/v1/products?antar=purwokerto-selatan").json
    assert {product["name"] for product in body["items"]} == {"Getuk Goreng", "Batik Lumbon"}
    body = client.get("/api/v1/products?antar=atlantis").json
    assert len(body["items"]) == 3 and body["messages"]


def test_a_member_who_stops_delivering_leaves_the_filter(client, shops):
    getuk = shops["getuk"]
    db.session.query(DeliveryRate).filter_by(member_id=getuk.member_id).delete()
    db.session.commit()
    assert names_on(client.get("/produk?antar=kembaran").text) == set()


# --- the page cache -----------------------------------------------------------------


def test_the_cache_keeps_one_page_per_kecamatan(any_cache_app, shops):
    url = page_of(shops["getuk"])
    nobody, selatan, cilongok = (any_cache_app.test_client() for _ in range(3))
    choose(selatan, "purwokerto-selatan")
    choose(cilongok, "cilongok")

    first = nobody.get(url)
    assert first.headers["X-Cache"] == "MISS" and 'id="antar-ke-saya"' not in first.text
    for _ in range(2):
        page = selatan.get(url)
        assert "Bisa diantar ke Purwokerto Selatan: Rp8.000" in page.text
        page = cilongok.get(url)
        assert "Tidak mengantar ke Cilongok" in page.text
        assert "Purwokerto Selatan" not in page.text
    assert selatan.get(url).headers["X-Cache"] == "HIT"
    assert cilongok.get(url).headers["X-Cache"] == "HIT"
    again = nobody.get(url)
    assert again.headers["X-Cache"] == "HIT" and again.data == first.data

    # /produk: the list offers the filter for the visitor's own kecamatan only
    assert 'value="purwokerto-selatan"' in selatan.get("/produk").text
    assert 'name="antar"' not in nobody.get("/produk").text
    assert 'name="antar" value="cilongok"' in cilongok.get("/produk").text

    # a new fee shows at once, in every kecamatan's page
    rate = db.session.get(
        DeliveryRate, (shops["getuk"].member_id, factories.kecamatan("purwokerto-selatan").id)
    )
    rate.fee = 9_000
    db.session.commit()
    assert "Bisa diantar ke Purwokerto Selatan: Rp9.000" in selatan.get(url).text


def test_the_product_page_costs_two_queries_more_with_a_kecamatan(client, shops, statements_of):
    url = page_of(shops["getuk"])
    _, without = statements_of(client, url)
    choose(client, "purwokerto-selatan")
    _, with_kecamatan = statements_of(client, url)
    assert len(with_kecamatan) == len(without) + 2  # the kecamatan, its fee
    _, listing = statements_of(client, "/produk")
    client_without = client.application.test_client()
    _, listing_without = statements_of(client_without, "/produk")
    assert len(listing) == len(listing_without)  # the list has the kecamatan already
