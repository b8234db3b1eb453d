"""Page meta on cached pages: a page served from the cache says the same
as the page rendered, and the noindex decision holds on a HIT too."""

import pytest

from marketplace.extensions import db
from tests import factories
from tests.catalog.test_previews import tags


@pytest.fixture
def goods(any_cache_app):
    product = factories.ProductFactory(
        name="Keripik Tempe Bu Sri",
        member=factories.MemberFactory(kecamatan=factories.kecamatan("sokaraja")),
    )
    db.session.commit()
    return product


@pytest.mark.parametrize(
    ("address", "noindex"),
    [("/produk?kecamatan=sokaraja&utm_source=wa", False), ("/produk?q=keripik", True)],
)
def test_a_cached_page_keeps_its_meta_and_robots(any_cache_app, goods, address, noindex):
    client = any_cache_app.test_client()
    rendered, served = client.get(address), client.get(address)
    assert (rendered.headers["X-Cache"], served.headers["X-Cache"]) == ("MISS", "HIT")
    assert tags(served.text) == tags(rendered.text)
    assert tags(served.text)["og:image"].startswith("https://pasar.aspikmas.test/pratinjau/")
    for response in (rendered, served):
        assert ("X-Robots-Tag" in response.headers) is noindex
        assert (tags(response.text).get("robots") == "noindex") is noindex


def test_a_product_change_reaches_the_cached_page_meta(any_cache_app, goods):
    client = any_cache_app.test_client()
    address = f"/produk/{goods.id}-{goods.slug}"
    before = tags(client.get(address).text)
    goods.name = "Keripik Tempe Bu Sri Pedas"
    db.session.commit()
    after = tags(client.get(address).text)
    assert after["og:title"] == "Keripik Tempe Bu Sri Pedas"
    assert after["og:image"] != before["og:image"]
