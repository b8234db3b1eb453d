"""Link previews and page meta: what WhatsApp, Facebook, Telegram, X and
search engines read from each public page, the preview pictures, canonical
addresses, and noindex everywhere else."""

import io
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageChops

from marketplace.accounts.models import Role
from marketplace.catalog import preview_images
from marketplace.catalog.models import ProductStatus
from marketplace.catalog.preview_images import GREEN, MARGIN, Card, draw
from marketplace.catalog.services import refresh_summary
from marketplace.core.page_meta import INDEXABLE
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.seeding import add_photos, jpeg
from tests.security.files import picture

pytestmark = pytest.mark.usefixtures("app_context")

PUBLIC_URL = "https://pasar.aspikmas.test"
OPEN_GRAPH = (
    "og:title",
    "og:description",
    "og:image",
    "og:image:width",
    "og:image:height",
    "og:image:type",
    "og:image:alt",
    "og:url",
    "og:type",
    "og:locale",
    "og:site_name",
)
TWITTER = ("twitter:card", "twitter:title", "twitter:description", "twitter:image")


def tags(html: str) -> dict[str, str]:
    """The page's <meta property|name=... content=...> and canonical, by name."""
    found = {
        name: unescape(content)
        for name, content in re.findall(
            r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html
        )
    }
    if canonical := re.search(r'<link rel="canonical" href="([^"]+)">', html):
        found["canonical"] = unescape(canonical[1])
    return found


