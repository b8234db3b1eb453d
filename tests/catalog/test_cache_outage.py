"""The page cache's Redis goes away: pages render from the database, a
saved change (an order, a listing) is still reported as saved, and the
outage is logged once, not with a traceback on every request."""

import logging
import os
import uuid

import pytest
import redis

from marketplace.catalog.models import Product
from marketplace.config import RESILIENT_REDIS_CACHE
from marketplace.core import outages
from marketplace.extensions import cache, db
from marketplace.orders.models import Order
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper, variant

# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture
def cut_off(make_app, monkeypatch):
    """The shop with its page cache on a Redis that does not answer."""
    monkeypatch.setattr(outages, "_down", {})
    app = make_app(CACHE_TYPE=RESILIENT_REDIS_CACHE, CACHE_REDIS_URL=UNREACHABLE)
    with app.app_context():
        yield app


def outage_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "marketplace.outages"]


def test_pages_render_from_the_database_and_the_outage_is_logged_once(cut_off, caplog):
    factories.ProductFactory(name="Gula Kelapa Cilongok")
    db.session.commit()
    client = cut_off.test_client()
    caplog.set_level(logging.INFO)

    answers = [client.get("/produk") for _ in range(3)]

    assert [response.status_code for response in answers] == [200, 200, 200]
    assert all("Gula Kelapa Cilongok" in response.text for response in answers)
    assert [record.levelno for record in caplog.records if record.levelno >= logging.ERROR] == []
    (said,) = outage_records(caplog)
    assert said.levelno == logging.WARNING
    assert "Redis cache halaman tidak dapat dipakai" in said.getMessage()


def test_a_saved_order_is_saved_though_the_cache_cannot_be_told(cut_off, caplog):
    """Checkout reserves stock (a catalog change): the commit must not raise
    after the order is saved, or the shopper sees an error and orders again."""
    caplog.set_level(logging.INFO)
    buyer = shopper()
    keripik = variant(price=15_000, stock=5)
    db.session.commit()

    order = checkout(buyer, cart_with(buyer, (keripik, 2)))
    db.session.commit()  # the catalog changed: the cache's generation cannot be counted up
    keripik.product.name = "Keripik Tempe Sagu"
    db.session.commit()  # and again, for a member's save

    db.session.expire_all()
    assert db.session.get(Order, order.id) is not None
    assert db.session.get(Product, keripik.product_id).name == "Keripik Tempe Sagu"
    assert len(outage_records(caplog)) == 1


def test_the_return_of_the_cache_is_logged_once(cut_off, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    outages.failed("Redis cache halaman", ConnectionError("refused"))
    outages.recovered("Redis cache halaman")
    outages.recovered("Redis cache halaman")

    messages = [record.getMessage() for record in outage_records(caplog)]
    assert messages[-1] == "Redis cache halaman dapat dipakai lagi."
    assert len(messages) == 2


class Unreachable:
    """A Redis client whose server went away: every command fails to connect."""

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise redis.ConnectionError("Error 111 connecting to the cache: Connection refused.")

        return refuse


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL for Redis")
def test_a_price_changed_while_the_cache_was_away_shows_once_it_is_back(make_app, monkeypatch):
    """Redis goes away and comes back with its pages (a network blip): the
    page cached before the change must not be served after it."""
    monkeypatch.setattr(outages, "_down", {})
    app = make_app(
        CACHE_TYPE=RESILIENT_REDIS_CACHE,
        CACHE_REDIS_URL=os.environ["TEST_REDIS_URL"],
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}/",
    )
    with app.app_context():
        product = factories.ProductFactory(
            name="Gula Semut Cilongok",
            variants=[factories.VariantFactory.build(name="250 g", price=17_900, stock=9)],
        )
        db.session.commit()
        page = f"/produk/{product.id}-{product.slug}"
        client = app.test_client()
        assert "Rp17.900" in client.get(page).text  # now cached at this generation
        backend = cache.cache
        reachable = (backend._read_client, backend._write_client)

        monkeypatch.setattr(backend, "_read_client", Unreachable())
        monkeypatch.setattr(backend, "_write_client", Unreachable())
        product.variants[0].price = 18_500
        db.session.commit()  # the count-up cannot reach the cache
        assert "Rp18.500" in client.get(page).text  # rendered from the database

        backend._read_client, backend._write_client = reachable  # back, with its old pages
        assert "Rp18.500" in client.get(page).text
        assert "Rp18.500" in client.get(page).text  # and cached again at the new generation
        cache.clear()
