"""The "Bagikan" block of product and shop pages, without JavaScript: a
wa.me link anyone can send on, with the name, the price and the page's
absolute address from PUBLIC_URL (the browser test covers the script)."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def share_block(html: str) -> str:
    return re.search(r'<section class="share.*?</section>', html, re.DOTALL).group(0)


def shared_message(block: str) -> str:
    link = unescape(re.search(r'href="(https://wa\.me/[^"]*)"', block).group(1))
    assert link.startswith("https://wa.me/?text="), "to whoever the sender picks, not the member"
    return parse_qs(urlsplit(link).query)["text"][0]


@pytest.fixture
def member(app):
    found = factories.MemberFactory(
        shop_name="Keripik Mbok Sri",
        slug="keripik-mbok-sri",
        kecamatan=factories.kecamatan("sokaraja"),
    )
    db.session.commit()
    return found


def test_product_page_shares_name_price_and_address(client, member):
    product = factories.ProductFactory(
        member=member,
        name="Keripik Tempe <Pedas> & Manis",
        slug="keripik-tempe-pedas-manis",
        variants=[factories.VariantFactory.build(price=15_000)],
    )
    db.session.commit()
    url = f"https://pasar.aspikmas.test/produk/{product.id}-keripik-tempe-pedas-manis"

    block = share_block(client.get(f"/produk/{product.id}-{product.slug}?utm_source=wa").text)

    assert shared_message(block) == (
        "Keripik Tempe <Pedas> & Manis, Rp15.000 per bungkus, dari Keripik Mbok Sri"
        f" di Pasar Aspikmas\n{url}"
    )
    assert f'data-share-url="{url}"' in block
    assert unescape(re.search(r'data-share-title="([^"]*)"', block).group(1)) == (
        "Keripik Tempe <Pedas> & Manis"
    )
    # the address itself, to copy by hand when there is no script
    assert re.search(rf'<input[^>]*type="url" value="{re.escape(url)}" readonly>', block)
    assert 'aria-live="polite"' in block and "Salin tautan" in block


def test_a_price_range_is_shared_as_the_page_shows_it(client, member):
    product = factories.ProductFactory(
        member=member,
        variants=[
            factories.VariantFactory.build(name="250 g", price=15_000),
            factories.VariantFactory.build(name="500 g", price=28_000),
        ],
    )
    db.session.commit()
    block = share_block(client.get(f"/produk/{product.id}-{product.slug}").text)
    assert ", Rp15.000 – Rp28.000 per bungkus," in shared_message(block)


def test_shop_page_shares_name_kecamatan_and_address(client, member):
    html = client.get("/toko/keripik-mbok-sri?page=1").text
    block = share_block(html)
    url = "https://pasar.aspikmas.test/toko/keripik-mbok-sri"
    assert shared_message(block) == (
        f"Keripik Mbok Sri, UMKM dari Kecamatan Sokaraja, Banyumas, di Pasar Aspikmas\n{url}"
    )
    assert f'data-share-url="{url}"' in block
    assert re.search(r"<script src=\"/static/js/share\.[0-9a-f]{12}\.js\" defer></script>", html)


def test_the_shared_address_comes_from_public_url_not_the_host(client, member):
    block = share_block(client.get("/toko/keripik-mbok-sri", headers={"Host": "evil.test"}).text)
    assert "evil.test" not in block
    assert "https://pasar.aspikmas.test/toko/keripik-mbok-sri" in shared_message(block)


def test_the_share_block_leaves_the_pages_cached(any_cache_app):
    """Nothing in it is the visitor's own: the second visitor gets the first's page."""
    member = factories.MemberFactory(slug="batik-sekar")
    product = factories.ProductFactory(member=member)
    db.session.commit()
    client = any_cache_app.test_client()
    for page in ("/toko/batik-sekar", f"/produk/{product.id}-{product.slug}"):
        first = client.get(page)
        assert first.headers["X-Cache"] == "MISS" and "Salin tautan" in first.text
        assert client.get(page).headers["X-Cache"] == "HIT"
