"""Anonymous visitors get catalog pages from the cache; any committed change
to the catalog shows at once; personal pages are never cached."""

import os
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import update

from marketplace.catalog.models import CertificateKind, CertificateProduct, ProductVariant
from marketplace.config import RESILIENT_REDIS_CACHE
from marketplace.extensions import cache, db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.certificate_data import certificate


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
    return f"/produk/{product.id}-{product.slug}"


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


def test_a_bulk_change_to_what_a_certificate_covers_shows_at_once(cached_app, keripik):
    """certificate_products is a catalog table: a statement on it, not only
    a flushed object, makes the pages that show badges stale."""
    certificate(keripik.member, kind=CertificateKind.HALAL, ticks=[keripik])
    db.session.commit()
    client = cached_app.test_client()
    assert 'data-sertifikat="halal"' not in client.get("/produk").text

    db.session.execute(update(CertificateProduct).values(verified_at=datetime.now(UTC)))
    db.session.commit()

    assert 'data-sertifikat="halal"' in client.get("/produk").text


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

    assert "Akun saya" in client.get("/produk").text
    assert "Akun saya" not in anonymous.get("/produk").text


def test_a_page_with_a_flash_message_is_not_cached(cached_app, keripik):
    client = cached_app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Pesan untuk satu orang saja")]
    assert "Pesan untuk satu orang saja" in client.get("/produk").text

    assert "Pesan untuk satu orang saja" not in cached_app.test_client().get("/produk").text


