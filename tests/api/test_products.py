"""GET /api/v1/products and /api/v1/products/<id>: what a client of the API
relies on. Every answer is also checked against the OpenAPI document."""

from datetime import datetime

import pytest

from marketplace.catalog.models import ProductImage
from marketplace.extensions import db
from tests.api.conftest import Catalog
from tests.factories import ProductFactory
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")

LIST = "/api/v1/products"
DETAIL = "/api/v1/products/{product_id}"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json["items"]]


def test_list_item_has_every_field(catalog: Catalog, get_valid):
    response = get_valid(LIST, operation=LIST)

    assert response.status_code == 200
    assert response.content_type == "application/json"
    item = next(i for i in response.json["items"] if i["id"] == catalog.keripik.id)
    created_at = datetime.fromisoformat(item.pop("created_at"))
    assert created_at.utcoffset() is not None
    assert item == {
        "id": catalog.keripik.id,
        "name": "Keripik Tempe Sagu",
        "slug": "keripik-tempe-sagu",
        "description": "Keripik tempe tipis dan renyah.",
        "unit": "bungkus",
        "weight_grams": 250,
        "min_price": 12_000,
        "max_price": 20_000,
        "in_stock": True,
        "total_stock": 5,
        "category": {
            "id": catalog.keripik.category.id,
            "name": "Makanan & Minuman",
            "slug": "makanan-minuman",
        },
        "kecamatan": {
            "id": catalog.keripik.member.kecamatan.id,
            "name": "Sokaraja",
            "slug": "sokaraja",
        },
        "member": {
            "id": catalog.keripik.member.id,
            "shop_name": "Keripik Bu Sri",
            "slug": "keripik-bu-sri",
        },
        "cover_url": "https://pasar.aspikmas.test/media/products/k1-thumb.webp",
        "images": [
            {
                "thumb_url": "https://pasar.aspikmas.test/media/products/k1-thumb.webp",
                "large_url": "https://pasar.aspikmas.test/media/products/k1.webp",
                "alt": "Keripik",
            },
            {
                "thumb_url": "https://pasar.aspikmas.test/media/products/k2-thumb.webp",
                "large_url": "https://pasar.aspikmas.test/media/products/k2.webp",
                "alt": "Keripik Tempe Sagu",
            },
        ],
        "certificates": [],
        "url": f"https://pasar.aspikmas.test/produk/{catalog.keripik.id}-keripik-tempe-sagu",
    }


def test_product_without_image_has_null_cover_and_weight(catalog: Catalog, get_valid):
    body = get_valid(LIST, operation=LIST, query_string={"kategori": "pertanian-perkebunan"}).json
    item = body["items"][0]

    assert item["id"] == catalog.gula.id
    assert item["cover_url"] is None
    assert item["images"] == []
    assert item["weight_grams"] is None
    assert item["in_stock"] is False


def test_list_shows_only_public_products_newest_first(catalog: Catalog, get_valid):
    body = get_valid(LIST, operation=LIST).json

    assert [item["id"] for item in body["items"]] == [
        p.id for p in sorted(catalog.public, key=lambda p: p.id, reverse=True)
    ]
    assert (body["total"], body["page"], body["pages"], body["per_page"]) == (3, 1, 1, 24)
    assert body["messages"] == []


def test_hidden_products_are_not_counted_in_facets(catalog: Catalog, get_valid):
    facets = get_valid(LIST, operation=LIST).json["facets"]

    categories = {facet["slug"]: facet["count"] for facet in facets["categories"]}
    kecamatan = {facet["slug"]: facet["count"] for facet in facets["kecamatan"]}
    assert categories["makanan-minuman"] == 1  # the four hidden products are all makanan
    assert categories["batik-fashion"] == 1
    assert categories["kerajinan"] == 0
    assert len(facets["categories"]) == 8
    assert kecamatan["sokaraja"] == 2
    assert kecamatan["cilongok"] == 1
    assert len(facets["kecamatan"]) == 27
    assert sum(kecamatan.values()) == 3
    assert {"slug": "sokaraja", "name": "Sokaraja", "count": 2} in facets["kecamatan"]


