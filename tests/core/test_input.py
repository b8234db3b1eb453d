"""What no request may carry (core/input.py): control characters anywhere
but uploaded files and text areas' line breaks, and ids no column can hold.
Each is refused before a view reads it, with the Indonesian error page (or
the API's JSON), so PostgreSQL never sees a NUL nor an id past 2^31-1."""

import io

import pytest
from werkzeug.routing import IntegerConverter

from marketplace.accounts.models import Role
from marketplace.catalog.models import ProductImage
from marketplace.extensions import db
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper, variant
from tests.security import files

pytestmark = pytest.mark.usefixtures("app_context")

REFUSED = "Permintaan tidak dapat diproses. Periksa kembali isian Anda."
NOT_FOUND = "Halaman yang Anda cari tidak ditemukan."


@pytest.fixture
def order(app):
    buyer = shopper()
    placed = checkout(buyer, cart_with(buyer, (variant(), 1)))
    db.session.commit()
    return placed


@pytest.mark.parametrize(
    "address",
    [
        "/pesanan/%00",
        "/pesanan/PA-%00/batal",
        "/pesanan?q=%00",
        "/produk?q=keripik%00",
        "/produk?kategori=%00",
        "/produk?%00=1",
        "/produk?q=%01",
        "/produk?q=a%1Bb",
        "/kecamatan/%00",
        "/toko/%00",
        "/produk/1/a%00b",
        "/media/products/x%00.jpg",
        "/static/%00",
        "/tidak-ada/%0A",
    ],
)
def test_control_characters_in_the_address_are_refused(app, client, login_as, order, address):
    login_as(order.buyer)
    response = client.get(address)
    assert response.status_code == 400
    assert REFUSED in response.text
    assert response.mimetype == "text/html"


def test_the_api_refuses_them_in_json(app, client):
    response = client.get("/api/v1/products?q=%00")
    assert response.status_code == 400
    assert response.json == {"error": REFUSED}


@pytest.mark.postgres
def test_nul_in_a_path_no_longer_reaches_postgresql(app, client, login_as, order):
    """The defect: PostgreSQL refuses NUL in text, so `/pesanan/%00` was a 500."""
    login_as(order.buyer)
    assert client.get("/pesanan/%00").status_code == 400
    assert client.get(f"/pesanan/{order.code}").status_code == 200


@pytest.mark.parametrize("value", ["Sri\x00Lestari", "Sri\x07", "\x1b[31m", "a\x0cb"])
def test_control_characters_in_a_form_are_refused(app, client, value):
    response = client.post("/akun/daftar", data={"name": value, "email": "sri@contoh.id"})
    assert response.status_code == 400
    assert REFUSED in response.text


def test_control_characters_in_a_field_name_are_refused(app, client):
    response = client.post("/akun/masuk", data={"email\x00": "sri@contoh.id"})
    assert response.status_code == 400


def test_line_breaks_and_tabs_of_a_text_area_go_through(app, client, login_as, order):
    login_as(order.buyer)
    response = client.get("/produk?q=keripik%09tempe")
    assert response.status_code == 200
    response = client.post(
        "/checkout",
        data={"address": "Jl. Soedirman 12\r\nRT 02/RW 03\tbelakang masjid", "hitung": "1"},
    )
    assert response.status_code == 200


def test_uploaded_files_are_not_read_for_control_characters(app, client, login_as):
    member = factories.MemberFactory()
    product = factories.ProductFactory(member=member)
    db.session.commit()
    login_as(member.user)
    picture = files.picture("PNG")
    assert b"\x00" in picture
    response = client.post(
        f"/kelola/produk/{product.id}/foto",
        data={"photos": [(io.BytesIO(picture), "foto.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(ProductImage.id))) == 1


# --- ids in addresses ------------------------------------------------------------


@pytest.mark.parametrize("member_id", [str(2**31), str(2**63), str(10**20), "9" * 5000])
def test_an_id_no_column_can_hold_is_not_found(app, client, login_as, member_id):
    """The defect: `/pengurus/anggota/2147483648` was a 500 on PostgreSQL
    (integer out of range), and 2^63 one on SQLite too."""
    login_as(Role.ADMIN)
    response = client.get(f"/pengurus/anggota/{member_id}")
    assert response.status_code == 404
    assert NOT_FOUND in response.text
    response = client.post(f"/pengurus/komisi/kategori/{member_id}", data={"kategori-1-rate": "5"})
    assert response.status_code == 404


@pytest.mark.parametrize("digits", ["١", "١٢٣", "１２３", "²", "+1", "1.0"])
def test_only_ascii_digits_make_an_id(app, client, digits):
    product = factories.ProductFactory()
    db.session.commit()
    assert client.get(f"/produk/{product.id}").status_code == 301
    # Werkzeug's own `int` read `/produk/١` as product 1.
    assert client.get(f"/produk/{digits}").status_code == 404


def test_the_largest_id_still_routes(app, client, login_as):
    login_as(Role.ADMIN)
    assert client.get(f"/pengurus/anggota/{2**31 - 1}").status_code == 404  # no such member
    member = factories.MemberFactory()
    db.session.commit()
    assert client.get(f"/pengurus/anggota/{member.id}").status_code == 200
    assert client.get(f"/pengurus/anggota/000{member.id}").status_code == 200


def test_every_int_in_the_url_map_is_bounded(app):
    ints = [
        (rule.rule, converter)
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if isinstance(converter, IntegerConverter)
    ]
    assert len(ints) > 20
    for where, converter in ints:
        assert (converter.regex, converter.max) == ("[0-9]+", 2**31 - 1), where
