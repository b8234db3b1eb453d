"""The public catalog pages as a shopper sees them."""

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import url_for

from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    ProductStatus,
)
from marketplace.core.storage import LocalStorage, storage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.seeding import add_photos, hidden_products, jpeg, seed_catalog

pytestmark = pytest.mark.usefixtures("app_context")


def variant(price: int, stock: int = 5, name: str = "Standar"):
    return factories.VariantFactory.build(name=name, price=price, stock=stock)


def product_links(html: str) -> list[str]:
    """The product pages linked from the cards of a list, in order."""
    return re.findall(r'href="(/produk/\d+-[^"]+)" class="stretched-link"', html)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(unescape(url)).query)


@pytest.fixture
def shop(app):
    member = factories.MemberFactory(
        shop_name="Keripik Mbok Sri",
        slug="keripik-mbok-sri",
        whatsapp="0812-3456-7890",
        desa="Karangrau",
        description="Usaha rumahan sejak 1998.\nPesanan partai besar silakan chat.",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    db.session.commit()
    return member


# --- home -----------------------------------------------------------------


def test_home_welcomes_and_lists_categories_kecamatan_and_newest(client, shop):
    factories.ProductFactory(member=shop, name="Getuk Goreng Sokaraja")
    factories.ProductFactory(
        member=shop,
        name="Batik Rahasia",
        status=ProductStatus.DRAFT,
        category=factories.category("batik-fashion"),
    )
    db.session.commit()
    html = client.get("/").text
    assert "Pasar Aspikmas" in html and "UMKM" in html and "Banyumas" in html
    assert 'id="kecamatan"' in html
    assert len(re.findall(r'href="/kecamatan/[a-z-]+"', html)) == 27
    assert 'href="/kecamatan/purwokerto-utara"' in html
    assert "Makanan &amp; Minuman" in html
    assert re.search(r"Makanan &amp; Minuman</span>\s*<span[^>]*>1 produk", html)
    assert re.search(r"Batik &amp; Fashion</span>\s*<span[^>]*>0 produk", html)
    assert "Getuk Goreng Sokaraja" in html
    assert "Batik Rahasia" not in html


def test_home_with_no_products_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Belum ada produk yang tayang" in response.text


# --- visibility on every page --------------------------------------------------


def test_hidden_products_appear_nowhere(client, shop):
    public = factories.ProductFactory(member=shop, name="Keripik Umum")
    hidden = hidden_products("Keripik Tersembunyi")
    db.session.commit()
    pages = ["/", "/produk", "/produk?q=keripik", "/kecamatan/sokaraja", f"/toko/{shop.slug}"]
    for url in pages:
        html = client.get(url).text
        assert "Keripik Umum" in html, url
        assert "Tersembunyi" not in html, url
    assert "1 produk" in client.get("/produk?q=keripik").text
    assert client.get(f"/produk/{public.id}-{public.slug}").status_code == 200
    for reason, product in hidden.items():
        assert client.get(f"/produk/{product.id}-{product.slug}").status_code == 404, reason
        assert client.get(f"/produk/{product.id}").status_code == 404, reason


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.SUSPENDED, MemberStatus.REJECTED]
)
def test_shop_of_a_member_not_approved_is_not_found(client, status):
    member = factories.MemberFactory(status=status, slug="toko-belum")
    factories.ProductFactory(member=member)
    db.session.commit()
    assert client.get("/toko/toko-belum").status_code == 404
    assert "toko-belum" not in client.get("/kecamatan/sokaraja").text


# --- /produk -------------------------------------------------------------------