def local(url: str) -> str:
    """An absolute address of the shop as the test client asks for it."""
    assert url.startswith(f"{PUBLIC_URL}/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def shop(app):
    member = factories.MemberFactory(
        shop_name="Keripik Mbok Sri",
        slug="keripik-mbok-sri",
        desa="Karangrau",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    db.session.commit()
    return member


@pytest.fixture
def product(app, shop):
    made = factories.ProductFactory(
        member=shop,
        name="Keripik Tempe Sagu",
        description="Tempe tipis digoreng renyah dengan tepung sagu.",
        variants=[factories.VariantFactory.build(price=15_000)],
    )
    add_photos(app, made, 1)
    db.session.commit()
    return made


def public_pages(product) -> dict[str, str]:
    return {
        "home": "/",
        "products": "/produk",
        "filtered": "/produk?kategori=makanan-minuman&kecamatan=sokaraja&tersedia=1",
        "kecamatan": "/kecamatan/sokaraja",
        "product": f"/produk/{product.id}-{product.slug}",
        "shop": f"/toko/{product.member.slug}",
        "transparency": "/transparansi",
    }


def test_every_public_page_has_absolute_open_graph_and_twitter_tags(client, product):
    for kind, url in public_pages(product).items():
        response = client.get(url)
        assert response.status_code == 200, kind
        found = tags(response.text)
        for name in (*OPEN_GRAPH, *TWITTER, "description", "canonical"):
            assert found.get(name), (kind, name)
        for name in ("og:image", "og:url", "twitter:image", "canonical"):
            assert found[name].startswith(f"{PUBLIC_URL}/"), (kind, name, found[name])
        assert found["og:locale"] == "id_ID"
        assert found["og:site_name"] == "Pasar Aspikmas"
        assert found["twitter:card"] == "summary_large_image"
        assert found["og:url"] == found["canonical"]
        assert (found["og:image:width"], found["og:image:height"]) == ("1200", "630")
        assert len(found["description"]) <= 160
        assert "robots" not in found, kind
        assert "X-Robots-Tag" not in response.headers, kind
        picture_response = client.get(local(found["og:image"]))
        assert picture_response.status_code == 200, kind
        assert picture_response.mimetype == "image/jpeg"
        assert len(picture_response.data) < 300 * 1024
        with Image.open(io.BytesIO(picture_response.data)) as image:
            assert (image.format, image.size) == ("JPEG", (1200, 630)), kind
        assert "immutable" in picture_response.headers["Cache-Control"]
        assert "public" in picture_response.headers["Cache-Control"]


def test_a_product_page_says_its_name_price_shop_and_kecamatan(client, product):
    found = tags(client.get(f"/produk/{product.id}-{product.slug}").text)
    assert found["og:type"] == "product"
    assert found["og:title"] == "Keripik Tempe Sagu"
    assert found["description"].startswith(
        "Keripik Tempe Sagu, Rp15.000 per bungkus, dari Keripik Mbok Sri, Kec. Sokaraja, Banyumas."
    )
    assert "sagu" in found["description"]
    assert found["product:price:amount"] == "15000"
    assert found["product:price:currency"] == "IDR"
    assert found["canonical"] == f"{PUBLIC_URL}/produk/{product.id}-{product.slug}"
    assert "Rp15.000" in found["og:image:alt"]


def test_a_shop_page_counts_its_products(client, product):
    found = tags(client.get("/toko/keripik-mbok-sri").text)
    assert found["og:title"] == "Keripik Mbok Sri"
    assert "Kecamatan Sokaraja" in found["description"]
    assert "1 produk" in found["description"]
    assert found["canonical"] == f"{PUBLIC_URL}/toko/keripik-mbok-sri"


def test_a_filtered_list_says_its_filters(client, product):
    found = tags(client.get("/produk?kecamatan=sokaraja&harga_max=20000&tersedia=1").text)
    assert found["description"].startswith(
        "1 produk UMKM Banyumas: dari Kecamatan Sokaraja, sampai Rp20.000, tersedia."
    )
    assert "/pratinjau/kecamatan/sokaraja/" in found["og:image"]


def test_one_filter_set_has_one_canonical_address(client, product):
    orders = (
        "/produk?tersedia=1&kecamatan=sokaraja&kategori=makanan-minuman&harga_min=1000",
        (
            "/produk?harga_min=1.000&kategori=makanan-minuman&utm_source=wa&fbclid=x"
            "&kecamatan=Sokaraja&tersedia=ya&gclid=y&urut=terbaru&hal=1"
        ),
    )
    canonicals = {tags(client.get(url).text)["canonical"] for url in orders}
    assert canonicals == {
        f"{PUBLIC_URL}/produk?kategori=makanan-minuman&kecamatan=sokaraja&harga_min=1000&tersedia=1"
    }


def test_an_unknown_category_is_no_part_of_the_canonical_address(client, product):
    found = tags(client.get("/produk?kategori=tidak-ada&kecamatan=sokaraja").text)
    assert found["canonical"] == f"{PUBLIC_URL}/produk?kecamatan=sokaraja"


def test_a_category_link_leads_to_the_list_with_its_card(client, product):
    response = client.get("/kategori/makanan-minuman")
    assert response.status_code == 302
    found = tags(client.get(response.location).text)
    assert found["og:title"] == "Makanan & Minuman"
    assert "/pratinjau/kategori/makanan-minuman/" in found["og:image"]
    assert client.get(local(found["og:image"])).status_code == 200


def test_search_results_are_shared_but_not_indexed(client, product):
    response = client.get("/produk?q=keripik")
    found = tags(response.text)
    assert found["robots"] == "noindex"
    assert "canonical" not in found
    assert found["og:title"] == "Cari “keripik”"
    assert response.headers["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/keranjang", None),
        ("/akun/masuk", None),
        ("/akun/daftar", None),
        ("/akun", Role.SHOPPER),
        ("/pesanan", Role.SHOPPER),
        ("/bendahara", Role.TREASURER),
        ("/pengurus", Role.ADMIN),
    ],
)
def test_private_pages_are_noindex(client, login_as, url, role):
    if role is not None:
        login_as(role)
    response = client.get(url)
    assert response.status_code == 200, url
    found = tags(response.text)
    assert found.get("robots") == "noindex"
    assert "og:image" not in found and "canonical" not in found
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_error_pages_are_noindex(client, product):
    response = client.get("/produk/999999/tidak-ada")
    assert response.status_code == 404
    assert tags(response.text).get("robots") == "noindex"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_changed_product_gets_a_new_picture_address(app, client, product):
    page = f"/produk/{product.id}-{product.slug}"
    seen = [tags(client.get(page).text)["og:image"]]
    product.variants[0].price = 17_500
    refresh_summary(product)
    db.session.commit()
    seen.append(tags(client.get(page).text)["og:image"])
    product.name = "Keripik Tempe Sagu Pedas"
    db.session.commit()
    seen.append(tags(client.get(page).text)["og:image"])
    product.images[0].large_key = storage().save(jpeg(64), folder="products", suffix=".jpg")
    db.session.commit()
    seen.append(tags(client.get(page).text)["og:image"])
    assert len(set(seen)) == 4
    # The old address leads to the current picture; only that one is kept.
    old = client.get(local(seen[0]))
    assert old.status_code == 302
    assert old.location.endswith(urlsplit(seen[-1]).path)
    assert client.get(local(seen[-1])).status_code == 200
    kept = list((storage().root / "pratinjau" / "produk" / str(product.id)).glob("*.jpg"))
    assert [path.name for path in kept] == [f"{urlsplit(seen[-1]).path.rsplit('/', 1)[1]}"]


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
def test_no_picture_of_a_product_that_is_not_public(client, product, status):
    address = local(tags(client.get(f"/produk/{product.id}-{product.slug}").text)["og:image"])
    product.status = status
    db.session.commit()
    assert client.get(address).status_code == 404


