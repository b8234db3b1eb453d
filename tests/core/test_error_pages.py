"""The 500 page after a failed save or a lost database connection: the
person sees the shop's Indonesian page, not the server's bare English one,
even when logged in (the menu reads their roles from the database)."""

import pytest
from flask import Blueprint
from sqlalchemy import text

from marketplace import ERROR_PAGES
from marketplace.accounts.models import Role, User
from marketplace.core import outages
from marketplace.extensions import db
from tests import factories

broken = Blueprint("broken", __name__, url_prefix="/uji-rusak")


@broken.get("/simpan")
def failed_save():
    """A statement fails mid-request: PostgreSQL aborts the transaction, and
    anything the session asks next is refused until it rolls back."""
    db.session.execute(text("SELECT * FROM tabel_yang_tidak_ada"))
    return "tidak sampai"


@broken.get("/koneksi")
def lost_connection():
    raise RuntimeError("the connection went away")


@pytest.fixture
def broken_app(make_app, monkeypatch):
    monkeypatch.setattr(outages, "_down", {})
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # as in production: the handler answers
    app.register_blueprint(broken)
    with app.app_context():
        yield app


def test_a_failed_save_shows_the_indonesian_page_to_a_logged_in_member(broken_app, login_as):
    client = broken_app.test_client()
    factories.log_in(client, factories.UserFactory(roles=[Role.MEMBER]))

    response = client.get("/uji-rusak/simpan")

    assert response.status_code == 500
    assert ERROR_PAGES[500] in response.text
    assert "Pesanan masuk" in response.text  # the member's menu: the session was usable again


def test_without_the_database_the_page_needs_nothing_but_static_files(
    broken_app, monkeypatch, caplog
):
    client = broken_app.test_client()
    factories.log_in(client, factories.UserFactory(roles=[Role.MEMBER]))

    def gone(*args, **kwargs):
        raise ConnectionError("server closed the connection unexpectedly")

    # The connection is lost: rolling back fails, and so does the menu's read of the roles.
    monkeypatch.setattr(db.session, "rollback", gone)
    monkeypatch.setattr(User, "has_role", gone)

    answers = [client.get("/uji-rusak/koneksi") for _ in range(2)]

    assert [response.status_code for response in answers] == [500, 500]
    assert all(ERROR_PAGES[500] in response.text for response in answers)
    assert all("Kembali ke beranda" in response.text for response in answers)
    said = [record for record in caplog.records if record.name == "marketplace.outages"]
    assert len(said) == 1 and "Basis data" in said[0].getMessage()
