"""Anonymous visitors get catalog pages from the cache; any committed change
to the catalog shows at once; personal pages are never cached."""

import os
import uuid

import pytest
from flask import g
from sqlalchemy import update

from marketplace.catalog.models import ProductVariant
from marketplace.extensions import cache, db
from marketplace.members.models import MemberStatus
from tests import factories


@pytest.fixture
def cached_app(make_app):
    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        yield app


@pytest.fixture
def keripik(cached_app):
    product = factories.ProductFactory(name="Keripik Tempe Bu Sri")
    db.session.commit()
    return product


def page_of(product) -> str:
    return f"/produk/{product.id}/{product.slug}"


def test_a_second_anonymous_visit_runs_no_query(cached_app, keripik, statements_of):
    client = cached_app.test_client()
    first, first_statements = statements_of(client, "/produk?q=keripik")
    again, again_statements = statements_of(client, "/produk?q=keripik")

    assert first_statements, "the first visit reads the database"
    assert again_statements == []
    assert again.data == first.data
    assert "Keripik Tempe Bu Sri" in again.text


def test_renaming_a_product_shows_at_once(cached_app, keripik):
    client = cached_app.test_client()
    assert "Keripik Tempe Bu Sri" in client.get("/produk").text

    keripik.name = "Keripik Tempe Pedas Bu Sri"
    db.session.commit()

    assert "Keripik Tempe Pedas Bu Sri" in client.get("/produk").text


def test_a_bulk_stock_update_shows_at_once(cached_app, keripik):
    client = cached_app.test_client()
    assert "Stok 10" in client.get(page_of(keripik)).text

    db.session.execute(
        update(ProductVariant).where(ProductVariant.product_id == keripik.id).values(stock=3)
    )
    db.session.commit()

    assert "Stok 3" in client.get(page_of(keripik)).text


def test_a_suspended_member_vanishes_at_once(cached_app, keripik):
    client = cached_app.test_client()
    assert client.get(page_of(keripik)).status_code == 200
    assert "Keripik Tempe Bu Sri" in client.get("/produk").text

    keripik.member.status = MemberStatus.SUSPENDED
    db.session.commit()

    assert client.get(page_of(keripik)).status_code == 404
    assert "Keripik Tempe Bu Sri" not in client.get("/produk").text


def test_a_rolled_back_change_is_never_shown(cached_app, keripik):
    client = cached_app.test_client()
    client.get("/produk")

    keripik.name = "Nama yang batal"
    db.session.flush()
    db.session.rollback()

    assert "Nama yang batal" not in client.get("/produk").text
    assert "Keripik Tempe Bu Sri" in client.get("/produk").text


def test_a_logged_in_shopper_never_gets_or_leaves_a_cached_page(cached_app, keripik):
    anonymous = cached_app.test_client()
    anonymous.get("/produk")
    shopper = factories.UserFactory(name="Sari Pembeli")
    db.session.commit()
    client = cached_app.test_client()
    factories.log_in(client, shopper)
    g.pop("_login_user", None)  # the test's app context outlives requests; a worker's doesn't

    assert "Akun saya" in client.get("/produk").text
    g.pop("_login_user", None)
    assert "Akun saya" not in anonymous.get("/produk").text


def test_a_page_with_a_flash_message_is_not_cached(cached_app, keripik):
    client = cached_app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Pesan untuk satu orang saja")]
    assert "Pesan untuk satu orang saja" in client.get("/produk").text

    assert "Pesan untuk satu orang saja" not in cached_app.test_client().get("/produk").text


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL for Redis")
def test_workers_sharing_redis_see_each_others_changes(make_app):
    """Two apps (like two gunicorn workers) share the cache through Redis: a
    change committed through one is shown at once by the other."""
    shared = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": os.environ["TEST_REDIS_URL"],
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}/",
    }
    writer, reader = make_app(**shared), make_app(**shared)
    with writer.app_context():
        product = factories.ProductFactory(name="Gula Semut Cilongok")
        db.session.commit()
        product_id = product.id
    with reader.app_context():
        assert "Gula Semut Cilongok" in reader.test_client().get("/produk").text
    with writer.app_context():
        db.session.get(type(product), product_id).name = "Gula Semut Organik Cilongok"
        db.session.commit()
    with reader.app_context():
        assert "Gula Semut Organik Cilongok" in reader.test_client().get("/produk").text
    with writer.app_context():
        cache.clear()


def test_not_found_is_not_cached(cached_app, keripik):
    client = cached_app.test_client()
    assert client.get("/api/v1/products/999999").status_code == 404
    assert client.get("/toko/tidak-ada").status_code == 404
    hidden = factories.ProductFactory(name="Nopia Mini", status="draft")
    db.session.commit()
    assert client.get(f"/api/v1/products/{hidden.id}").status_code == 404

    hidden.status = "active"
    db.session.commit()

    assert client.get(f"/api/v1/products/{hidden.id}").json["name"] == "Nopia Mini"
