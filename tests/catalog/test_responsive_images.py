"""Responsive pictures (core.variants): the markup of cards, product, shop and
list pages, and the variants /media makes of a stored picture."""

import io
import re
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from marketplace.catalog.models import ProductImage
from marketplace.catalog.photos import delete_photo
from marketplace.core.images import process_image, render_variant
from marketplace.core.storage import LocalStorage, storage
from marketplace.core.variants import KINDS, WIDTHS
from marketplace.demo.seed import RecordingStorage, seed_demo_data
from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

YEAR = 365 * 24 * 60 * 60


def photo_bytes(width: int = 1600, height: int = 1200) -> bytes:
    """A photo as a phone sends it: a gradient (so sizes are realistic), with
    EXIF that must not survive."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Kamera Rahasia"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def stored_photo(**size: int) -> ProductImage:
    """A photo as an upload stores it (core.images): WebP, 1280 px at most."""
    processed = process_image(photo_bytes(**size))
    store = storage()
    return ProductImage(
        thumb_key=store.save(processed.thumb, folder="products", suffix=processed.suffix),
        large_key=store.save(processed.large, folder="products", suffix=processed.suffix),
    )


@pytest.fixture
def shop(app):
    member = factories.MemberFactory(slug="dapur-bu-tini", kecamatan=factories.kecamatan("wangon"))
    db.session.commit()
    return member


@pytest.fixture
def products(shop):
    """Three products with a photo each; the first made has two."""
    made = []
    for number in range(3):
        product = factories.ProductFactory(member=shop, name=f"Mendoan {number}")
        product.images = [stored_photo() for _ in range(2 if number == 0 else 1)]
        for position, image in enumerate(product.images):
            image.position = position
        made.append(product)
    db.session.commit()
    return made


def pictures(html: str) -> list[dict[str, str]]:
    """Each <picture>: its WebP source's srcset and sizes, and its <img>'s
    attributes (`img:` prefixed)."""
    found = []
    for block in re.findall(r"<picture>(.*?)</picture>", html, re.DOTALL):
        source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', block)
        assert source, block
        image = re.search(r"<img ([^>]+)>", block)
        assert image, block
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', image.group(1)))
        found.append(
            {"webp": source[1], "sizes": source[2]}
            | {f"img:{name}": unescape(value) for name, value in attributes.items()}
        )
    return found


def preloads(html: str) -> list[dict[str, str]]:
    head = html.split("</head>")[0]
    return [
        dict(re.findall(r'([a-z-]+)="([^"]*)"', link))
        for link in re.findall(r'<link rel="preload" as="image"([^>]+)>', head)
    ]


def urls(srcset: str) -> list[tuple[str, int]]:
    pairs = [candidate.rsplit(" ", 1) for candidate in srcset.split(", ")]
    return [(url, int(descriptor.removesuffix("w"))) for url, descriptor in pairs]


def assert_responsive(picture: dict[str, str], key: str, width: str, height: str) -> None:
    """WebP and JPEG in the same widths of `key`, the box reserved."""
    webp, jpeg = urls(picture["webp"]), urls(picture["img:srcset"])
    assert [w for _url, w in webp] == [w for _url, w in jpeg]
    assert len(webp) >= 2
    for url, w in webp:
        assert url == f"/media/{key}/{w}.webp"
    for url, w in jpeg:
        assert url == f"/media/{key}/{w}.jpg"
    assert picture["img:src"] in {url for url, _w in jpeg}
    assert picture["img:sizes"] == picture["sizes"]
    assert (picture["img:width"], picture["img:height"]) == (width, height)
    assert "img:alt" in picture


def is_lazy(picture: dict[str, str]) -> bool:
    lazy = picture.get("img:loading") == "lazy"
    assert lazy == (picture.get("img:decoding") == "async")
    return lazy


# --- markup -------------------------------------------------------------------------------


def test_product_page_leads_with_its_cover_and_waits_for_the_rest(client, products):
    product = products[0]
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    shown = pictures(html)
    cover, second = product.images
    # the gallery first, then "more from the shop"
    assert_responsive(shown[0], cover.large_key, "800", "800")
    assert_responsive(shown[1], second.large_key, "800", "800")
    assert shown[0]["img:alt"] == product.name
    assert shown[0]["img:fetchpriority"] == "high" and not is_lazy(shown[0])
    assert "img:fetchpriority" not in shown[1] and is_lazy(shown[1])
    assert len(shown) == 4
    for card in shown[2:]:
        assert is_lazy(card) and "img:fetchpriority" not in card
        assert (card["img:width"], card["img:height"]) == ("320", "320")
    (preload,) = preloads(html)
    assert preload["type"] == "image/webp"
    assert preload["imagesrcset"] == shown[0]["webp"]
    assert preload["imagesizes"] == shown[0]["sizes"]
    assert preload["fetchpriority"] == "high"


@pytest.mark.parametrize("page", ["/produk", "/produk?urut=termurah", "/kecamatan/wangon"])
def test_list_pages_lead_with_the_first_card(client, products, page):
    html = client.get(page).text
    cards = pictures(html)
    assert len(cards) == 3
    by_name = {product.name: product for product in products}
    names = re.findall(r'class="card-title h6 mb-1 product-name">([^<]+)<', html)
    for card, name in zip(cards, names, strict=True):
        assert_responsive(card, by_name[name].images[0].large_key, "320", "320")
    first, second, third = cards
    assert first["img:fetchpriority"] == "high" and not is_lazy(first)
    assert "img:fetchpriority" not in second and not is_lazy(second)
    assert is_lazy(third)
    (preload,) = preloads(html)
    assert (preload["imagesrcset"], preload["imagesizes"]) == (first["webp"], first["sizes"])


def test_the_product_list_sizes_cards_for_its_narrower_column(client, products):
    in_list = pictures(client.get("/produk").text)[0]["sizes"]
    in_kecamatan = pictures(client.get("/kecamatan/wangon").text)[0]["sizes"]
    assert in_list != in_kecamatan
    assert in_list.endswith("calc(50vw - 16px)") and in_kecamatan.endswith("calc(50vw - 16px)")


def test_home_cards_are_below_the_fold(client, products):
    html = client.get("/").text
    cards = pictures(html)
    assert len(cards) == 3
    assert all(is_lazy(card) for card in cards)
    assert preloads(html) == []


def test_shop_page_leads_with_its_banner(client, shop, products):
    shop.banner_key = stored_photo(width=1500, height=500).large_key
    shop.logo_key = stored_photo(width=400, height=400).thumb_key
    db.session.commit()
    html = client.get(f"/toko/{shop.slug}").text
    banner, logo, *cards = pictures(html)
    assert_responsive(banner, shop.banner_key, "1280", "427")
    assert banner["img:fetchpriority"] == "high" and banner["img:alt"] == ""
    assert_responsive(logo, shop.logo_key, "64", "64")
    assert logo["sizes"] == "64px" and not is_lazy(logo)
    assert len(cards) == 3 and all(is_lazy(card) for card in cards)
    (preload,) = preloads(html)
    assert preload["imagesrcset"] == banner["webp"]


def test_shop_page_without_a_banner_leads_with_its_first_card(client, shop, products):
    html = client.get(f"/toko/{shop.slug}").text
    cards = pictures(html)
    assert cards[0]["img:fetchpriority"] == "high" and is_lazy(cards[2])
    (preload,) = preloads(html)
    assert preload["imagesrcset"] == cards[0]["webp"]


def test_a_product_without_photos_preloads_nothing(client, shop):
    product = factories.ProductFactory(member=shop)
    db.session.commit()
    html = client.get(f"/produk/{product.id}-{product.slug}").text
    assert pictures(html) == [] and preloads(html) == []
    assert preloads(client.get("/produk").text) == []


# --- the variants -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_variant_answers_in_its_kind_and_width_with_a_long_cache(client, app, kind):
    photo = stored_photo()
    with Image.open(storage().path(photo.large_key)) as source:
        assert source.size == (1280, 960)
    for width in WIDTHS:
        with client.get(f"/media/{photo.large_key}/{width}.{kind}") as response:
            assert response.status_code == 200
            assert response.mimetype == KINDS[kind]
            assert response.cache_control.max_age == YEAR
            assert response.cache_control.public and response.cache_control.immutable
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "Set-Cookie" not in response.headers
            with Image.open(io.BytesIO(response.data)) as variant:
                assert variant.format == {"webp": "WEBP", "jpg": "JPEG"}[kind]
                assert variant.size == (width, width * 3 // 4)
                assert not variant.getexif()
                assert "icc_profile" not in variant.info
        kept = Path(app.config["UPLOAD_DIR"], "variants", photo.large_key, f"{width}.{kind}")
        assert kept.is_file()


def test_variants_are_smaller_than_their_source_and_never_enlarged(client):
    photo = stored_photo()
    source = storage().path(photo.large_key).stat().st_size
    small = client.get(f"/media/{photo.large_key}/480.webp").data
    assert len(small) < source / 3
    thumb = stored_photo(width=200, height=100).large_key
    with Image.open(io.BytesIO(client.get(f"/media/{thumb}/960.jpg").data)) as variant:
        assert variant.size == (200, 100)


def test_a_variant_is_made_once_then_served_from_disk(client, app, monkeypatch):
    photo = stored_photo()
    first = client.get(f"/media/{photo.large_key}/320.webp").data

    def refuse(*_args):
        raise AssertionError("made twice")

    monkeypatch.setattr("marketplace.core.variants.render_variant", refuse)
    assert client.get(f"/media/{photo.large_key}/320.webp").data == first


def test_a_transparent_logo_becomes_a_jpeg_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(buffer, "PNG")
    with Image.open(io.BytesIO(render_variant(buffer.getvalue(), 160, "jpg"))) as variant:
        assert variant.mode == "RGB"
        assert variant.getpixel((25, 25)) == (255, 255, 255)


@pytest.mark.parametrize(
    "suffix",
    [
        "/100.webp",  # not one of the widths
        "/1281.jpg",
        "/0.webp",
        "/0480.webp",
        "/-320.webp",
        "/99999999999999999999999999.webp",
        "/480.png",  # not one of the kinds
        "/480.gif",
        "/480.WEBP",
        "/480.webp/480.webp",
        "/480",
        "/480.webp/../../x",
        "/" + "9" * 10_000 + ".webp",
    ],
)
def test_hostile_variant_addresses_are_not_found(client, suffix):
    photo = stored_photo()
    response = client.get(f"/media/{photo.large_key}{suffix}")
    assert response.status_code == 404


def test_variants_of_private_missing_or_broken_files_are_not_found(client, app):
    store = storage()
    scan = store.save(photo_bytes(), folder="certificates", suffix=".jpg")
    assert client.get(f"/media/{scan}/320.webp").status_code == 404
    assert not Path(app.config["UPLOAD_DIR"], "variants", scan).exists()
    assert client.get("/media/products/" + "a" * 32 + ".webp/320.webp").status_code == 404
    pdf = store.save(b"%PDF-1.4 brosur", folder="products", suffix=".pdf")
    assert client.get(f"/media/{pdf}/320.jpg").status_code == 404


def test_a_deleted_photos_variants_go_with_it(client, app, products):
    product = products[0]
    photo = product.images[1]
    made = f"/media/{photo.large_key}/480.webp"
    assert client.get(made).status_code == 200
    folder = Path(app.config["UPLOAD_DIR"], "variants", photo.large_key)
    assert folder.is_dir()
    keys = delete_photo(product=product, photo=photo)
    db.session.commit()
    for key in keys:
        storage().delete(key)
    assert not folder.exists()
    assert client.get(made).status_code == 404
    assert client.get(f"/media/{photo.large_key}/320.webp").status_code == 404


def test_a_variant_made_after_its_source_went_is_unreachable(client, app):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    photo = stored_photo()
    assert client.get(f"/media/{photo.large_key}/320.jpg").status_code == 200
    store.path(photo.large_key).unlink()  # as if a delete raced the variant's making
    assert client.get(f"/media/{photo.large_key}/320.jpg").status_code == 404


# --- ahead of time, and the demo ----------------------------------------------------------


def test_warm_makes_the_missing_variants_of_photos_logos_and_banners(app, runner, shop):
    product = factories.ProductFactory(member=shop)
    product.images = [stored_photo()]
    shop.logo_key = stored_photo(width=400, height=400).thumb_key
    db.session.commit()
    variants_folder = Path(app.config["UPLOAD_DIR"], "variants")

    first = runner.invoke(args=["images", "warm", "--kind", "webp"])
    assert first.exit_code == 0, first.output
    assert f"{2 * len(WIDTHS)} varian dibuat, 0 sudah ada" in first.output
    made = sorted(path.name for path in variants_folder.rglob("*") if path.is_file())
    assert made == sorted(f"{width}.webp" for width in WIDTHS for _key in range(2))

    again = runner.invoke(args=["images", "warm"])
    assert f"{2 * len(WIDTHS)} varian dibuat, {2 * len(WIDTHS)} sudah ada" in again.output


def test_the_demo_photos_have_variants(app, client):
    seed_demo_data(storage=RecordingStorage(storage()), members=5, products=12)
    db.session.commit()
    html = client.get("/produk").text
    cards = pictures(html)
    assert cards and cards[0]["img:fetchpriority"] == "high"
    for url, width in urls(cards[0]["webp"]) + urls(cards[0]["img:srcset"]):
        with client.get(url) as response:
            assert response.status_code == 200, url
            with Image.open(io.BytesIO(response.data)) as variant:
                assert variant.width == min(width, 960)  # the demo draws 960 px photos


@pytest.mark.parametrize("odd", ["", "products", "products/", "variants", "../variants"])
def test_deleting_something_that_is_no_key_leaves_every_variant(client, app, odd):
    photo = stored_photo()
    assert client.get(f"/media/{photo.large_key}/320.webp").status_code == 200
    storage().delete(odd)
    assert Path(app.config["UPLOAD_DIR"], "variants", photo.large_key, "320.webp").is_file()
