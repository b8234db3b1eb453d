"""schema.org JSON-LD on the public pages: every block parses and passes the
schema check (tests/catalog/jsonld.py: the fields search engines require,
typed; prices as whole rupiah in IDR; absolute addresses from PUBLIC_URL),
and says what the page says: price, stock, seller, the shop's place and
hours, the trail, the list."""

import re
from html import unescape

import pytest

from marketplace.catalog.models import Product
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import Member
from tests import factories
from tests.catalog.jsonld import LD_JSON, PUBLIC, blocks, of_type, problems
from tests.catalog.seeding import add_photos, jpeg

pytestmark = pytest.mark.usefixtures("app_context")


def visible_trail(html: str) -> list[tuple[str, str | None]]:
    """The breadcrumb the page shows: (label, link or None for this page)."""
    nav = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', html, re.DOTALL)
    assert nav, "the page shows a breadcrumb"
    steps = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.DOTALL):
        link = re.fullmatch(r'<a href="([^"]*)">(.*)</a>', item.strip())
        steps.append((unescape(link[2]), unescape(link[1])) if link else (unescape(item), None))
    return steps


GOOD_OFFER = {
    "@type": "Offer",
    "price": 15_000,
    "priceCurrency": "IDR",
    "availability": "https://schema.org/InStock",
    "itemCondition": "https://schema.org/NewCondition",
    "url": f"{PUBLIC}produk/1/x",
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"price": "Rp15.000"}, "price = 'Rp15.000'"),
        ({"price": 15000.0}, "price = 15000.0"),
        ({"price": True}, "price = True"),
        ({"priceCurrency": "USD"}, "priceCurrency"),
        ({"availability": "InStock"}, "availability"),
        ({"url": "http://localhost/produk/1/x"}, "url"),
        ({"url": "/produk/1/x"}, "url"),
        ({"price": None}, "price"),
    ],
)
def test_the_schema_check_refuses_what_search_engines_refuse(change, complaint):
    assert problems(GOOD_OFFER) == []
    broken = {key: value for key, value in (GOOD_OFFER | change).items() if value is not None}
    assert any(complaint in problem for problem in problems(broken)), problems(broken)


def test_the_schema_check_refuses_a_trail_out_of_order():
    item = {"@type": "ListItem", "name": "Beranda", "item": PUBLIC}
    trail = {"@type": "BreadcrumbList", "itemListElement": [item | {"position": 2}]}
    assert "$: positions [2]" in problems(trail)
    assert "$.itemListElement[0]: a ListItem names no page on PUBLIC_URL" in problems(
        {"@type": "BreadcrumbList", "itemListElement": [item | {"position": 1, "item": "/"}]}
    )


# --- the world -------------------------------------------------------------------


def variant(price: int, stock: int = 5, name: str = "Standar"):
    return factories.VariantFactory.build(name=name, price=price, stock=stock)


@pytest.fixture
def shop(app) -> Member:
    member = factories.MemberFactory(
        shop_name="Keripik Mbok Sri",
        slug="keripik-mbok-sri",
        whatsapp="0812-3456-7890",
        desa="Karangrau",
        address="Jl. Rahasia Sekali No. 9",
        opening_hours="Senin–Jumat 08.00–15.00, Sabtu 08.00–12.00",
        kecamatan=factories.kecamatan("sokaraja"),
        logo_key=storage().save(jpeg(), folder="shops", suffix=".jpg"),
    )
    db.session.commit()
    return member


@pytest.fixture
def keripik(app, shop) -> Product:
    product = factories.ProductFactory(
        member=shop,
        name="Keripik Tempe Sagu",
        weight_grams=250,
        variants=[variant(12_500, name="250 g"), variant(30_000, name="1 kg", stock=0)],
    )
    add_photos(app, product, 2)
    db.session.commit()
    return product


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.text


# --- each public page type ------------------------------------------------------------


def test_home_names_the_association_and_its_search(client, keripik):
    parsed = blocks(page(client, "/"))
    (association,) = of_type(parsed, "Organization")
    assert "Aspikmas" in association["name"]
    assert association["url"] == PUBLIC
    assert association["address"]["addressLocality"] == "Kabupaten Banyumas"
    (site,) = of_type(parsed, "WebSite")
    assert site["publisher"] == {"@id": association["@id"]}
    template = site["potentialAction"]["target"]["urlTemplate"]
    assert template == f"{PUBLIC}produk?q={{search_term_string}}"