def test_no_picture_of_a_suspended_member(client, product):
    shop_page = tags(client.get("/toko/keripik-mbok-sri").text)
    product_page = tags(client.get(f"/produk/{product.id}-{product.slug}").text)
    product.member.status = MemberStatus.SUSPENDED
    db.session.commit()
    assert client.get(local(shop_page["og:image"])).status_code == 404
    assert client.get(local(product_page["og:image"])).status_code == 404


@pytest.mark.parametrize(
    "address",
    [
        "/pratinjau/produk/2147483648/abc.jpg",
        "/pratinjau/produk/1/%00.jpg",
        "/pratinjau/toko/..%2F..%2Fetc/abc.jpg",
        "/pratinjau/toko/" + "a" * 10_000 + "/abc.jpg",
        "/pratinjau/kecamatan/tidak-ada/abc.jpg",
        "/pratinjau/kategori/%F0%9F%98%80/abc.jpg",
    ],
)
def test_hostile_picture_addresses_are_not_found(client, address):
    assert client.get(address).status_code in (400, 404)


def test_a_shop_card_draws_its_logo_and_banner(app, shop):
    store = storage()
    shop.logo_key = store.save(picture("PNG", (400, 400)), folder="shops", suffix=".png")
    shop.banner_key = store.save(picture("PNG", (1600, 400)), folder="shops", suffix=".png")
    db.session.commit()
    with Image.open(
        io.BytesIO(
            draw(
                Card(title=shop.shop_name, photo_key=shop.logo_key, banner_key=shop.banner_key),
                store,
            )
        )
    ) as image:
        assert image.size == (1200, 630)


def right_margin_is_empty(data: bytes) -> bool:
    """Nothing drawn in the card's right margin: every text fitted its column."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1200, 630)
        margin = image.convert("RGB").crop((1200 - MARGIN + 4, 0, 1200, 630))
        difference = ImageChops.difference(margin, Image.new("RGB", margin.size, GREEN))
        return all(highest < 40 for _, highest in difference.getextrema())


@pytest.mark.parametrize("with_photo", [False, True])
def test_long_names_and_prices_stay_inside_the_card(app, product, with_photo):
    card = Card(
        title="Keripik " * 60 + "X" * 300,
        price="Rp1.000.000.000 – Rp2.000.000.000",
        lines=("x" * 500, "Kec. Purwokerto Selatan, Banyumas " * 5),
        photo_key=product.images[0].large_key if with_photo else None,
        footer="w" * 300,
    )
    data = draw(card, storage())
    assert len(data) < 300 * 1024
    assert right_margin_is_empty(data)


def test_a_big_photo_stays_under_300_kb(app, client, product):
    """A noisy photo (the worst case for JPEG) on the card."""
    noise = Image.effect_noise((1280, 1280), 120).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "WEBP", quality=95)
    key = storage().save(buffer.getvalue(), folder="products", suffix=".webp")
    product.images[0].large_key = key
    db.session.commit()
    found = tags(client.get(f"/produk/{product.id}-{product.slug}").text)
    response = client.get(local(found["og:image"]))
    assert response.status_code == 200
    assert len(response.data) < 300 * 1024


def test_the_home_page_counts_the_products(client, product):
    found = tags(client.get("/").text)
    assert found["description"].startswith("1 produk lokal dari UMKM anggota Aspikmas")
    assert found["canonical"] == f"{PUBLIC_URL}/"
    assert "/pratinjau/situs/" in found["og:image"]


def test_a_card_is_drawn_without_the_dejavu_fonts(app, monkeypatch, tmp_path):
    """A server without fonts-dejavu-core still answers with a card."""
    monkeypatch.setattr(preview_images, "FONT_FOLDER", tmp_path / "tidak-ada")
    preview_images._font.cache_clear()
    try:
        data = draw(Card(title="Keripik Tempe", price="Rp15.000", lines=("Toko",)), storage())
    finally:
        preview_images._font.cache_clear()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (1200, 630))


def test_only_the_public_pages_opt_in_to_indexing(app):
    """Built from the URL map: a route added tomorrow is noindex unless it
    is added here on purpose."""
    opted_in = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, INDEXABLE, None) is not None
    }
    assert opted_in == {
        "catalog.home",
        "catalog.products",
        "catalog.kecamatan",
        "catalog.category",
        "catalog.product",
        "catalog.shop",
        "catalog.media",
        "transparency.index",
    }
