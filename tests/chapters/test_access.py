"""Who may open what under /cabang, built from the URL map: an officer of
Ajibarang reads Ajibarang only; Kedungbanteng's dashboard, files and
applications are a 404 for them, as for a removed officer, a member and a
shopper; an admin reads every chapter but recommends on none; nobody is
sent to the login page. A refused request writes nothing."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Product, ProductChange, ProductImage, ProductVariant
from marketplace.chapters.models import ChapterRecommendation
from marketplace.extensions import db
from marketplace.members.models import Member, MemberDecision
from tests.chapters.helpers import make_cast
from tests.factories import category
from tests.members.helpers import routes_of

PEOPLE = (
    "officer_here",
    "officer_there",
    "removed",
    "member",
    "mentor",
    "shopper",
    "anonymous",
    "admin",
)
LOGIN = (302, "/akun/masuk")
# The mentor is paired with Ajibarang's member: still nothing under /cabang.
OUTSIDERS = {"officer_there": 404, "removed": 404, "member": 404, "mentor": 404, "shopper": 404}
READ = {"officer_here": 200, "admin": 200, "anonymous": LOGIN} | OUTSIDERS
RECOMMENDATION = {"verdict": "approve", "reason": "Usahanya sudah berjalan dua tahun."}

PHOTO_RULE = (
    "/cabang/<slug>/anggota/<int:member_id>/produk/<int:product_id>/foto/<int:photo_id>/<action>"
)
EDIT = {
    "name": "Gula Kelapa Cetak",
    "category_id": "{category}",
    "unit": "pcs",
    "status": "active",
    "variants-0-variant_id": "{variant}",
    "variants-0-stock_seen": "3",
    "variants-0-name": "Standar",
    "variants-0-price": "17.000",
    "variants-0-stock": "5",
}

# (rule, method) -> (URL on Ajibarang's objects, form data, {person: expected})
MATRIX = {
    ("/cabang", "GET"): (
        "/cabang",
        {},
        {
            "officer_here": (302, "/cabang/ajibarang"),
            "officer_there": (302, "/cabang/kedungbanteng"),
            "removed": 403,
            "member": 403,
            "mentor": 403,
            "shopper": 403,
            "anonymous": LOGIN,
            "admin": 200,
        },
    ),
    ("/cabang/<slug>", "GET"): ("/cabang/ajibarang", {}, READ),
    ("/cabang/<slug>/anggota.csv", "GET"): ("/cabang/ajibarang/anggota.csv", {}, READ),
    ("/cabang/<slug>/penjualan.csv", "GET"): ("/cabang/ajibarang/penjualan.csv", {}, READ),
    ("/cabang/<slug>/pengajuan/<int:member_id>", "GET"): (
        "/cabang/ajibarang/pengajuan/{applicant}",
        {},
        READ,
    ),
    ("/cabang/<slug>/pengajuan/<int:member_id>/<action>", "POST"): (
        "/cabang/ajibarang/pengajuan/{applicant}/rekomendasi",
        RECOMMENDATION,
        # The admin reads the chapter but is no officer: the service refuses.
        READ | {"officer_here": (302, "/cabang/ajibarang/pengajuan/{applicant}"), "admin": 400},
    ),
    ("/cabang/<slug>/anggota/<int:member_id>", "GET"): (
        "/cabang/ajibarang/anggota/{member}",
        {},
        READ,
    ),
    # Assisted selling: the officer of the member's kecamatan only (the admin is no officer).
    ("/cabang/<slug>/anggota/<int:member_id>/produk", "POST"): (
        "/cabang/ajibarang/anggota/{member}/produk",
        {
            "name": "Gula Semut 500 g",
            "category_id": "{category}",
            "unit": "pcs",
            "price": "25000",
            "stock": "12",
        },
        READ | {"officer_here": (302, "/cabang/ajibarang/anggota/{member}"), "admin": 400},
    ),
    ("/cabang/<slug>/anggota/<int:member_id>/stok", "POST"): (
        "/cabang/ajibarang/anggota/{member}/stok",
        {"variant_id": "{variant}", "stock": "7"},
        READ | {"officer_here": (302, "/cabang/ajibarang/anggota/{member}"), "admin": 400},
    ),
    # Editing the member's listing with the member's own product form.
    ("/cabang/<slug>/anggota/<int:member_id>/produk/<int:product_id>", "GET"): (
        "/cabang/ajibarang/anggota/{member}/produk/{product}",
        {},
        READ,
    ),
    ("/cabang/<slug>/anggota/<int:member_id>/produk/<int:product_id>", "POST"): (
        "/cabang/ajibarang/anggota/{member}/produk/{product}",
        EDIT,
        READ
        | {
            "officer_here": (302, "/cabang/ajibarang/anggota/{member}/produk/{product}"),
            "admin": 400,
        },
    ),
    (PHOTO_RULE, "POST"): (
        "/cabang/ajibarang/anggota/{member}/produk/{product}/foto/{photo}/hapus",
        {},
        READ
        | {
            "officer_here": (302, "/cabang/ajibarang/anggota/{member}/produk/{product}"),
            "admin": 400,
        },
    ),
}


def written() -> tuple:
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (
            ChapterRecommendation,
            MemberDecision,
            OutboxEmail,
            AuditEvent,
            Product,
            ProductChange,
        )
    )
    photos = db.session.execute(
        select(ProductImage.id, ProductImage.position).order_by(ProductImage.id)
    ).all()
    names = db.session.execute(select(Product.id, Product.name, Product.status)).all()
    stock = db.session.execute(
        select(ProductVariant.id, ProductVariant.stock).order_by(ProductVariant.id)
    ).all()
    return (
        counts,
        stock,
        photos,
        names,
        db.session.execute(select(Member.id, Member.status).order_by(Member.id)).all(),
    )


def concrete(text: str, cast: dict) -> str:
    return text.format(
        applicant=cast["applicant"].id,
        other=cast["other_applicant"].id,
        member=cast["member"].id,
        other_member=cast["other_member"].id,
        variant=cast["variant"].id,
        other_variant=cast["other_variant"].id,
        product=cast["product"].id,
        other_product=cast["other_variant"].product_id,
        photo=cast["photo_id"],
        category=category().id,
    )


def log_in(login_as, cast: dict, who: str) -> None:
    if who == "anonymous":
        return
    person = cast[who]
    login_as(person.user if isinstance(person, Member) else person)


def test_the_matrix_covers_every_chapter_route(app):
    assert routes_of(app, "chapters") == set(MATRIX)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("rule", "method"), list(MATRIX))
def test_access_matrix(client, login_as, rule, method, who):
    cast = make_cast()
    log_in(login_as, cast, who)
    url, data, expected = MATRIX[(rule, method)]
    before = written()
    data = {key: concrete(value, cast) for key, value in data.items()}
    response = client.open(concrete(url, cast), method=method, data=data)
    status, location = expected[who] if isinstance(expected[who], tuple) else (expected[who], None)
    assert response.status_code == status
    if location:
        assert urlsplit(response.headers["Location"]).path == concrete(location, cast)
    if status != 302 or who == "anonymous":
        assert written() == before
    assert "0123987654321" not in response.text


KEDUNGBANTENG = [
    ("GET", "/cabang/kedungbanteng"),
    ("GET", "/cabang/kedungbanteng/anggota.csv"),
    ("GET", "/cabang/kedungbanteng/penjualan.csv"),
    ("GET", "/cabang/kedungbanteng/pengajuan/{other}"),
    ("POST", "/cabang/kedungbanteng/pengajuan/{other}/rekomendasi"),
    ("POST", "/cabang/kedungbanteng/pengajuan/{other}/putuskan"),
    ("GET", "/cabang/kedungbanteng/anggota/{other_member}"),
    ("POST", "/cabang/kedungbanteng/anggota/{other_member}/produk"),
    ("POST", "/cabang/kedungbanteng/anggota/{other_member}/stok"),
    ("GET", "/cabang/kedungbanteng/anggota/{other_member}/produk/{other_product}"),
    ("POST", "/cabang/kedungbanteng/anggota/{other_member}/produk/{other_product}"),
    # Kedungbanteng's member and application through Ajibarang's own chapter.
    ("GET", "/cabang/ajibarang/anggota/{other_member}"),
    ("POST", "/cabang/ajibarang/anggota/{other_member}/produk"),
    ("POST", "/cabang/ajibarang/anggota/{other_member}/stok"),
    ("GET", "/cabang/ajibarang/anggota/{other_member}/produk/{other_product}"),
    ("POST", "/cabang/ajibarang/anggota/{other_member}/produk/{other_product}"),
    # Kedungbanteng's product through Ajibarang's member.
    ("GET", "/cabang/ajibarang/anggota/{member}/produk/{other_product}"),
    ("POST", "/cabang/ajibarang/anggota/{member}/produk/{other_product}"),
    ("GET", "/cabang/ajibarang/pengajuan/{other}"),
    ("POST", "/cabang/ajibarang/pengajuan/{other}/rekomendasi"),
    ("POST", "/cabang/ajibarang/pengajuan/{other}/putuskan"),
]


@pytest.mark.parametrize(("method", "url"), KEDUNGBANTENG)
def test_an_officer_of_ajibarang_gets_nothing_of_kedungbanteng(client, login_as, method, url):
    cast = make_cast()
    login_as(cast["officer_here"])
    before = written()
    data = RECOMMENDATION | {"variant_id": str(cast["other_variant"].id), "stock": "1"}
    data |= {"name": "Curian", "category_id": str(category().id), "unit": "pcs", "price": "1"}
    data |= {key: concrete(value, cast) for key, value in EDIT.items() if key.startswith("var")}
    data["variants-0-variant_id"] = str(cast["other_variant"].id)
    response = client.open(concrete(url, cast), method=method, data=data)
    assert response.status_code == 404
    assert "Mendoan Kedung" not in response.text and "Nopia" not in response.text
    assert written() == before


@pytest.mark.parametrize(
    "url",
    [
        "/cabang/tidak-ada",
        "/cabang/ajibarang/pengajuan/999999",
        "/cabang/ajibarang/pengajuan/{applicant}/hapus",
        "/cabang/ajibarang/anggota/{member}/produk/999999",
        "/cabang/ajibarang/anggota/{member}/produk/{product}/foto/999999/hapus",
        "/cabang/ajibarang/anggota/{member}/produk/{product}/foto/{photo}/putar",
    ],
)
def test_unknown_things_are_404(client, login_as, url):
    cast = make_cast()
    login_as(cast["officer_here"])
    method = "POST" if url.endswith(("hapus", "putar")) else "GET"
    assert client.open(concrete(url, cast), method=method).status_code == 404