def test_product_page_describes_the_product_its_offer_and_seller(client, keripik, shop):
    html = page(client, f"/produk/{keripik.id}-{keripik.slug}")
    parsed = blocks(html)
    (product,) = of_type(parsed, "Product")
    url = f"{PUBLIC}produk/{keripik.id}-{keripik.slug}"
    assert (product["name"], product["url"], product["sku"]) == (
        "Keripik Tempe Sagu",
        url,
        str(keripik.id),
    )
    assert product["category"] == "Makanan & Minuman"
    assert product["brand"]["name"] == "Keripik Mbok Sri"
    assert product["image"] == [f"{PUBLIC}media/{image.large_key}" for image in keripik.images]
    assert product["weight"] == {"@type": "QuantitativeValue", "value": 250, "unitCode": "GRM"}
    offer = product["offers"]
    assert offer["seller"] == {
        "@type": "LocalBusiness",
        "@id": f"{PUBLIC}toko/keripik-mbok-sri#toko",
        "name": "Keripik Mbok Sri",
        "url": f"{PUBLIC}toko/keripik-mbok-sri",
    }
    # Each image the JSON names is served.
    for image in product["image"]:
        assert client.get(image.removeprefix(PUBLIC[:-1])).status_code == 200


def test_variants_at_several_prices_give_an_aggregate_offer(client, keripik):
    parsed = blocks(page(client, f"/produk/{keripik.id}-{keripik.slug}"))
    (product,) = of_type(parsed, "Product")
    offer = product["offers"]
    assert offer["@type"] == "AggregateOffer"
    assert (offer["lowPrice"], offer["highPrice"], offer["offerCount"]) == (12_500, 30_000, 2)
    assert offer["availability"] == "https://schema.org/InStock"  # the 250 g is there
    assert [(each["name"], each["price"], each["availability"]) for each in offer["offers"]] == [
        ("250 g", 12_500, "https://schema.org/InStock"),
        ("1 kg", 30_000, "https://schema.org/OutOfStock"),
    ]


@pytest.mark.parametrize(
    "variants",
    [
        pytest.param([variant(15_000)], id="one variant"),
        pytest.param([variant(15_000, name="Pedas"), variant(15_000, name="Original")], id="same"),
    ],
)
def test_one_price_gives_one_offer(client, shop, variants):
    item = factories.ProductFactory(member=shop, variants=variants)
    db.session.commit()
    (product,) = of_type(blocks(page(client, f"/produk/{item.id}-{item.slug}")), "Product")
    offer = product["offers"]
    assert (offer["@type"], offer["price"], offer["priceCurrency"]) == ("Offer", 15_000, "IDR")
    assert "image" not in product  # no photo: none named


def test_a_product_without_stock_is_out_of_stock(client, shop):
    item = factories.ProductFactory(
        member=shop, variants=[variant(8_000, stock=0, name="A"), variant(9_000, stock=0)]
    )
    db.session.commit()
    (product,) = of_type(blocks(page(client, f"/produk/{item.id}-{item.slug}")), "Product")
    offer = product["offers"]
    assert offer["availability"] == "https://schema.org/OutOfStock"
    assert {each["availability"] for each in offer["offers"]} == {"https://schema.org/OutOfStock"}


def test_a_name_that_closes_the_script_stays_inside_the_json(client, shop):
    hostile = "</script><script>alert(1)</script> & 'kutip' <b>"
    item = factories.ProductFactory(member=shop, name=hostile, description=hostile)
    db.session.commit()
    html = page(client, f"/produk/{item.id}-{item.slug}")
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    parsed = blocks(html)
    (product,) = of_type(parsed, "Product")
    assert product["name"] == product["description"] == hostile
    (trail,) = of_type(parsed, "BreadcrumbList")
    assert trail["itemListElement"][-1]["name"] == hostile
    # Only the page's own scripts: one per JSON-LD block, none injected.
    assert len(re.findall(r"<script", html)) == len(LD_JSON.findall(html)) + len(
        re.findall(r"<script src=", html)
    )


def test_shop_page_is_a_local_business_in_its_kecamatan(client, shop, keripik):
    html = page(client, "/toko/keripik-mbok-sri")
    parsed = blocks(html)
    (business,) = of_type(parsed, "LocalBusiness")
    assert business["@id"] == f"{PUBLIC}toko/keripik-mbok-sri#toko"
    assert business["name"] == "Keripik Mbok Sri"
    assert business["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Desa Karangrau",
        "addressLocality": "Sokaraja",
        "addressRegion": "Jawa Tengah",
        "addressCountry": "ID",
    }
    assert business["logo"] == f"{PUBLIC}media/{shop.logo_key}"
    # The number the page's WhatsApp button already links to, and no more:
    # the street address stays private.
    assert business["telephone"] == "+6281234567890"
    assert "wa.me/6281234567890" in html
    assert "Rahasia Sekali" not in html
    weekdays = [f"https://schema.org/{day}" for day in ("Monday", "Tuesday", "Wednesday")]
    weekdays += [f"https://schema.org/{day}" for day in ("Thursday", "Friday")]
    assert business["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": weekdays,
            "opens": "08:00",
            "closes": "15:00",
        },
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["https://schema.org/Saturday"],
            "opens": "08:00",
            "closes": "12:00",
        },
    ]
    assert business["memberOf"]["@id"] == f"{PUBLIC}#organisasi"