def test_a_guest_with_a_cart_sees_its_count_and_never_a_cached_page(cached_app, keripik):
    """The top bar counts a guest's cart: their pages are theirs alone,
    neither taken from the cache nor kept in it."""
    anonymous = cached_app.test_client()
    assert "Keranjang, kosong" in anonymous.get("/").text  # kept in the cache now
    guest = cached_app.test_client()
    with guest.session_transaction() as session:
        session["cart"] = {str(keripik.variants[0].id): [3, 15000]}

    home = guest.get("/")
    assert "X-Cache" not in home.headers  # the cache was not asked
    assert 'aria-label="Keranjang, 3 barang"' in home.text
    assert 'aria-label="Keranjang, 3 barang"' in guest.get("/produk").text

    again = anonymous.get("/")
    assert again.headers["X-Cache"] == "HIT"
    assert "Keranjang, kosong" in again.text


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL for Redis")
def test_workers_sharing_redis_see_each_others_changes(make_app):
    """Two apps (like two gunicorn workers) share the cache through Redis: a
    change committed through one is shown at once by the other."""
    shared = {
        "CACHE_TYPE": RESILIENT_REDIS_CACHE,
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
    assert client.get("/produk?hal=99").status_code == 404  # past the last page
    assert client.get("/produk?hal=99").headers["X-Cache"] == "MISS"
    hidden = factories.ProductFactory(name="Nopia Mini", status="draft")
    db.session.commit()
    assert client.get(f"/api/v1/products/{hidden.id}").status_code == 404

    hidden.status = "active"
    db.session.commit()

    assert client.get(f"/api/v1/products/{hidden.id}").json["name"] == "Nopia Mini"


# --- what makes a key: the page as the view understands it, nothing else -------------------


@pytest.fixture
def goods(any_cache_app):
    product = factories.ProductFactory(
        name="Keripik Tempe Bu Sri",
        member=factories.MemberFactory(kecamatan=factories.kecamatan("sokaraja")),
    )
    db.session.commit()
    return product


def page_keys() -> list[str]:
    """The cached pages (not the generation counter)."""
    backend = cache.cache
    if hasattr(backend, "_write_client"):  # Redis
        pattern = f"{backend.key_prefix}page/*"
        return [key.decode() for key in backend._write_client.scan_iter(match=pattern)]
    return [key for key in backend._cache if key.startswith("page/")]


def junk() -> str:
    return uuid.uuid4().hex


def test_a_hundred_junk_parameters_make_one_key(any_cache_app, goods):
    client = any_cache_app.test_client()
    pages = {
        client.get(
            f"/produk?q=keripik&{junk()}={junk()}&fbclid={junk()}&utm_source=wa&junk={junk()}"
        ).text
        for _ in range(100)
    }

    assert len(page_keys()) == 1
    assert len(pages) == 1
    assert "Keripik Tempe Bu Sri" in pages.pop()


@pytest.mark.parametrize(
    "addresses",
    [
        ["/produk", "/produk?urut=terbaru", "/produk?hal=1", "/produk?urut=TERBARU&hal=&q="],
        [
            "/produk?kategori=makanan-minuman&tersedia=1&urut=termurah",
            "/produk?urut=termurah&tersedia=1&kategori=makanan-minuman",
            "/produk?tersedia=ya&kategori=Makanan-Minuman&urut=termurah&hal=1",
        ],
        [
            "/produk?q=keripik%20tempe",
            "/produk?q=++keripik+++tempe+",
            "/produk?q=keripik+tempe&x=1",
        ],
        ["/produk?harga_min=1.000", "/produk?harga_min=Rp1000", "/produk?harga_min=1000"],
        ["/", "/?hal=2", "/?utm_campaign=lebaran"],
        ["/kecamatan/sokaraja", "/kecamatan/sokaraja?hal=1", "/kecamatan/sokaraja?fbclid=x"],
        [
            "/api/v1/products",
            "/api/v1/products?per_halaman=24&urut=terbaru",
            "/api/v1/products?a=b",
        ],
        ["/api/v1/categories", "/api/v1/categories?x=1"],
    ],
)
def test_order_defaults_and_unknown_parameters_map_to_one_key(any_cache_app, goods, addresses):
    client = any_cache_app.test_client()
    bodies = set()
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        bodies.add(response.data)

    assert len(page_keys()) == 1, addresses
    assert len(bodies) == 1


def test_product_and_shop_pages_ignore_the_query_string(any_cache_app, goods):
    client = any_cache_app.test_client()
    for suffix in ("", "?fbclid=abc", "?utm_source=whatsapp&utm_medium=social", "?hal=1"):
        assert client.get(page_of(goods) + suffix).status_code == 200
        assert client.get(f"/toko/{goods.member.slug}{suffix}").status_code == 200
    assert len(page_keys()) == 2


def test_the_host_header_changes_neither_key_nor_content(any_cache_app, goods):
    client = any_cache_app.test_client()
    seen = [
        client.get(page_of(goods), headers={"Host": host})
        for host in ("localhost", "evil.example", "pasar.aspikmas.test", "evil.example:8080")
    ]

    assert len(page_keys()) == 1
    assert len({page.data for page in seen}) == 1
    assert "evil.example" not in seen[0].text
    assert any_cache_app.config["PUBLIC_URL"] in unquote(seen[0].text)


@pytest.mark.parametrize(
    "bad",
    [
        "/produk?harga_min={}",
        "/produk?kategori={}",
        "/produk?kecamatan={}",
        "/produk?urut={}",
        "/produk?sertifikat={}",
        "/produk?hal=9{}",
        "/kecamatan/sokaraja?hal=x{}",
        "/toko/{shop}?hal=x{}",
        "/api/v1/products?kategori={}",
        "/api/v1/products?per_halaman=x{}",
    ],
)
def test_a_page_that_answers_bad_input_is_never_kept(any_cache_app, goods, bad):
    client = any_cache_app.test_client()
    for _ in range(5):
        address = bad.format(junk(), shop=goods.member.slug)
        response = client.get(address)
        assert response.status_code == 200, address
        messages = response.json["messages"] if response.is_json else response.text
        assert "tidak" in str(messages).lower() or "harus" in str(messages).lower(), address

    assert page_keys() == []
