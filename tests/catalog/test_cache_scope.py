"""Order traffic leaves browsing cached: stock an order takes or gives back
makes stale only the pages that count it (the product's own page, the
API's list), and the listings only when a product runs out or comes back.
Every other catalog change still makes every page stale."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog import cache as page_cache
from marketplace.catalog.models import Product
from marketplace.extensions import cache, db
from marketplace.orders import fulfilment
from marketplace.orders.services import release_stock
from marketplace.payments import bank_transfer
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper


@pytest.fixture
def shop(any_cache_app):
    """Two products of one shop, in the page cache in memory and in Redis."""
    member = factories.MemberFactory(kecamatan=factories.kecamatan("sokaraja"))
    factories.ProductFactory(
        name="Keripik Tempe Bu Sri",
        member=member,
        variants=[factories.VariantFactory.build(name="200 g", price=15_000, stock=5)],
    )
    factories.ProductFactory(
        name="Nopia Original",
        member=member,
        variants=[factories.VariantFactory.build(name="Isi 10", price=20_000, stock=3)],
    )
    db.session.commit()
    return any_cache_app


def product(name: str) -> Product:
    return db.session.scalars(select(Product).where(Product.name == name)).one()


def page_of(found: Product) -> str:
    return f"/produk/{found.id}-{found.slug}"


def listings(found: Product) -> list[str]:
    return [
        "/",
        "/produk",
        "/produk?tersedia=1",
        "/produk?urut=termurah",
        f"/toko/{found.member.slug}",
        "/kecamatan/sokaraja",
        "/api/v1/categories",
    ]


def seen(client, address: str):
    response = client.get(address)
    assert response.status_code == 200, address
    return response


def order(name: str, quantity: int):
    buyer = shopper()
    db.session.commit()
    placed = checkout(buyer, cart_with(buyer, (product(name).variants[0], quantity)))
    db.session.commit()
    return placed


def test_a_checkout_leaves_listings_and_other_products_cached(shop):
    client = shop.test_client()
    keripik, nopia = product("Keripik Tempe Bu Sri"), product("Nopia Original")
    kept = [*listings(keripik), page_of(nopia), f"/api/v1/products/{nopia.id}"]
    for address in kept + [page_of(keripik)]:
        assert seen(client, address).headers["X-Cache"] == "MISS", address
        assert seen(client, address).headers["X-Cache"] == "HIT", address

    order("Keripik Tempe Bu Sri", 2)

    for address in kept:
        assert seen(client, address).headers["X-Cache"] == "HIT", address
    own_page = seen(client, page_of(keripik))
    assert own_page.headers["X-Cache"] == "MISS"
    assert "Stok 3" in own_page.text
    detail = seen(client, f"/api/v1/products/{keripik.id}")
    assert detail.json["variants"][0]["stock"] == 3
    listed = seen(client, "/api/v1/products").json
    assert {item["name"]: item["total_stock"] for item in listed["items"]} == {
        "Keripik Tempe Bu Sri": 3,
        "Nopia Original": 3,
    }


def test_the_last_unit_sold_shows_sold_out_everywhere_at_once(shop):
    client = shop.test_client()
    nopia = product("Nopia Original")
    for address in listings(nopia):
        seen(client, address)
    assert "Nopia Original" in seen(client, "/produk?tersedia=1").text

    placed = order("Nopia Original", 3)

    assert "Nopia Original" not in seen(client, "/produk?tersedia=1").text
    for address in ("/produk", f"/toko/{nopia.member.slug}", "/kecamatan/sokaraja"):
        response = seen(client, address)
        assert response.headers["X-Cache"] == "MISS", address
        assert "Stok habis" in response.text, address

    fulfilment.expire_order(order=placed, now=datetime.now(UTC) + timedelta(days=30))
    db.session.commit()  # back in stock

    assert "Nopia Original" in seen(client, "/produk?tersedia=1").text
    assert "Stok habis" not in seen(client, "/produk").text


def test_a_paid_order_leaves_every_page_cached(shop, make_app):
    placed = order("Keripik Tempe Bu Sri", 1)
    keripik = product("Keripik Tempe Bu Sri")
    client = shop.test_client()
    addresses = [*listings(keripik), page_of(keripik), "/api/v1/products"]
    for address in addresses:
        seen(client, address)

    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    bank_transfer.confirm(order=placed, amount=placed.total, by=treasurer)
    db.session.commit()

    for address in addresses:
        assert seen(client, address).headers["X-Cache"] == "HIT", address


def test_a_members_own_stock_change_still_makes_every_page_stale(shop):
    client = shop.test_client()
    keripik = product("Keripik Tempe Bu Sri")
    seen(client, "/produk")

    keripik.variants[0].stock = 40
    db.session.commit()

    assert seen(client, "/produk").headers["X-Cache"] == "MISS"


def test_a_stock_move_rolled_back_still_counts_at_the_next_commit(shop):
    """Nothing stale is served if a rolled-back move is forgotten: the mark
    stays until the next commit, which throws the product's page away."""
    client = shop.test_client()
    keripik = product("Keripik Tempe Bu Sri")
    seen(client, page_of(keripik))
    release_stock(quantities={keripik.variants[0].id: 2})
    db.session.rollback()
    db.session.commit()

    response = seen(client, page_of(keripik))
    assert response.headers["X-Cache"] == "MISS"
    assert "Stok 5" in response.text


def test_a_generation_the_cache_lost_never_brings_back_an_older_page(shop):
    """Redis may evict or lose a generation: its next value is new, so a
    page kept under an earlier one is never served."""
    client = shop.test_client()
    keripik = product("Keripik Tempe Bu Sri")
    assert "Stok 5" in seen(client, page_of(keripik)).text  # kept under the first value
    order("Keripik Tempe Bu Sri", 1)
    assert "Stok 4" in seen(client, page_of(keripik)).text

    cache.delete(page_cache.product_key(keripik.id))  # lost: not back to the first value
    cache.delete(page_cache.GENERATION_KEY)

    response = seen(client, page_of(keripik))
    assert response.headers["X-Cache"] == "MISS"
    assert "Stok 4" in response.text


def test_personal_pages_say_nothing_about_the_cache(shop):
    client = shop.test_client()
    factories.log_in(client, shopper())

    response = seen(client, "/produk")

    assert "X-Cache" not in response.headers