@pytest.fixture
def listing(shop):
    wangon = factories.MemberFactory(
        kecamatan=factories.kecamatan("wangon"), shop_name="Batik Wangon"
    )
    batik = factories.category("batik-fashion")
    made = {
        "keripik": factories.ProductFactory(
            member=shop,
            name="Keripik Tempe",
            description="Renyah dan gurih.",
            variants=[variant(15_000)],
        ),
        "getuk": factories.ProductFactory(
            member=shop,
            name="Getuk Goreng",
            description="Manis legit.",
            variants=[variant(20_000, stock=0)],
        ),
        "batik": factories.ProductFactory(
            member=wangon,
            category=batik,
            name="Batik Lumbon",
            description="Batik tulis khas Banyumas.",
            variants=[variant(150_000, name="Katun"), variant(450_000, name="Sutra")],
        ),
    }
    made["getuk"].sold_count = 9
    db.session.commit()
    return made


def test_products_lists_everything_public_with_count_and_sorts(client, listing):
    html = client.get("/produk").text
    assert "Semua produk" in html
    assert "3 produk" in html
    assert "Rp15.000" in html and "Rp150.000" in html  # the batik card: "mulai Rp150.000"
    assert "Stok habis" in html
    for sort in ("Terbaru", "Termurah", "Termahal", "Terlaris"):
        assert sort in html
    cheapest = client.get("/produk?urut=termurah").text
    assert [link.split("-", 1)[1] for link in product_links(cheapest)] == [
        "keripik-tempe",
        "getuk-goreng",
        "batik-lumbon",
    ]
    popular = client.get("/produk?urut=terlaris").text
    assert product_links(popular)[0].endswith("getuk-goreng")


@pytest.mark.parametrize(
    "query_string, expected",
    [
        ("kategori=batik-fashion", {"batik-lumbon"}),
        ("kecamatan=sokaraja", {"keripik-tempe", "getuk-goreng"}),
        ("harga_min=18000", {"getuk-goreng", "batik-lumbon"}),
        ("harga_max=18.000", {"keripik-tempe"}),
        ("tersedia=1", {"keripik-tempe", "batik-lumbon"}),
        ("q=goreng", {"getuk-goreng"}),
        ("q=kerip", {"keripik-tempe"}),
        ("q=khas", {"batik-lumbon"}),  # from the description
        ("kecamatan=sokaraja&tersedia=1", {"keripik-tempe"}),
        ("kategori=makanan-minuman&harga_min=16000", {"getuk-goreng"}),
        ("q=batik&kecamatan=wangon&harga_min=100000&harga_max=500000&tersedia=1", {"batik-lumbon"}),
        ("q=keripik&kecamatan=wangon", set()),
    ],
)
def test_product_filters_alone_and_combined(client, listing, query_string, expected):
    html = client.get(f"/produk?{query_string}").text
    assert {link.split("-", 1)[1] for link in product_links(html)} == expected
    assert f"{len(expected)} produk" in html


def test_filter_options_show_how_many_products_match(client, listing):
    html = client.get("/produk?tersedia=1").text
    # categories counted with the in-stock filter: the getuk is out of stock
    assert re.search(r'<option value="makanan-minuman"[^>]*>Makanan &amp; Minuman \(1\)', html)
    assert re.search(r'<option value="batik-fashion"[^>]*>Batik &amp; Fashion \(1\)', html)
    assert re.search(r'<option value="kerajinan"[^>]*>Kerajinan \(0\)', html)
    html = client.get("/produk?kecamatan=sokaraja").text
    # kecamatan counts ignore the kecamatan chosen, categories honour it
    assert re.search(r'<option value="sokaraja" selected>Sokaraja \(2\)', html)
    assert re.search(r'<option value="wangon">Wangon \(1\)', html)
    assert re.search(r'<option value="batik-fashion">Batik &amp; Fashion \(0\)', html)