def test_facets_count_within_the_other_filters(catalog: Catalog, get_valid):
    facets = get_valid(LIST, operation=LIST, query_string={"kecamatan": "sokaraja"}).json["facets"]

    categories = {facet["slug"]: facet["count"] for facet in facets["categories"]}
    kecamatan = {facet["slug"]: facet["count"] for facet in facets["kecamatan"]}
    assert categories["pertanian-perkebunan"] == 0  # gula is in cilongok
    assert categories["makanan-minuman"] == 1
    assert kecamatan["cilongok"] == 1  # the kecamatan facet ignores the kecamatan filter


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kategori": "makanan-minuman"}, ["keripik"]),
        ({"kecamatan": "sokaraja"}, ["batik", "keripik"]),
        ({"kecamatan": "cilongok", "kategori": "makanan-minuman"}, []),
        ({"harga_min": "25000"}, ["batik", "gula"]),
        ({"harga_max": "15000"}, ["keripik"]),
        ({"harga_min": "Rp15.000", "harga_max": "Rp20.000"}, ["keripik"]),
        ({"tersedia": "1"}, ["batik", "keripik"]),
        ({"q": "keripik"}, ["keripik"]),
        ({"q": "kelapa cilongok"}, ["gula"]),
        ({"q": "bat"}, ["batik"]),
        ({"urut": "termurah"}, ["keripik", "gula", "batik"]),
        ({"urut": "termahal"}, ["batik", "gula", "keripik"]),
    ],
)
def test_filters_are_those_of_the_catalog_page(catalog: Catalog, get_valid, query, expected):
    response = get_valid(LIST, operation=LIST, query_string=query)

    found = ids(response)
    if "urut" not in query:
        found = sorted(found)
    wanted = [getattr(catalog, name).id for name in expected]
    assert found == (wanted if "urut" in query else sorted(wanted))
    assert response.json["total"] == len(expected)
    assert response.json["messages"] == []


def test_pages_hold_per_halaman_products(catalog: Catalog, get_valid):
    first = get_valid(LIST, operation=LIST, query_string={"per_halaman": "2", "urut": "termurah"})
    second = get_valid(
        LIST, operation=LIST, query_string={"per_halaman": "2", "urut": "termurah", "hal": "2"}
    )

    assert ids(first) == [catalog.keripik.id, catalog.gula.id]
    assert ids(second) == [catalog.batik.id]
    assert [(r.json["page"], r.json["pages"], r.json["per_page"]) for r in (first, second)] == [
        (1, 2, 2),
        (2, 2, 2),
    ]
    assert first.json["total"] == second.json["total"] == 3


@pytest.mark.parametrize(
    ("query", "per_page", "message"),
    [
        ({"per_halaman": "banyak"}, 24, "Jumlah per halaman harus angka 1 sampai 100; memakai 24."),
        ({"per_halaman": "0"}, 24, "Jumlah per halaman harus angka 1 sampai 100; memakai 24."),
        ({"per_halaman": "-5"}, 24, "Jumlah per halaman harus angka 1 sampai 100; memakai 24."),
        ({"per_halaman": "²"}, 24, "Jumlah per halaman harus angka 1 sampai 100; memakai 24."),
        ({"per_halaman": "1000"}, 100, "Jumlah per halaman paling banyak 100; memakai 100."),
        ({"per_halaman": "9" * 5000}, 100, "Jumlah per halaman paling banyak 100; memakai 100."),
        ({"harga_min": "murah"}, 24, "Harga minimum harus berupa angka rupiah"),
        ({"harga_max": "-1"}, 24, "Harga maksimum tidak boleh negatif"),
        ({"kategori": "tidak-ada"}, 24, "Kategori tidak ditemukan"),
        ({"kecamatan": "jakarta"}, 24, "Kecamatan tidak ditemukan"),
        ({"urut": "acak"}, 24, "Urutan tidak dikenal"),
        ({"hal": "satu"}, 24, "Nomor halaman tidak valid"),
        ({"q": "!!!"}, 24, "Kata pencarian harus berisi huruf atau angka."),
    ],
)
def test_bad_values_are_ignored_with_a_message(
    catalog: Catalog, get_valid, query, per_page, message
):
    response = get_valid(LIST, operation=LIST, query_string=query)

    assert response.status_code == 200
    assert response.json["per_page"] == per_page
    assert response.json["total"] == 3
    assert len(response.json["items"]) == 3
    assert any(m.startswith(message) for m in response.json["messages"]), response.json["messages"]


def test_a_page_past_the_last_is_not_found(catalog: Catalog, get_valid):
    """As on /produk: a 404 that says which page is the last, not page 1 or the last again."""
    response = get_valid(LIST, operation=LIST, query_string={"hal": "9", "per_halaman": "2"})

    assert response.status_code == 404
    assert response.json == {"error": "Halaman 9 tidak ada: daftar ini hanya sampai halaman 2."}


