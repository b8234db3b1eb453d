"""GET /api/v1/categories, /api/v1/kecamatan and /api/v1/openapi.json."""

import pytest
from flask import Flask

from marketplace.api.openapi import DOCUMENT
from tests.api.conftest import Catalog
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")


def test_categories_count_public_products(catalog: Catalog, get_valid):
    response = get_valid("/api/v1/categories", operation="/api/v1/categories")

    assert response.content_type == "application/json"
    categories = {c["slug"]: c for c in response.json}
    assert len(categories) == 8
    assert categories["makanan-minuman"] == {
        "id": catalog.keripik.category.id,
        "name": "Makanan & Minuman",
        "slug": "makanan-minuman",
        "description": "Keripik, getuk goreng, mendoan, kopi, gula kelapa dan olahan pangan",
        "product_count": 1,  # the four hidden products are makanan too
    }
    assert categories["batik-fashion"]["product_count"] == 1
    assert categories["kerajinan"]["product_count"] == 0
    assert [c["slug"] for c in response.json][:2] == ["makanan-minuman", "kerajinan"]


def test_kecamatan_are_the_27_with_public_product_counts(catalog: Catalog, get_valid):
    response = get_valid("/api/v1/kecamatan", operation="/api/v1/kecamatan")

    places = response.json
    assert len(places) == 27
    assert [p["name"] for p in places] == sorted(p["name"] for p in places)
    counts = {p["slug"]: p["product_count"] for p in places}
    assert counts["sokaraja"] == 2
    assert counts["cilongok"] == 1
    assert sum(counts.values()) == 3
    sokaraja = next(p for p in places if p["slug"] == "sokaraja")
    assert sokaraja == {
        "id": catalog.keripik.member.kecamatan.id,
        "name": "Sokaraja",
        "slug": "sokaraja",
        "product_count": 2,
    }


def test_reference_lists_cost_two_queries(catalog: Catalog, client):
    for path in ("/api/v1/categories", "/api/v1/kecamatan"):
        with recorded_statements() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == 2, path  # the rows, and one grouped count


def test_openapi_document_is_served_as_json(app, get_valid):
    response = get_valid("/api/v1/openapi.json", operation="/api/v1/openapi.json")

    assert response.content_type == "application/json"
    assert response.json == DOCUMENT
    assert response.json["openapi"].startswith("3.")


def test_openapi_documents_exactly_the_api_routes(app: Flask):
    routes = {
        rule.rule.replace("<int:product_id>", "{product_id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    methods = {
        rule.rule: rule.methods - {"HEAD", "OPTIONS"}
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }

    assert routes == set(DOCUMENT["paths"])
    assert all(allowed == {"GET"} for allowed in methods.values())
    assert all(set(path) == {"get"} for path in DOCUMENT["paths"].values())
