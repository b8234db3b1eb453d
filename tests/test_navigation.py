"""The top bar and its menu (templates/base.html): each role sees first what
it uses; the cart sits outside the collapsed menu with its count; a skip
link leads past the menu; /favicon.ico is a real icon."""

import io
import re

import pytest
from PIL import Image

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.orders.helpers import cart_with, variant

pytestmark = pytest.mark.usefixtures("app_context")


def menu(page: str) -> list[str]:
    """The words of the collapsed menu's links and buttons, in order."""
    block = page.split('<div class="collapse navbar-collapse" id="menu">', 1)[1]
    block = block.split("</nav>", 1)[0]
    return [
        " ".join(words.split())
        for words in re.findall(r'class="(?:btn btn-link )?nav-link"[^>]*>([^<]+)<', block)
    ]


def top_bar_cart(page: str) -> str | None:
    """The accessible name of the cart link in the top bar, if there is one."""
    bar = page.split('<div class="collapse navbar-collapse" id="menu">', 1)[0]
    found = re.search(r'<a class="nav-cart" href="/keranjang"\s+aria-label="([^"]+)"', bar)
    return found[1] if found else None


def home_as(client, login_as, roles: list[Role]) -> str:
    login_as(factories.UserFactory(roles=roles))
    return client.get("/").text


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (
            [Role.SHOPPER],
            ["Semua produk", "Kecamatan", "Pesanan saya", "Akun saya", "Daftar jadi anggota"],
        ),
        (
            [Role.TREASURER],
            ["Bendahara", "Semua produk", "Kecamatan", "Pesanan saya", "Keranjang", "Akun saya"],
        ),
        (
            [Role.ADMIN],
            ["Pengurus", "Semua produk", "Kecamatan", "Pesanan saya", "Keranjang", "Akun saya"],
        ),
        (
            [Role.ADMIN, Role.TREASURER],
            ["Bendahara", "Pengurus", "Semua produk", "Kecamatan", "Pesanan saya", "Keranjang"],
        ),
    ],
    ids=["shopper", "treasurer", "admin", "admin-treasurer"],
)
def test_each_role_sees_first_what_it_uses(client, login_as, roles, expected):
    page = home_as(client, login_as, roles)
    assert menu(page)[: len(expected)] == expected
    assert menu(page)[-1] == "Keluar"


def test_a_member_sees_their_shop_first(client, login_as):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    page = client.get("/").text
    assert menu(page)[:5] == ["Kelola toko", "Pesanan masuk", "Ulasan", "Saldo", "Semua produk"]
    assert "Daftar jadi anggota" not in menu(page) and "Keranjang" not in menu(page)
    assert top_bar_cart(page) == "Keranjang, kosong"


@pytest.mark.parametrize("roles", [[Role.TREASURER], [Role.ADMIN]], ids=["treasurer", "admin"])
def test_the_association_staff_get_no_shopping_up_front(client, login_as, roles):
    page = home_as(client, login_as, roles)
    assert top_bar_cart(page) is None
    assert "Daftar jadi anggota" not in page
    assert menu(page).index("Keranjang") > menu(page).index("Pesanan saya")


def test_staff_with_an_application_still_find_it(client, login_as):
    application = factories.MemberFactory(
        user=factories.UserFactory(roles=[Role.ADMIN]), status=MemberStatus.PENDING
    )
    db.session.commit()
    login_as(application.user)
    assert "Keanggotaan saya" in menu(client.get("/").text)


def test_visitors_see_the_cart_masuk_and_daftar(client):
    page = client.get("/").text
    assert top_bar_cart(page) == "Keranjang, kosong"
    assert menu(page) == ["Semua produk", "Kecamatan", "Masuk", "Daftar"]


def test_the_top_bar_counts_the_pieces_in_the_cart(client, login_as):
    shopper = login_as(Role.SHOPPER)
    cart_with(shopper, (variant(stock=9), 2), (variant(stock=9), 3))
    db.session.commit()
    page = client.get("/produk").text
    assert top_bar_cart(page) == "Keranjang, 5 barang"
    assert re.search(r'<span class="cart-count" aria-hidden="true">5</span>', page)


def test_a_guest_cart_is_counted_too(client):
    keripik = variant(stock=9)
    db.session.commit()
    client.post("/keranjang/tambah", data={"variant_id": keripik.id, "quantity": 4})
    assert top_bar_cart(client.get("/").text) == "Keranjang, 4 barang"


def test_a_skip_link_leads_past_the_menu(client):
    page = client.get("/").text
    body = page.split("<body", 1)[1].split(">", 1)[1].lstrip()
    assert body.startswith(
        '<a class="skip-link visually-hidden-focusable" href="#konten">Lewati ke konten</a>'
    )
    assert '<main id="konten"' in page


def test_favicon_is_a_small_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert len(response.data) < 10_000
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").text