def test_active_filters_are_chips_that_remove_themselves(client, listing):
    html = client.get(
        "/produk?q=batik&kategori=batik-fashion&kecamatan=wangon&harga_min=1000&harga_max=900000"
        "&tersedia=1&urut=termahal"
    ).text
    chips = {
        unescape(label): href
        for href, label in re.findall(
            r'class="btn btn-sm btn-outline-success chip" href="([^"]+)"'
            r' aria-label="Hapus filter ([^"]+)"',
            html,
        )
    }
    assert set(chips) == {
        "“batik”",
        "Batik & Fashion",
        "Kec. Wangon",
        "Mulai Rp1.000",
        "Sampai Rp900.000",
        "Stok ada",
    }
    assert "q" not in query_of(chips["“batik”"])
    assert query_of(chips["Batik & Fashion"]) == {
        "q": ["batik"],
        "kecamatan": ["wangon"],
        "harga_min": ["1000"],
        "harga_max": ["900000"],
        "tersedia": ["1"],
        "urut": ["termahal"],
    }
    assert "harga_max" not in query_of(chips["Sampai Rp900.000"])
    assert "tersedia" not in query_of(chips["Stok ada"])
    assert "Hapus semua" in html


def test_pagination_keeps_the_filters_in_the_address(make_app):
    app = make_app(CATALOG_PAGE_SIZE=2)
    with app.app_context():
        shop = factories.MemberFactory()
        for number in range(5):
            factories.ProductFactory(
                member=shop, name=f"Keripik {number}", variants=[variant(9000)]
            )
        factories.ProductFactory(name="Gula Jawa", description="Manis.")
        db.session.commit()
        client = app.test_client()
        html = client.get("/produk?q=keripik&tersedia=1&urut=termurah&hal=2").text
        assert len(product_links(html)) == 2
        assert "Halaman 2 dari 3" in html
        links = {
            number: unescape(href)
            for href, number in re.findall(
                r'<a class="page-link" href="([^"]+)"[^>]*>(\d+)</a>', html
            )
        }
        assert set(links) == {"1", "2", "3"}
        assert query_of(links["3"]) == {
            "q": ["keripik"],
            "tersedia": ["1"],
            "urut": ["termurah"],
            "hal": ["3"],
        }
        assert "hal" not in query_of(links["1"])
        last = client.get(links["3"]).text
        assert len(product_links(last)) == 1


def test_a_page_past_the_last_is_not_found_and_links_to_the_last(make_app):
    """Not page 1 (nor the last) under the address of page 999: a 404 that
    says where the list ends and links there, filters kept."""
    app = make_app(CATALOG_PAGE_SIZE=2)
    with app.app_context():
        shop = factories.MemberFactory(slug="toko-keripik", kecamatan=factories.kecamatan("wangon"))
        for number in range(5):
            factories.ProductFactory(member=shop, name=f"Keripik {number}")
        db.session.commit()
        client = app.test_client()
        assert client.get("/produk?q=keripik&hal=3").status_code == 200
        response = client.get("/produk?q=keripik&hal=999")
        assert response.status_code == 404
        html = unescape(response.text)
        assert "Halaman 999 tidak ada: daftar ini hanya sampai halaman 3." in html
        (last,) = re.findall(r'<a class="btn btn-success" href="([^"]+)">Ke halaman terakhir', html)
        assert query_of(last) == {"q": ["keripik"], "hal": ["3"]}
        assert client.get(last).status_code == 200
        for address in ("/kecamatan/wangon?hal=4", "/toko/toko-keripik?hal=4"):
            response = client.get(address)
            assert response.status_code == 404, address
            assert "hanya sampai halaman 3." in response.text
        empty = client.get("/produk?q=batik&hal=2")
        assert empty.status_code == 404
        assert 'href="/produk?q=batik">Ke halaman terakhir' in empty.text


