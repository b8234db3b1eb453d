"""/sitemap.xml, its child sitemaps and /robots.txt: what a search engine is
told to read, and that every address it is given opens."""

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from marketplace.catalog import services, sitemap
from marketplace.catalog.models import Category
from marketplace.catalog.views.crawlers import PRIVATE_PREFIXES
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, MemberStatus
from tests import factories
from tests.catalog.seeding import hidden_products

BASE = "https://pasar.aspikmas.test"
NS = {"s": sitemap.XMLNS}
SCHEMAS = Path(__file__).parent / "sitemap_schema"
INDEX_SCHEMA = etree.XMLSchema(etree.parse(SCHEMAS / "siteindex.xsd"))
URLSET_SCHEMA = etree.XMLSchema(etree.parse(SCHEMAS / "sitemap.xsd"))
# First segments of the URL map that search engines may read.
PUBLIC_PREFIXES = {
    "/",
    "/produk",
    "/kategori",
    "/kecamatan",
    "/toko",
    "/media",
    "/pratinjau",
    "/transparansi",
    "/static",
    "/bootstrap",
    "/sitemap.xml",
    "/sitemap-<any(halaman, kategori, kecamatan, toko, produk):section>-<int:page>.xml",
    "/robots.txt",
}


def path_of(url: str) -> str:
    """`https://pasar.aspikmas.test/produk?kategori=x` -> `/produk?kategori=x`."""
    assert url.startswith(BASE + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def valid(response, schema: etree.XMLSchema) -> etree._Element:
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "public" in response.headers["Cache-Control"]
    document = etree.fromstring(response.data)
    schema.assertValid(document)
    return document


def index(client) -> list[tuple[str, str | None]]:
    """The index's child sitemaps as (address, lastmod)."""
    document = valid(client.get("/sitemap.xml"), INDEX_SCHEMA)
    return [
        (entry.findtext("s:loc", namespaces=NS), entry.findtext("s:lastmod", namespaces=NS))
        for entry in document.iterfind("s:sitemap", NS)
    ]


def urls(client) -> dict[str, str | None]:
    """Every address of every child sitemap, with its lastmod."""
    found: dict[str, str | None] = {}
    for loc, _ in index(client):
        document = valid(client.get(path_of(loc)), URLSET_SCHEMA)
        for entry in document.iterfind("s:url", NS):
            loc = entry.findtext("s:loc", namespaces=NS)
            assert loc not in found, loc
            found[loc] = entry.findtext("s:lastmod", namespaces=NS)
    return found


def product_url(product) -> str:
    return f"{BASE}/produk/{product.id}-{product.slug}"


def moment(w3c: str | None) -> datetime:
    assert w3c is not None
    parsed = datetime.fromisoformat(w3c)
    assert parsed.tzinfo is not None and parsed.utcoffset().total_seconds() == 0, w3c
    return parsed


@pytest.fixture
def app(any_cache_app):
    """The sitemap is cached: in memory, and in Redis (TEST_REDIS_URL); the
    app's context is pushed for the test's own use of the ORM."""
    return any_cache_app


@pytest.fixture
def catalog(app):
    shop = factories.MemberFactory(
        shop_name="Keripik Mbok Sri", kecamatan=factories.kecamatan("sokaraja")
    )
    keripik = factories.ProductFactory(member=shop, name="Keripik Tempe Sagu")
    getuk = factories.ProductFactory(member=shop, name="Getuk Goreng")
    hidden = hidden_products("Tersembunyi")
    db.session.commit()
    return shop, keripik, getuk, hidden


def test_every_address_listed_is_valid_and_opens(client, catalog):
    _, keripik, getuk, _ = catalog
    listed = urls(client)
    for loc in listed:
        assert client.get(path_of(loc)).status_code == 200, loc
        if loc in (product_url(keripik), product_url(getuk)):
            assert listed[loc] is not None
        if listed[loc] is not None:
            moment(listed[loc])
    assert product_url(keripik) in listed and product_url(getuk) in listed
    assert f"{BASE}/toko/keripik-mbok-sri" in listed
    assert {f"{BASE}/", f"{BASE}/produk", f"{BASE}/transparansi"} <= set(listed)
    # Every kecamatan's page; each category at its canonical address.
    places = db.session.scalars(db.select(Kecamatan.slug)).all()
    assert len(places) == 27
    assert {f"{BASE}/kecamatan/{slug}" for slug in places} <= set(listed)
    assert f"{BASE}/produk?kategori=makanan-minuman" in listed
    assert not any("/kategori/" in loc for loc in listed)
    # The kecamatan with products is as fresh as its newest; one without has no date.
    assert listed[f"{BASE}/kecamatan/sokaraja"] is not None
    assert listed[f"{BASE}/kecamatan/wangon"] is None


def test_a_slug_that_needs_quoting_is_listed_as_url_for_builds_it(client, catalog):
    shop, *_ = catalog
    kopi = factories.ProductFactory(member=shop, name="Kopi Señor", slug="kopi-señor")
    db.session.commit()
    address = public_url("catalog.product", product_id=kopi.id, slug=kopi.slug)
    assert address.endswith(f"/produk/{kopi.id}-kopi-se%C3%B1or")
    assert address in urls(client)
    assert client.get(path_of(address)).status_code == 200


def test_hidden_products_and_shops_are_not_listed(client, catalog):
    _, _, _, hidden = catalog
    listed = urls(client)
    for reason, product in hidden.items():
        assert product_url(product) not in listed, reason
        assert f"/produk/{product.id}-" not in " ".join(listed), reason
        if reason.endswith("member"):
            assert f"{BASE}/toko/{product.member.slug}" not in listed, reason


def test_suspending_a_member_takes_their_shop_and_products_out(app, client, catalog):
    shop, keripik, _, _ = catalog
    assert f"{BASE}/toko/{shop.slug}" in urls(client)
    shop.status = MemberStatus.SUSPENDED
    db.session.commit()
    listed = urls(client)
    assert f"{BASE}/toko/{shop.slug}" not in listed
    assert product_url(keripik) not in listed


def test_a_catalog_change_shows_at_once(app, client, catalog):
    """Cached per catalog generation: a new product, a new price, an archived
    product are in the next answer, and move the dates they change."""
    shop, keripik, getuk, _ = catalog
    long_ago = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for row in (shop, keripik, getuk):
        row.updated_at = long_ago
    db.session.commit()
    before = urls(client)
    assert before[product_url(keripik)] == "2026-01-02T03:04:05+00:00"
    assert before[f"{BASE}/toko/{shop.slug}"] == "2026-01-02T03:04:05+00:00"
    assert before[f"{BASE}/produk"] == "2026-01-02T03:04:05+00:00"
    assert urls(client) == before  # from the cache, unchanged

    changes = [services.VariantChange(variant_id=keripik.variants[0].id, price=99_000, stock=3)]
    services.update_variants(member=shop, changes=changes)
    db.session.commit()
    repriced = urls(client)
    assert moment(repriced[product_url(keripik)]) > long_ago
    assert repriced[product_url(getuk)] == before[product_url(getuk)]
    assert moment(repriced[f"{BASE}/produk"]) > long_ago
    assert moment(repriced[f"{BASE}/toko/{shop.slug}"]) > long_ago

    services.archive_product(product=getuk)
    fresh = factories.ProductFactory(member=shop, name="Nopia")
    db.session.commit()
    fresh_url = product_url(fresh)
    after = urls(client)
    assert product_url(getuk) not in after
    assert fresh_url in after and after[fresh_url] is not None


def test_a_shop_profile_change_dates_its_page(client, catalog):
    shop, keripik, getuk, _ = catalog
    long_ago = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for row in (shop, keripik, getuk):
        row.updated_at = long_ago
    db.session.commit()
    assert urls(client)[f"{BASE}/toko/{shop.slug}"] == "2026-01-02T03:04:05+00:00"
    shop.opening_hours = "Setiap hari 08.00-17.00"
    db.session.commit()
    assert moment(urls(client)[f"{BASE}/toko/{shop.slug}"]) > long_ago
    assert urls(client)[product_url(keripik)] == "2026-01-02T03:04:05+00:00"


def test_parts_split_at_the_limit(app, client, catalog, monkeypatch):
    shop, keripik, getuk, _ = catalog
    more = [factories.ProductFactory(member=shop) for _ in range(3)]
    db.session.commit()
    products = sorted([keripik.id, getuk.id, *(p.id for p in more)])
    monkeypatch.setattr(sitemap, "URLS_PER_SITEMAP", 2)
    parts = index(client)
    product_parts = [loc for loc, _ in parts if "/sitemap-produk-" in loc]
    # 27 kecamatan, 2 to a part.
    assert sum("/sitemap-kecamatan-" in loc for loc, _ in parts) == 14
    seen = []
    for loc in product_parts:
        document = valid(client.get(path_of(loc)), URLSET_SCHEMA)
        found = [entry.findtext("s:loc", namespaces=NS) for entry in document.iterfind("s:url", NS)]
        assert 1 <= len(found) <= 2
        seen += found
    assert len(product_parts) >= 3
    assert [int(path_of(loc).split("/")[2].split("-")[0]) for loc in seen] == products
    categories = len(db.session.scalars(db.select(Category.slug)).all())
    # Shops: Mbok Sri, and the approved owners of the draft and the archived product.
    assert len(urls(client)) == 3 + categories + 27 + 3 + 5


def test_each_part_is_dated_by_its_newest_address(app, client, catalog, monkeypatch):
    _, keripik, getuk, _ = catalog
    keripik.updated_at = datetime(2026, 3, 1, tzinfo=UTC)
    getuk.updated_at = datetime(2026, 2, 1, tzinfo=UTC)
    db.session.commit()
    monkeypatch.setattr(sitemap, "URLS_PER_SITEMAP", 1)
    dated = dict(index(client))
    assert dated[f"{BASE}/sitemap-produk-{keripik.id}.xml"] == "2026-03-01T00:00:00+00:00"
    assert dated[f"{BASE}/sitemap-produk-{getuk.id}.xml"] == "2026-02-01T00:00:00+00:00"
    assert dated[f"{BASE}/sitemap-halaman-1.xml"] == "2026-03-01T00:00:00+00:00"
    assert dated[f"{BASE}/sitemap-halaman-3.xml"] is None  # the transparency page


@pytest.mark.parametrize(
    "address",
    [
        "/sitemap-produk-0.xml",
        "/sitemap-produk-2.xml",
        "/sitemap-produk-99999999999999999999.xml",
        "/sitemap-produk--1.xml",
        "/sitemap-toko-2147483648.xml",
        "/sitemap-lain-1.xml",
        "/sitemap-produk-1.xml.gz",
    ],
)
def test_a_part_that_does_not_exist_is_not_found(client, catalog, address):
    assert client.get(address).status_code == 404


def test_an_empty_catalog_still_has_a_valid_index(client):
    parts = index(client)
    assert [loc for loc, _ in parts if "/sitemap-produk-" in loc] == []
    assert urls(client)[f"{BASE}/"] is None


def test_addresses_come_from_public_url_not_the_host(client, catalog):
    response = client.get("/sitemap.xml", headers={"Host": "jahat.example"})
    assert b"jahat.example" not in response.data
    assert response.status_code in (200, 400)


def test_robots_names_the_sitemap_and_keeps_crawlers_out_of_private_pages(app, client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")}
    assert disallowed == set(PRIVATE_PREFIXES)
    assert {"/kelola", "/bendahara", "/pengurus", "/akun", "/keranjang", "/checkout"} <= disallowed
    assert {"/pesanan", "/api", "/anggota"} <= disallowed
    # Every first segment of the URL map is on one side: a new one needs a decision.
    for rule in app.url_map.iter_rules():
        first = "/" + rule.rule.split("/")[1]
        assert first in disallowed or first in PUBLIC_PREFIXES, rule.rule
        assert not (first in disallowed and first in PUBLIC_PREFIXES), rule.rule


def test_old_product_addresses_move_to_the_one_in_the_sitemap(client, catalog):
    _, keripik, _, _ = catalog
    assert keripik.slug == "keripik-tempe-sagu"
    new = f"/produk/{keripik.id}-keripik-tempe-sagu"
    for old in (
        f"/produk/{keripik.id}",
        f"/produk/{keripik.id}/keripik-tempe-sagu",
        f"/produk/{keripik.id}/nama-lama",
        f"/produk/{keripik.id}-nama-lama",
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new
    assert product_url(keripik) in urls(client)
    assert client.get(new).status_code == 200


def test_a_hidden_product_has_no_old_address_either(client, catalog):
    _, _, _, hidden = catalog
    for product in hidden.values():
        assert client.get(f"/produk/{product.id}").status_code == 404
        assert client.get(f"/produk/{product.id}/{product.slug}").status_code == 404
        assert client.get(f"/produk/{product.id}-{product.slug}").status_code == 404


def test_the_index_and_a_part_cost_a_fixed_number_of_queries(app, client, catalog, statements_of):
    """A fixed number of queries for the index, one narrow query (id, slug,
    updated_at: no model per row) for a part however long; none again
    until the catalog changes."""
    shop, _, _, _ = catalog
    for _ in range(20):
        factories.ProductFactory(member=shop)
    db.session.commit()
    _, for_index = statements_of(client, "/sitemap.xml")
    response, for_part = statements_of(client, "/sitemap-produk-1.xml")
    assert len(for_index) == 5
    assert len(for_part) == 1
    assert "products.id, products.slug, products.updated_at" in for_part[0]
    assert response.data.count(b"<url>") == 22
    assert statements_of(client, "/sitemap.xml")[1] == []
    assert statements_of(client, "/sitemap-produk-1.xml")[1] == []
