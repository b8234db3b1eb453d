"""Where people land: a new shopper sent from checkout to register comes back
to checkout with their cart (through the login and the emailed link, in
either order), never to another site; after logging in with nowhere asked
for, the treasurer, the admin and the member land on their own pages."""

import re
from html import unescape

import pytest

from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests.accounts.test_verification import SECRET, link_in_last_email
from tests.factories import PASSWORD, MemberFactory, UserFactory
from tests.orders.helpers import deliver_to, variant

pytestmark = pytest.mark.usefixtures("app_context")

CHECKOUT = "/checkout"
FROM_CHECKOUT = "/akun/masuk?next=%2Fcheckout"
SITI = {
    "name": "Siti Aminah",
    "email": "siti@contoh.id",
    "whatsapp": "0812-3456-7890",
    "password": "gula-kelapa-1",
    "password_confirmation": "gula-kelapa-1",
}


@pytest.fixture
def guest_with_a_cart(client):
    """A visitor who put 2 bags of keripik in their cart and pressed checkout."""
    keripik = variant(stock=5)
    keripik.product.name = "Keripik Tempe Sagu"
    deliver_to(keripik.product.member)
    db.session.commit()
    client.post("/keranjang/tambah", data={"variant_id": keripik.id, "quantity": 2})
    sent = client.get(CHECKOUT)
    assert sent.headers["Location"] == FROM_CHECKOUT
    return client


def register_from_the_login_page(client) -> str:
    """Follow "Daftar sekarang" from the login page checkout sent us to, and
    register; returns where the form sends the new shopper."""
    login_page = client.get(FROM_CHECKOUT).text
    (register_link,) = re.findall(r'<a href="([^"]+)">Daftar sekarang</a>', login_page)
    assert unescape(register_link) == "/akun/daftar?next=/checkout"
    form = client.get(unescape(register_link)).text
    assert 'action="/akun/daftar?next=/checkout"' in form
    assert 'href="/akun/masuk?next=/checkout">Masuk</a>' in form
    registered = client.post(unescape(register_link), data=SITI)
    assert registered.status_code == 302
    return registered.headers["Location"]


def log_in(client, query: str = "", password: str = SITI["password"]) -> str:
    response = client.post(
        f"/akun/masuk{query}", data={"email": SITI["email"], "password": password}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def assert_at_checkout_with_the_cart(client) -> None:
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    assert "Keripik Tempe Sagu" in page.text


def test_register_log_in_then_verify_comes_back_to_checkout(guest_with_a_cart):
    client = guest_with_a_cart
    assert register_from_the_login_page(client) == "/akun/masuk?next=/checkout"
    assert log_in(client, "?next=/checkout") == CHECKOUT
    assert client.get(CHECKOUT).headers["Location"] == "/akun/verifikasi"  # email first

    verified = client.get(link_in_last_email(SITI["email"]))
    assert verified.headers["Location"] == CHECKOUT
    assert_at_checkout_with_the_cart(client)


def test_register_verify_then_log_in_comes_back_to_checkout(guest_with_a_cart):
    client = guest_with_a_cart
    assert register_from_the_login_page(client) == "/akun/masuk?next=/checkout"

    verified = client.get(link_in_last_email(SITI["email"]))
    assert verified.headers["Location"] == "/akun/masuk?next=/checkout"
    assert log_in(client, "?next=/checkout") == CHECKOUT
    assert_at_checkout_with_the_cart(client)


OFF_SITE = [
    "//evil.com",
    "///evil.com",
    "https://evil.com/checkout",
    "/\\evil.com",
    "/\t/evil.com",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("next_path", OFF_SITE)
def test_register_never_sends_anyone_off_site(client, next_path):
    query = {"next": next_path}
    form = client.get("/akun/daftar", query_string=query).text
    assert "evil" not in form and "javascript" not in form
    registered = client.post("/akun/daftar", query_string=query, data=SITI)
    assert registered.headers["Location"] == "/akun/masuk"
    verified = client.get(link_in_last_email(SITI["email"]))
    assert verified.headers["Location"] == "/akun/masuk"


@pytest.mark.parametrize("next_path", OFF_SITE)
def test_a_forged_return_in_the_session_is_ignored_too(client, next_path):
    siti = UserFactory(email=SITI["email"], email_verified_at=None)
    db.session.commit()
    with client.session_transaction() as session:
        session["return_to"] = next_path
    verified = client.get(
        f"/akun/verifikasi/{tokens.make_verify_token(user=siti, secret_key=SECRET)}"
    )
    assert verified.headers["Location"] == "/akun/masuk"


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ([Role.SHOPPER], "/"),
        ([Role.MEMBER], "/kelola"),
        ([Role.TREASURER], "/bendahara"),
        ([Role.ADMIN], "/pengurus"),
        ([Role.MEMBER, Role.TREASURER], "/bendahara"),
        ([Role.MEMBER, Role.ADMIN], "/pengurus"),
    ],
    ids=["shopper", "member", "treasurer", "admin", "member-treasurer", "member-admin"],
)
def test_each_role_lands_on_its_own_page(client, roles, landing):
    UserFactory(email=SITI["email"], roles=roles)
    db.session.commit()
    assert log_in(client, password=PASSWORD) == landing
    assert client.get("/akun/masuk").headers["Location"] == landing  # already in
    assert client.get("/akun/daftar").headers["Location"] == landing


def test_a_page_asked_for_wins_over_the_landing(client):
    UserFactory(email=SITI["email"], roles=[Role.MEMBER])
    db.session.commit()
    assert log_in(client, "?next=%2Fproduk%3Fq%3Dgula", PASSWORD) == "/produk?q=gula"


def test_a_member_lands_on_their_dashboard_not_elsewhere(client):
    """The whole way: the login form, then the dashboard answers."""
    MemberFactory(user=UserFactory(email=SITI["email"], name="Siti", roles=[Role.MEMBER]))
    db.session.commit()
    response = client.post(
        "/akun/masuk", data={"email": SITI["email"], "password": PASSWORD}, follow_redirects=True
    )
    assert response.request.path == "/kelola"
    assert "Halo, Siti! Anda sudah masuk." in response.text
