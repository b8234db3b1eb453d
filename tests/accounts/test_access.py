from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint

from marketplace.accounts.access import role_required, safe_next_path
from marketplace.accounts.models import Role

probe = Blueprint("probe", __name__, url_prefix="/uji")


@probe.route("/kas")
@role_required(Role.TREASURER)
def cash_book():
    return "buku kas"


@probe.route("/pengelola")
@role_required(Role.ADMIN, Role.TREASURER)
def managers():
    return "pengelola"


@pytest.fixture
def app(make_app):
    """An app of the module's own, with the probe's routes."""
    app = make_app()
    app.register_blueprint(probe)
    return app


@pytest.fixture
def probe_client(client):
    return client


def test_anonymous_user_is_sent_to_login(probe_client):
    response = probe_client.get("/uji/kas?bulan=11")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/akun/masuk"
    assert parse_qs(location.query) == {"next": ["/uji/kas?bulan=11"]}
    with probe_client.session_transaction() as session:
        assert ("warning", "Silakan masuk terlebih dahulu.") in session["_flashes"]


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (Role.SHOPPER, "/uji/kas", 403),
        (Role.MEMBER, "/uji/kas", 403),
        (Role.ADMIN, "/uji/kas", 403),
        (Role.TREASURER, "/uji/kas", 200),
        (Role.SHOPPER, "/uji/pengelola", 403),
        (Role.ADMIN, "/uji/pengelola", 200),
        (Role.TREASURER, "/uji/pengelola", 200),
    ],
)
def test_role_decides_access(probe_client, login_as, role, url, status):
    login_as(role)
    response = probe_client.get(url)
    assert response.status_code == status
    if status == 403:
        assert "Anda tidak memiliki akses ke halaman ini." in response.text


def test_role_required_needs_a_role():
    with pytest.raises(ValueError):
        role_required()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/produk?q=keripik", "/produk?q=keripik"),
        ("/", "/"),
        (None, None),
        ("//evil.com", None),
        ("/\\evil.com", None),
        ("https://evil.com", None),
        ("/\x00/evil.com", None),
    ],
)
def test_safe_next_path(target, expected):
    assert safe_next_path(target) == expected