@pytest.mark.parametrize(
    "query_string, message",
    [
        ("kategori=tidak-ada", "Kategori tidak ditemukan; menampilkan semua kategori."),
        ("kecamatan=atlantis", "Kecamatan tidak ditemukan; menampilkan semua kecamatan."),
        ("hal=abc", "Nomor halaman tidak valid; menampilkan halaman pertama."),
        ("hal=%C2%B2", "Nomor halaman tidak valid; menampilkan halaman pertama."),
        ("hal=" + "9" * 5000, "Nomor halaman tidak valid; menampilkan halaman pertama."),
        ("hal=-3", "Nomor halaman tidak valid; menampilkan halaman pertama."),
        ("harga_min=-5000", "Harga minimum tidak boleh negatif; filter harga ini diabaikan."),
        ("harga_max=murah", "Harga maksimum harus berupa angka rupiah; filter harga ini"),
        ("harga_min=%C2%B2", "Harga minimum harus berupa angka rupiah; filter harga ini"),
        ("harga_min=50000&harga_max=1000", "Harga minimum lebih besar dari harga maksimum;"),
        ("urut=acak", "Urutan tidak dikenal; menampilkan yang terbaru."),
        ("q=" + "k" * 300, "Kata pencarian terlalu panjang; hanya 100 karakter pertama"),
        ("q=%21%21%21", "Kata pencarian harus berisi huruf atau angka."),
        ("q=%22%27%22", "Kata pencarian harus berisi huruf atau angka."),
    ],
)
def test_bad_input_gets_a_friendly_message_never_an_error(client, listing, query_string, message):
    response = client.get(f"/produk?{query_string}")
    assert response.status_code == 200
    assert 'class="alert alert-warning' in response.text
    assert message in unescape(response.text)


@pytest.mark.parametrize(
    "query_string",
    [
        "q=%27%3B+DROP+TABLE+products%3B--",
        "q=%E6%9D%B1%E4%BA%AC",
        "kecamatan=" + "x" * 500,
        "tersedia=%FF",
        "kategori=a&kategori=b",
        "q=a%26b%7Cc%3A*",
    ],
)
def test_odd_input_never_fails(client, listing, query_string):
    assert client.get(f"/produk?{query_string}").status_code == 200