@pytest.mark.parametrize(("raw", "per_page"), [("007", 7), ("0" * 5000 + "2", 2), (" 3 ", 3)])
def test_per_halaman_reads_a_plain_number(catalog: Catalog, get_valid, raw, per_page):
    body = get_valid(LIST, operation=LIST, query_string={"per_halaman": raw}).json

    assert body["per_page"] == per_page
    assert len(body["items"]) == min(per_page, 3)
    assert body["messages"] == []


def test_empty_catalog_is_one_empty_page(app, get_valid):
    body = get_valid(LIST, operation=LIST).json

    assert (body["items"], body["total"], body["page"], body["pages"]) == ([], 0, 1, 1)


def test_a_page_costs_the_same_queries_whatever_its_size(app, client):
    for n in range(25):
        product = ProductFactory()
        product.images = [
            ProductImage(position=i, thumb_key=f"t/{n}-{i}.webp", large_key=f"l/{n}-{i}.webp")
            for i in range(2)
        ]
    db.session.commit()

    counts = {}
    for per_page in (2, 20):
        db.session.remove()  # no help from objects the test already holds
        with recorded_statements() as statements:
            response = client.get(LIST, query_string={"per_halaman": per_page})
        assert len(response.json["items"]) == per_page
        assert all(len(item["images"]) == 2 for item in response.json["items"])
        counts[per_page] = len(statements)

    # categories, kecamatan, the kept facet counts with their members'
    # places, the page with its covers, its images, its certificate badges
    assert counts == {2: 6, 20: 6}


def test_detail_has_variants_and_images(catalog: Catalog, get_valid):
    response = get_valid(f"/api/v1/products/{catalog.keripik.id}", operation=DETAIL)

    body = response.json
    assert response.content_type == "application/json"
    assert body["id"] == catalog.keripik.id
    assert body["min_price"] == 12_000
    assert body["max_price"] == 20_000
    assert (
        body["url"] == f"https://pasar.aspikmas.test/produk/{catalog.keripik.id}-keripik-tempe-sagu"
    )
    assert body["variants"] == [
        {"id": v.id, "name": v.name, "price": v.price, "stock": v.stock, "in_stock": v.stock > 0}
        for v in catalog.keripik.variants
    ]
    assert [v["name"] for v in body["variants"]] == ["Original", "Pedas"]
    assert [v["in_stock"] for v in body["variants"]] == [True, False]
    assert body["cover_url"] == "https://pasar.aspikmas.test/media/products/k1-thumb.webp"
    assert [image["large_url"] for image in body["images"]] == [
        "https://pasar.aspikmas.test/media/products/k1.webp",
        "https://pasar.aspikmas.test/media/products/k2.webp",
    ]


def test_detail_matches_the_list_item(catalog: Catalog, client):
    item = next(i for i in client.get(LIST).json["items"] if i["id"] == catalog.batik.id)
    detail = client.get(f"/api/v1/products/{catalog.batik.id}").json

    extra = ("variants", "shop_certificates")  # only the detail has them
    assert {key: value for key, value in detail.items() if key not in extra} == item


@pytest.mark.parametrize("which", range(4))
def test_hidden_product_is_not_found(catalog: Catalog, get_valid, which):
    hidden = catalog.hidden[which]

    response = get_valid(f"/api/v1/products/{hidden.id}", operation=DETAIL)

    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json == {"error": "Produk tidak ditemukan."}


def test_absent_product_is_not_found(catalog: Catalog, get_valid):
    response = get_valid("/api/v1/products/999999", operation=DETAIL)

    assert response.status_code == 404
    assert response.json == {"error": "Produk tidak ditemukan."}


@pytest.mark.parametrize("product_id", [str(2**31), str(10**30), "١٢٣", "１２３"])
def test_id_no_column_can_hold_is_no_address(catalog: Catalog, client, product_id):
    response = client.get(f"/api/v1/products/{product_id}")

    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert set(response.json) == {"error"}


@pytest.mark.parametrize(
    "path", ["/api/v1/products/abc", "/api/v1/products/-1", "/api/v1/tidak-ada"]
)
def test_unknown_address_answers_json(app, client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert set(response.json) == {"error"}


def test_method_not_allowed_names_the_allowed_method(app, client):
    response = client.delete(f"{LIST}/1")

    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


def test_writing_is_not_allowed(app, client):
    response = client.post(LIST)

    assert response.status_code == 405
    assert response.content_type == "application/json"
    assert set(response.json) == {"error"}