@pytest.mark.parametrize("hours", ["", "Buka kalau tidak hujan", "Senin–Sabtu pagi"])
def test_hours_that_do_not_read_as_hours_are_left_out(client, shop, hours):
    shop.opening_hours = hours
    db.session.commit()
    (business,) = of_type(blocks(page(client, "/toko/keripik-mbok-sri")), "LocalBusiness")
    assert "openingHoursSpecification" not in business


# --- the trail: JSON-LD says what the page shows -----------------------------------------


def trail_urls(keripik: Product) -> dict[str, tuple[str, list[str]]]:
    return {
        "product": (
            f"/produk/{keripik.id}-{keripik.slug}",
            ["Beranda", "Produk", "Makanan & Minuman", "Keripik Tempe Sagu"],
        ),
        "shop": (
            "/toko/keripik-mbok-sri",
            ["Beranda", "Kecamatan", "Sokaraja", "Keripik Mbok Sri"],
        ),
        "kecamatan": ("/kecamatan/sokaraja", ["Beranda", "Kecamatan", "Sokaraja"]),
        "category": (
            "/produk?kategori=makanan-minuman",
            ["Beranda", "Produk", "Makanan & Minuman"],
        ),
        "category and kecamatan": (
            "/produk?kecamatan=sokaraja&kategori=makanan-minuman&urut=termurah",
            ["Beranda", "Produk", "Makanan & Minuman", "Kec. Sokaraja"],
        ),
        "kecamatan filter": ("/produk?kecamatan=sokaraja", ["Beranda", "Produk", "Kec. Sokaraja"]),
    }


@pytest.mark.parametrize(
    "kind",
    ["product", "shop", "kecamatan", "category", "category and kecamatan", "kecamatan filter"],
)
def test_breadcrumb_list_matches_the_visible_trail(client, keripik, kind):
    url, names = trail_urls(keripik)[kind]
    html = page(client, url)
    (trail,) = of_type(blocks(html), "BreadcrumbList")
    items = trail["itemListElement"]
    assert [item["name"] for item in items] == names
    shown = visible_trail(html)
    assert [name for name, _link in shown] == names
    # Every step but the last links where the JSON-LD says; the last is this page.
    for (_name, link), item in zip(shown[:-1], items[:-1], strict=True):
        assert PUBLIC[:-1] + link == item["item"]
    assert shown[-1][1] is None
    assert 'aria-current="page"' in html
    last = items[-1]["item"].removeprefix(PUBLIC[:-1])
    assert client.get(last).status_code == 200


@pytest.mark.parametrize("url", ["/produk", "/produk?q=keripik", "/produk?harga_min=1000"])
def test_the_catalog_unnarrowed_has_no_trail(client, keripik, url):
    html = page(client, url)
    assert of_type(blocks(html), "BreadcrumbList") == []
    assert 'class="breadcrumb' not in html


# --- lists: the products in the order shown -------------------------------------------


def product_links(html: str) -> list[str]:
    return re.findall(r'href="(/produk/\d+-[^"]+)" class="stretched-link"', html)


@pytest.mark.parametrize(
    "url",
    ["/", "/produk", "/produk?hal=2", "/kecamatan/sokaraja", "/toko/keripik-mbok-sri?hal=2"],
)
def test_list_pages_list_their_products_in_order(make_app, url):
    app = make_app(CATALOG_PAGE_SIZE=3)
    with app.app_context():
        shop = factories.MemberFactory(
            shop_name="Keripik Mbok Sri", slug="keripik-mbok-sri", kecamatan=factories.kecamatan()
        )
        for number in range(5):
            factories.ProductFactory(member=shop, name=f"Produk {number}")
        db.session.commit()
        html = page(app.test_client(), url)
    (listed,) = of_type(blocks(html), "ItemList")
    shown = product_links(html)
    assert [item["url"] for item in listed["itemListElement"]] == [PUBLIC[:-1] + p for p in shown]
    first = 4 if "hal=2" in url else 1
    assert [item["position"] for item in listed["itemListElement"]] == list(
        range(first, first + len(shown))
    )


def test_an_empty_list_lists_nothing(client):
    assert of_type(blocks(page(client, "/produk?q=tidakadasamasekali")), "ItemList") == []