def test_script_in_the_search_is_shown_as_text(client, listing):
    html = client.get("/produk?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Belum ada produk yang cocok" in html


def test_empty_result_helps_the_shopper_on(client, listing):
    html = client.get("/produk?q=rendang").text
    assert "0 produk" in html
    assert "Belum ada produk yang cocok" in html
    assert 'href="/produk">Lihat semua produk' in html


# --- kecamatan and category ----------------------------------------------------


def test_kecamatan_page_lists_its_members_and_products(make_app):
    app = make_app(CATALOG_PAGE_SIZE=2)
    with app.app_context():
        sokaraja = factories.kecamatan("sokaraja")
        first = factories.MemberFactory(
            kecamatan=sokaraja, shop_name="Getuk Bu Tin", slug="getuk-bu-tin"
        )
        factories.MemberFactory(
            kecamatan=sokaraja, shop_name="Belum Disetujui", status=MemberStatus.PENDING
        )
        factories.MemberFactory(kecamatan=factories.kecamatan("wangon"), shop_name="Toko Wangon")
        for number in range(3):
            factories.ProductFactory(member=first, name=f"Getuk {number}")
        factories.ProductFactory(name="Produk Tetangga")  # another member, also in Sokaraja
        db.session.commit()
        client = app.test_client()
        html = client.get("/kecamatan/sokaraja").text
        assert "Kecamatan Sokaraja" in html
        assert 'href="/toko/getuk-bu-tin"' in html
        assert "Belum Disetujui" not in html and "Toko Wangon" not in html
        assert "4 produk" in html
        assert len(product_links(html)) == 2
        assert 'href="/kecamatan/sokaraja?hal=2"' in html
        second = client.get("/kecamatan/sokaraja?hal=2").text
        assert len(product_links(second)) == 2
        past = client.get("/kecamatan/sokaraja?hal=7")
        assert past.status_code == 404
        assert "Halaman 7 tidak ada: daftar ini hanya sampai halaman 2." in past.text


@pytest.mark.parametrize("slug", ["atlantis", "Sokaraja", "..", "a" * 300])
def test_unknown_kecamatan_is_not_found(client, slug):
    assert client.get(f"/kecamatan/{slug}").status_code == 404


def test_category_page_goes_to_the_filtered_list(client):
    response = client.get("/kategori/batik-fashion")
    assert response.status_code == 302
    assert response.headers["Location"] == "/produk?kategori=batik-fashion"


@pytest.mark.parametrize("slug", ["tidak-ada", "a%20b", "x" * 300])
def test_unknown_category_is_not_found(client, slug):
    assert client.get(f"/kategori/{slug}").status_code == 404


# --- the product page -------------------------------------------------------------


@pytest.fixture
def product(app, shop):
    found = factories.ProductFactory(
        member=shop,
        name="Keripik Tempe <Pedas> & Manis",
        slug="keripik-tempe-pedas-manis",
        unit="bungkus",
        weight_grams=1500,
        category=factories.category("makanan-minuman"),
        description="Baris pertama.\nBaris kedua <b>tebal</b>.",
        variants=[variant(15_000, stock=12, name="250 g"), variant(28_000, stock=0, name="500 g")],
    )
    add_photos(app, found, 3)
    db.session.commit()
    return found


def test_product_page_shows_everything_a_shopper_needs(client, product):
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    assert "Keripik Tempe &lt;Pedas&gt; &amp; Manis" in html
    assert "Rp15.000 – Rp28.000" in html
    assert "per bungkus" in html
    assert "1,5 kg" in html
    row = r"{}</span>\s*<span[^>]*>\s*<span[^>]*>{}</span>\s*<span[^>]*>{}"
    assert re.search(row.format("250 g", "Rp15.000", "Stok 12"), html)
    assert re.search(row.format("500 g", "Rp28.000", "Stok habis"), html)
    # the description keeps its line breaks through CSS, and its HTML is text
    assert (
        '<div class="whitespace-pre-line text-break">'
        "Baris pertama.\nBaris kedua &lt;b&gt;tebal&lt;/b&gt;.</div>" in html
    )
    assert 'href="/produk?kategori=makanan-minuman">Makanan &amp; Minuman' in html
    assert 'href="/toko/keripik-mbok-sri"' in html
    assert 'href="/kecamatan/sokaraja">Sokaraja' in html
    assert "Desa Karangrau" in html


def test_product_photos_are_large_and_cover_first(client, product):
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    by_position = sorted(product.images, key=lambda image: image.position)
    shown = re.findall(r'<img src="/media/([^"]+)/480\.jpg"', html)
    assert shown == [image.large_key for image in by_position]


def test_whatsapp_button_opens_a_chat_about_the_product(client, product):
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    link = unescape(re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1))
    url = f"https://pasar.aspikmas.test/produk/{product.id}-{product.slug}"
    message = (
        f"Halo Keripik Mbok Sri, saya tertarik dengan Keripik Tempe <Pedas> & Manis"
        f" di Pasar Aspikmas: {url}"
    )
    assert link == f"https://wa.me/6281234567890?text={quote(message, safe='')}"
    assert query_of(link)["text"] == [message]


