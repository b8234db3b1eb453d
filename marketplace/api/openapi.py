"""The OpenAPI 3.0 document of API v1, served at /api/v1/openapi.json.

Kept as a Python dict so that shared shapes are written once and limits come
from the code that enforces them. The contract and fuzz tests in tests/api
check every response against it."""

from typing import Any

from marketplace.api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE
from marketplace.catalog.filters import MAX_PRICE, Sort
from marketplace.catalog.models import PRODUCT_KINDS, CertificateKind
from marketplace.core.numbers import MAX_INTEGER
from marketplace.core.pages import MAX_PAGE

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema]) -> Schema:
    """An object with exactly these properties, all required."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


ID = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}
RUPIAH = {"type": "integer", "minimum": 0, "description": "Whole rupiah."}
TEXT = {"type": "string"}
# What a query string may carry: no control characters but tab, LF and CR
# (core/input.py answers 400 to a request with one).
QUERY_TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"}
URL = {"type": "string", "format": "uri"}
CERTIFICATE_KIND = {"type": "string", "enum": [kind.value for kind in CertificateKind]}
PRODUCT_CERTIFICATE_KIND = {"type": "string", "enum": [kind.value for kind in PRODUCT_KINDS]}

PRODUCT: dict[str, Schema] = {
    "id": ID,
    "name": TEXT,
    "slug": TEXT,
    "description": TEXT,
    "unit": {**TEXT, "description": "Sales unit, e.g. `bungkus`, `pcs`."},
    "weight_grams": {"type": "integer", "minimum": 0, "nullable": True},
    "min_price": RUPIAH,
    "max_price": RUPIAH,
    "in_stock": {"type": "boolean"},
    "total_stock": COUNT,
    "category": _ref("Reference"),
    "kecamatan": _ref("Reference"),
    "member": _ref("Member"),
    "cover_url": {
        **URL,
        "nullable": True,
        "description": "Thumbnail of the cover image; null when the product has none.",
    },
    "images": _array(_ref("Image")),
    "certificates": {
        **_array(_ref("Certificate")),
        "description": (
            "Verified, unexpired certificates that name the product, or that its shop's "
            "certificate covers it as checked by the association; in a fixed order "
            "(P-IRT, Halal, BPOM MD, BPOM ML). A certificate of the shop alone is not here: "
            "see `shop_certificates` of the product's detail."
        ),
    },
    "url": {**URL, "description": "The product's public page."},
    "created_at": {"type": "string", "format": "date-time"},
}

SCHEMAS: dict[str, Schema] = {
    "Error": _object({"error": {**TEXT, "description": "What went wrong, in Indonesian."}}),
    "Reference": _object({"id": ID, "name": TEXT, "slug": TEXT}),
    "Member": _object({"id": ID, "shop_name": TEXT, "slug": TEXT}),
    "Image": _object({"thumb_url": URL, "large_url": URL, "alt": TEXT}),
    "Certificate": _object(
        {
            "kind": CERTIFICATE_KIND,
            "name": {**TEXT, "description": "As shown on the badge, e.g. `Halal`, `P-IRT`."},
            "number": {**TEXT, "description": "The certificate's number, as on the document."},
            "issuer": {**TEXT, "description": "Who issued it, e.g. `BPJPH`, `Badan POM`."},
            "expires_on": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "Last day of validity; null when the document sets none.",
            },
        }
    ),
    "Variant": _object(
        {"id": ID, "name": TEXT, "price": RUPIAH, "stock": COUNT, "in_stock": {"type": "boolean"}}
    ),
    "Product": _object(PRODUCT),
    "ProductDetail": _object(
        PRODUCT
        | {
            "variants": {**_array(_ref("Variant")), "minItems": 1},
            "shop_certificates": {
                **_array(_ref("Certificate")),
                "description": (
                    "Verified, unexpired certificates of the member's whole shop (e.g. Laik "
                    "Higiene of the place of production): about the shop, not a claim about "
                    "this product. Fixed order as `certificates`, Laik Higiene last."
                ),
            },
        }
    ),
    "Facet": _object({"slug": TEXT, "name": TEXT, "count": COUNT}),
    "ProductPage": _object(
        {
            "items": _array(_ref("Product")),
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": COUNT,
            "facets": _object(
                {"categories": _array(_ref("Facet")), "kecamatan": _array(_ref("Facet"))}
            ),
            "messages": {
                **_array(TEXT),
                "description": "Why a filter value was ignored or changed, in Indonesian.",
            },
            "suggestion": {
                "type": ["string", "null"],
                "description": "When `q` found nothing: the corrected query whose products "
                'these are ("Maksud Anda …?"); otherwise null.',
            },
        }
    ),
    "Category": _object(
        {"id": ID, "name": TEXT, "slug": TEXT, "description": TEXT, "product_count": COUNT}
    ),
    "Kecamatan": _object({"id": ID, "name": TEXT, "slug": TEXT, "product_count": COUNT}),
}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BAD_REQUEST = _json(_ref("Error"), "A control character in the address or the query string.")

PRODUCT_FILTERS = [
    _query(
        "q", QUERY_TEXT, "Search words in name and description (word prefixes, all must match)."
    ),
    _query("kategori", QUERY_TEXT, "Category slug."),
    _query("kecamatan", QUERY_TEXT, "Kecamatan slug."),
    _query(
        "harga_min",
        {"type": "integer", "minimum": 0, "maximum": MAX_PRICE},
        "Lowest price in rupiah: products with a variant at or above it.",
    ),
    _query(
        "harga_max",
        {"type": "integer", "minimum": 0, "maximum": MAX_PRICE},
        "Highest price in rupiah: products with a variant at or below it.",
    ),
    _query("tersedia", {"type": "boolean"}, "Only products in stock (`1`, `ya`, `true`, `on`)."),
    _query(
        "sertifikat",
        PRODUCT_CERTIFICATE_KIND,
        "Only products with a verified, unexpired certificate of this kind that names them, "
        "or of their shop and checked by the association to cover them (as `certificates`).",
    ),
    _query(
        "urut",
        {"type": "string", "enum": [s.value for s in Sort]},
        "Sort order; with `q` the default is `relevan` (best match first), else `terbaru`.",
    ),
    _query("antar", QUERY_TEXT, "Kecamatan slug: only products whose member delivers there."),
    _query(
        "bintang",
        {"type": "integer", "minimum": 1, "maximum": 5},
        "Only products whose visible reviews average at least this many stars (`4`: ★4 and up).",
    ),
    _query("hal", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number."),
    _query(
        "per_halaman",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Page size.",
    ),
]

DOCUMENT: Schema = {
    "openapi": "3.0.3",
    "info": {
        "title": "Pasar Aspikmas API",
        "version": "1",
        "description": (
            "Read-only catalog of Pasar Aspikmas, the marketplace of the UMKM association of "
            "Kabupaten Banyumas. Only public products (active, of an approved member) appear. "
            "Money is whole rupiah. A bad filter value never fails a request: it is ignored "
            "and the `messages` of the answer say why. A page number past the last page is "
            "not found (404)."
        ),
    },
    "paths": {
        "/api/v1/products": {
            "get": {
                "operationId": "listProducts",
                "summary": "Public products, filtered and paginated, with facet counts",
                "parameters": PRODUCT_FILTERS,
                "responses": {
                    "200": _json(_ref("ProductPage"), "One page of products."),
                    "400": BAD_REQUEST,
                    "404": _json(
                        _ref("Error"),
                        "`hal` is past the last page; `error` says which page is the last.",
                    ),
                },
            }
        },
        "/api/v1/products/{product_id}": {
            "get": {
                "operationId": "getProduct",
                "summary": "One public product with its variants and images",
                "parameters": [
                    {
                        "name": "product_id",
                        "in": "path",
                        "required": True,
                        "schema": {**ID, "maximum": MAX_INTEGER},
                    }
                ],
                "responses": {
                    "200": _json(_ref("ProductDetail"), "The product."),
                    "400": BAD_REQUEST,
                    "404": _json(_ref("Error"), "No public product has this id."),
                },
            }
        },
        "/api/v1/categories": {
            "get": {
                "operationId": "listCategories",
                "summary": "Categories with their number of public products",
                "responses": {"200": _json(_array(_ref("Category")), "Every category.")},
            }
        },
        "/api/v1/kecamatan": {
            "get": {
                "operationId": "listKecamatan",
                "summary": "The 27 kecamatan of Banyumas with their number of public products",
                "responses": {"200": _json(_array(_ref("Kecamatan")), "Every kecamatan.")},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.0 document.")},
            }
        },
    },
    "components": {"schemas": SCHEMAS},
}
