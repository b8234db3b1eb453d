"""Certificates in API v1: the badges of each product (`certificates`), of
its shop (`shop_certificates` of the detail) and the `sertifikat` filter,
checked against the OpenAPI document."""

import pytest

from marketplace.api.openapi import DOCUMENT
from marketplace.catalog.models import PRODUCT_KINDS, CertificateKind, CertificateStatus
from marketplace.extensions import db
from tests.api.conftest import Catalog
from tests.catalog.certificate_data import certificate, days_from_today

pytestmark = pytest.mark.usefixtures("app_context")

LIST = "/api/v1/products"
DETAIL = "/api/v1/products/{product_id}"


@pytest.fixture
def certified(catalog: Catalog) -> Catalog:
    """Keripik Bu Sri's shop is Halal and covers keripik and batik (verified),
    and has Laik Higiene; keripik has its own P-IRT; gula's P-IRT has
    expired and its BPOM ML is pending."""
    sokaraja, cilongok = catalog.keripik.member, catalog.gula.member
    certificate(
        sokaraja,
        kind=CertificateKind.HALAL,
        number="ID3311",
        expires_on=days_from_today(0),
        covers=[catalog.keripik, catalog.batik],
    )
    certificate(sokaraja, kind=CertificateKind.LAIK_HIGIENE, number="440/1/LH")
    certificate(sokaraja, product=catalog.keripik, kind=CertificateKind.PIRT)
    certificate(
        cilongok, product=catalog.gula, kind=CertificateKind.PIRT, expires_on=days_from_today(-1)
    )
    certificate(cilongok, kind=CertificateKind.BPOM_ML, status=CertificateStatus.PENDING)
    hidden = catalog.hidden[0]  # a draft of the Halal shop
    certificate(hidden.member, product=hidden, kind=CertificateKind.BPOM_MD)
    db.session.commit()
    return catalog


def by_id(response) -> dict[int, dict]:
    return {item["id"]: item for item in response.json["items"]}


def test_items_carry_their_badges(certified: Catalog, get_valid):
    items = by_id(get_valid(LIST, operation=LIST))

    halal = {
        "kind": "halal",
        "name": "Halal",
        "number": "ID3311",
        "issuer": "Dinas Kesehatan Kabupaten Banyumas",
        "expires_on": days_from_today(0).isoformat(),
    }
    assert [c["kind"] for c in items[certified.keripik.id]["certificates"]] == ["pirt", "halal"]
    assert items[certified.keripik.id]["certificates"][1] == halal
    assert items[certified.batik.id]["certificates"] == [halal]
    assert items[certified.gula.id]["certificates"] == []


def test_detail_carries_the_same_badges(certified: Catalog, get_valid, client):
    url = f"/api/v1/products/{certified.keripik.id}"
    detail = get_valid(url, operation=DETAIL).json
    listed = by_id(client.get(LIST))[certified.keripik.id]
    assert detail["certificates"] == listed["certificates"]
    assert [c["name"] for c in detail["shop_certificates"]] == ["Halal", "Laik Higiene"]
    gula = get_valid(f"/api/v1/products/{certified.gula.id}", operation=DETAIL).json
    assert (gula["certificates"], gula["shop_certificates"]) == ([], [])


def test_a_shop_certificate_alone_badges_no_product(certified: Catalog, get_valid):
    """The shop's Laik Higiene shows on the detail as the shop's, on no product."""
    items = by_id(get_valid(LIST, operation=LIST))
    assert all("laik-higiene" not in str(item["certificates"]) for item in items.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sertifikat": "halal"}, ["keripik", "batik"]),
        ({"sertifikat": "pirt"}, ["keripik"]),
        ({"sertifikat": "bpom-ml"}, []),
        ({"sertifikat": "bpom-md"}, []),  # only on a draft: never public
        ({"sertifikat": " Halal ", "kategori": "batik-fashion"}, ["batik"]),
        ({"sertifikat": "halal", "kecamatan": "cilongok"}, []),
        ({"sertifikat": "halal", "tersedia": "1", "q": "keripik"}, ["keripik"]),
    ],
)
def test_filter_by_certificate(certified: Catalog, get_valid, query, expected):
    response = get_valid(LIST, operation=LIST, query_string=query)
    assert sorted(by_id(response)) == sorted(getattr(certified, name).id for name in expected)
    assert response.json["total"] == len(expected)
    assert response.json["messages"] == []


def test_facets_count_within_the_certificate_filter(certified: Catalog, get_valid):
    body = get_valid(LIST, operation=LIST, query_string={"sertifikat": "halal"}).json
    categories = {facet["slug"]: facet["count"] for facet in body["facets"]["categories"]}
    kecamatan = {facet["slug"]: facet["count"] for facet in body["facets"]["kecamatan"]}
    assert (categories["makanan-minuman"], categories["batik-fashion"]) == (1, 1)
    assert categories["pertanian-perkebunan"] == 0
    assert (kecamatan["sokaraja"], kecamatan["cilongok"]) == (2, 0)


@pytest.mark.parametrize("raw", ["sni", "p-irt", "halal;drop table", "²"])
def test_unknown_certificate_is_ignored_with_a_message(certified: Catalog, get_valid, raw):
    body = get_valid(LIST, operation=LIST, query_string={"sertifikat": raw}).json
    assert body["total"] == 3
    assert body["messages"] == ["Jenis sertifikat tidak dikenal; filter sertifikat diabaikan."]


def test_a_shop_only_certificate_is_no_product_filter(certified: Catalog, client):
    body = client.get(LIST, query_string={"sertifikat": "laik-higiene"}).json
    assert body["total"] == 3
    assert body["messages"] == [
        (
            "Laik Higiene adalah sertifikat tempat produksi (toko), bukan produk; "
            "filter sertifikat diabaikan."
        )
    ]


def test_document_describes_the_filter_and_the_badges():
    parameters = DOCUMENT["paths"]["/api/v1/products"]["get"]["parameters"]
    sertifikat = next(p for p in parameters if p["name"] == "sertifikat")
    assert sertifikat["schema"]["enum"] == [kind.value for kind in PRODUCT_KINDS]
    assert "laik-higiene" not in sertifikat["schema"]["enum"]
    schemas = DOCUMENT["components"]["schemas"]
    assert "certificates" in schemas["Product"]["required"]
    assert "certificates" in schemas["ProductDetail"]["required"]
    assert "shop_certificates" in schemas["ProductDetail"]["required"]
    assert schemas["Certificate"]["properties"]["kind"]["enum"] == [
        k.value for k in CertificateKind
    ]