@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "/nama-lama",
        "/KERIPIK-TEMPE-PEDAS-MANIS",
        "/a%20b",
        "-nama-lama",
        "-KERIPIK-TEMPE-PEDAS-MANIS",
        "-a%20b",
        "-0",
    ],
)
def test_product_address_without_the_right_slug_moves_for_good(client, product, suffix):
    """301, so search engines and shared links keep one address per product:
    the old `/produk/12` and `/produk/12/nama` too."""
    response = client.get(f"/produk/{product.id}{suffix}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/produk/{product.id}-{product.slug}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_product_address_reads_its_name(app, product):
    with app.test_request_context():
        address = url_for("catalog.product", product_id=product.id, slug=product.slug)
    assert address == f"/produk/{product.id}-keripik-tempe-pedas-manis"


@pytest.mark.parametrize(
    "address",
    [
        "/produk/999999/x",
        "/produk/999999-x",
        "/produk/999999",
        "/produk/2147483648/x",
        "/produk/2147483648-x",
        "/produk/99999999999999999999999",
        "/produk/99999999999999999999999-x",
        "/produk/-1/x",
        "/produk/-1-x",
        "/produk/1-",
    ],
)
def test_unknown_product_is_not_found(client, address):
    assert client.get(address).status_code == 404


def test_out_of_stock_product_is_shown_as_such(client, shop):
    product = factories.ProductFactory(member=shop, variants=[variant(5000, stock=0)])
    db.session.commit()
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    assert "Stok habis" in html
    assert "Rp5.000" in html and "Rp5.000 –" not in html


def test_product_page_offers_more_from_the_shop(client, product):
    other = factories.ProductFactory(member=product.member, name="Getuk Goreng")
    factories.ProductFactory(member=product.member, name="Draf", status=ProductStatus.DRAFT)
    db.session.commit()
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    assert "Produk lain dari Keripik Mbok Sri" in html
    assert product_links(html) == [f"/produk/{other.id}-{other.slug}"]


# --- the shop page ----------------------------------------------------------------------


def test_shop_page_shows_the_member_and_their_products(make_app):
    app = make_app(CATALOG_PAGE_SIZE=2)
    with app.app_context():
        member = factories.MemberFactory(
            shop_name="Batik Sekar",
            slug="batik-sekar",
            whatsapp="+62 813-1111-2222",
            desa="Kober",
            description="Batik tulis.\nMotif Banyumasan.",
            kecamatan=factories.kecamatan("purwokerto-barat"),
        )
        for number in range(3):
            factories.ProductFactory(member=member, name=f"Batik {number}")
        factories.ProductFactory(member=member, name="Batik Draf", status=ProductStatus.DRAFT)
        db.session.commit()
        client = app.test_client()
        html = client.get("/toko/batik-sekar").text
        assert "Batik Sekar" in html
        assert "Batik tulis.\nMotif Banyumasan." in html
        assert "Desa Kober" in html
        assert 'href="/kecamatan/purwokerto-barat">Purwokerto Barat' in html
        link = unescape(re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1))
        assert link.startswith("https://wa.me/6281311112222?text=")
        assert query_of(link)["text"] == [
            (
                "Halo Batik Sekar, saya melihat toko Anda di Pasar Aspikmas:"
                " https://pasar.aspikmas.test/toko/batik-sekar"
            )
        ]
        assert "Produk (3)" in html
        assert len(product_links(html)) == 2
        assert "Batik Draf" not in html
        assert 'href="/toko/batik-sekar?hal=2"' in html
        assert len(product_links(client.get("/toko/batik-sekar?hal=2").text)) == 1
        past = client.get("/toko/batik-sekar?hal=abc")
        assert past.status_code == 200 and "Nomor halaman tidak valid" in past.text


@pytest.mark.parametrize("slug", ["tidak-ada", "x" * 300])
def test_unknown_shop_is_not_found(client, slug):
    assert client.get(f"/toko/{slug}").status_code == 404


def test_shop_without_products_says_so(client, shop):
    html = client.get(f"/toko/{shop.slug}").text
    assert "Toko ini belum memajang produk." in html


# --- media and health --------------------------------------------------------------------


def test_media_serves_uploaded_files_with_a_long_cache(app, client):
    data = jpeg()
    key = LocalStorage(app.config["UPLOAD_DIR"]).save(data, folder="products", suffix=".jpg")
    with client.get(f"/media/{key}") as response:
        assert response.status_code == 200
        assert response.data == data
        assert response.mimetype == "image/jpeg"
        assert response.cache_control.max_age == 365 * 24 * 60 * 60
        assert response.cache_control.public
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "key",
    [
        "../secret.txt",
        "..%2fsecret.txt",
        "%2e%2e/secret.txt",
        "products/../../secret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "products",  # a folder, not a file
        "products/tidak-ada.jpg",
        "..\\secret.txt",
    ],
)
def test_media_never_leaves_the_upload_folder(app, client, key):
    LocalStorage(app.config["UPLOAD_DIR"]).save(b"x", folder="products", suffix=".jpg")
    secret = Path(app.config["UPLOAD_DIR"]).parent / "secret.txt"
    secret.write_text("rahasia")
    response = client.get(f"/media/{key}", follow_redirects=True)
    assert response.status_code == 404
    assert b"rahasia" not in response.data


def test_healthz_renders_without_the_database(client, statements_of):
    response, statements = statements_of(client, "/healthz")
    assert "ok" in response.text
    assert statements == []


# --- a fixed number of queries per page, whatever the number of products -----------------


def _seed(app, few: bool) -> dict:
    made = seed_catalog(
        app, products=2 if few else 30, members=1 if few else 4, photos=1 if few else 3
    )
    extra_variants = [] if few else [variant(30_000 + n, name=f"V{n}") for n in range(6)]
    first = made[0]
    for extra in extra_variants:
        first.variants.append(extra)
    # Badges on every list: a shop-level Halal for the first shop that covers
    # its products (verified), a P-IRT for each product of the seed
    # (verified), and a pending Halal covering them too.
    for product in made:
        db.session.add(
            Certificate(
                member=product.member,
                product=product,
                kind=CertificateKind.PIRT,
                number=f"P-IRT {product.id}",
                issuer="Dinkes",
                scan_key="certificates/x.pdf",
                status=CertificateStatus.VERIFIED,
            )
        )
    for status in (CertificateStatus.VERIFIED, CertificateStatus.PENDING):
        db.session.add(
            Certificate(
                member=first.member,
                kind=CertificateKind.HALAL,
                number=f"ID{status}",
                issuer="BPJPH",
                scan_key="certificates/y.pdf",
                status=status,
                covered_products=[
                    CertificateProduct(product=product, verified_at=datetime.now(UTC))
                    for product in made
                    if product.member_id == first.member_id
                ],
            )
        )
    db.session.commit()
    return {
        "product": f"/produk/{first.id}-{first.slug}",
        "shop": f"/toko/{first.member.slug}",
        "kecamatan": f"/kecamatan/{first.member.kecamatan.slug}",
    }


EXPECTED_QUERIES = {
    # categories, kecamatan, the kept facet counts with their members' places,
    # the page with its cover photos, certificate badges
    "/produk": 5,
    "last page": 5,
    "/": 5,
    # with a filter the kept counts cannot answer: the approved members, then
    # the matching products counted
    "/produk?q=keripik&kategori=makanan-minuman&harga_min=1&tersedia=1&urut=termurah": 6,
    "/produk?sertifikat=halal&kategori=makanan-minuman&tersedia=1": 6,
    "/produk?urut=rating&tersedia=1": 6,
    # browse (5) and the members of the kecamatan
    "kecamatan": 6,
    # the member with its delivery summary; the count and the reviews' sums;
    # the page with cover photos; badges
    "shop": 4,
    # the product with member, kecamatan and category; variants; photos;
    # more from the shop with their covers; badges of all of them
    "product": 5,
}


@pytest.mark.parametrize("page_size", [5, 24])
def test_each_page_costs_a_fixed_number_of_queries(make_app, statements_of, page_size):
    app = make_app(CATALOG_PAGE_SIZE=page_size)
    with app.app_context():
        client = app.test_client()
        for few in (True, False):
            addresses = _seed(app, few)
            addresses["last page"] = f"/produk?hal={-(-(2 if few else 30) // page_size)}"
            for page, expected in EXPECTED_QUERIES.items():
                url = addresses.get(page, page)
                _response, statements = statements_of(client, url)
                assert len(statements) == expected, (url, statements)
            db.session.remove()
        assert len(product_links(client.get("/produk").text)) == page_size


def test_certificate_scans_are_never_served_as_public_media(app, client):
    key = storage().save(b"%PDF-1.4 rahasia", folder="certificates", suffix=".pdf")
    assert client.get(f"/media/{key}").status_code == 404


def test_a_pdf_in_media_is_downloaded_not_shown(app, client):
    key = storage().save(b"%PDF-1.4 brosur", folder="products", suffix=".pdf")
    response = client.get(f"/media/{key}")
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
