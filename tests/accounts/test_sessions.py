"""Logins end when they should: logout ends that device's session and
remember cookies (a copy stops working too), a password change ends the
other devices, a password reset and "keluar dari semua perangkat" end all of
them; every login makes a new remember token, which lasts 30 days."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from marketplace.accounts import tokens
from marketplace.accounts.models import LoginSession, OutboxEmail
from marketplace.accounts.passwords import verify_password
from marketplace.extensions import db
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("app_context")

SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"


def log_in(
    app, email: str = "budi@contoh.id", *, remember: bool = False, agent: str = ""
) -> FlaskClient:
    """A new device (its own cookie jar) logged in through the login page."""
    client = app.test_client()
    response = client.post(
        "/akun/masuk",
        data={"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})},
        headers={"User-Agent": agent} if agent else {},
    )
    assert response.status_code == 302, response.text
    return client


def copy_of(app, client: FlaskClient, *names: str) -> FlaskClient:
    """Another browser holding copies of `client`'s cookies (a stolen cookie)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def is_logged_in(client: FlaskClient) -> bool:
    return "Akun saya" in client.get("/akun/masuk", follow_redirects=True).text


def logins(user) -> list[LoginSession]:
    return db.session.scalars(
        db.select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    ).all()


@pytest.fixture
def budi(app):
    user = UserFactory(email="budi@contoh.id", name="Budi")
    db.session.commit()
    return user


def test_a_login_is_a_row_holding_only_the_secrets_hash(app, budi):
    client = log_in(app, agent="Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile Safari/537")
    with client.session_transaction() as session:
        login_key = session["_user_id"]
    user_id, secret = login_key.split(":")
    assert user_id == str(budi.id)
    (row,) = logins(budi)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.secret_hash
    assert row.user_agent.startswith("Mozilla/5.0 (Linux; Android 13)")
    assert not row.remember
    page = client.get("/akun")
    assert "Chrome di Android" in page.text
    assert "Perangkat ini" in page.text


def test_logout_ends_the_copied_session_cookie_too(app, budi):
    client = log_in(app)
    thief = copy_of(app, client, SESSION_COOKIE)
    assert is_logged_in(thief)
    client.post("/akun/keluar")
    assert not is_logged_in(client)
    assert not is_logged_in(thief)
    assert logins(budi) == []


def test_remember_cookie_lasts_30_days_and_is_new_on_every_login(app, budi):
    first = log_in(app, remember=True)
    second = log_in(app, remember=True)
    one, two = first.get_cookie(REMEMBER_COOKIE), second.get_cookie(REMEMBER_COOKIE)
    assert one.value != two.value
    lifetime = one.expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30)
    (row, _) = logins(budi)
    assert row.remember
    assert (
        timedelta(days=29)
        < row.expires_at.replace(tzinfo=UTC) - datetime.now(UTC)
        <= timedelta(days=30)
    )


def test_remember_cookie_logs_in_a_closed_browser_until_logout(app, budi):
    client = log_in(app, remember=True)
    remembered = client.get_cookie(REMEMBER_COOKIE).value
    later = copy_of(app, client, REMEMBER_COOKIE)  # the session cookie died with the browser
    assert is_logged_in(later)
    client.post("/akun/keluar")
    assert client.get_cookie(REMEMBER_COOKIE) is None
    copied = app.test_client()
    copied.set_cookie(REMEMBER_COOKIE, remembered)
    assert not is_logged_in(copied)  # the remember token ended with the logout
    assert not is_logged_in(later)


def test_password_reset_ends_every_session_and_remember_token(app, budi):
    phone = log_in(app)
    laptop = log_in(app, remember=True)
    remembered = laptop.get_cookie(REMEMBER_COOKIE).value
    token = tokens.make_reset_token(user=budi, secret_key="test-secret")
    stranger = app.test_client()
    response = stranger.post(
        f"/akun/atur-ulang/{token}",
        data={"password": "sandi-baru-123", "password_confirmation": "sandi-baru-123"},
    )
    assert response.headers["Location"] == "/akun/masuk"
    assert not is_logged_in(phone)
    assert not is_logged_in(laptop)
    comeback = app.test_client()
    comeback.set_cookie(REMEMBER_COOKIE, remembered)
    assert not is_logged_in(comeback)
    assert logins(budi) == []
    assert (
        db.session.scalar(
            db.select(OutboxEmail.subject).where(OutboxEmail.subject.like("Kata sandi%"))
        )
        == "Kata sandi Pasar Aspikmas Anda diubah"
    )


def test_changing_the_password_keeps_this_device_and_ends_the_others(app, budi):
    here = log_in(app)
    there = log_in(app, remember=True)
    page = here.get("/akun/kata-sandi")
    assert ">Ganti kata sandi</h1>" in page.text
    response = here.post(
        "/akun/kata-sandi",
        data={
            "current_password": PASSWORD,
            "password": "sandi-baru-123",
            "password_confirmation": "sandi-baru-123",
        },
    )
    assert response.headers["Location"] == "/akun"
    assert "Perangkat lain yang masuk dengan akun ini sudah dikeluarkan" in here.get("/akun").text
    assert is_logged_in(here)
    assert not is_logged_in(there)
    db.session.refresh(budi)
    assert verify_password(budi.password_hash, "sandi-baru-123")
    assert len(logins(budi)) == 1
    (notice,) = db.session.scalars(db.select(OutboxEmail)).all()
    assert notice.recipient == "budi@contoh.id"
    assert "semua perangkat lain" in notice.body_text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {
                "current_password": "salah-sandi",
                "password": "sandi-baru-123",
                "password_confirmation": "sandi-baru-123",
            },
            "Kata sandi sekarang salah.",
        ),
        (
            {"current_password": PASSWORD, "password": "pendek", "password_confirmation": "pendek"},
            "Kata sandi minimal 8 karakter.",
        ),
        (
            {
                "current_password": PASSWORD,
                "password": "sandi-baru-123",
                "password_confirmation": "sandi-baru-456",
            },
            "Kedua kata sandi tidak sama.",
        ),
        (
            {"current_password": "", "password": "", "password_confirmation": ""},
            "Isi kata sandi Anda.",
        ),
    ],
    ids=["wrong-current", "short", "confirmation", "empty"],
)
def test_a_refused_password_change_changes_nothing(app, budi, form, message):
    here, there = log_in(app), log_in(app)
    old_hash = budi.password_hash
    response = here.post("/akun/kata-sandi", data=form)
    assert response.status_code == 200
    assert message in response.text
    db.session.refresh(budi)
    assert budi.password_hash == old_hash
    assert is_logged_in(there)
    assert db.session.scalars(db.select(OutboxEmail)).all() == []


def test_log_out_everywhere_ends_every_device(app, budi):
    here = log_in(app)
    there = log_in(app, remember=True)
    remembered = there.get_cookie(REMEMBER_COOKIE).value
    response = here.post("/akun/keluar-semua")
    assert response.headers["Location"] == "/"
    assert not is_logged_in(here)
    assert not is_logged_in(there)
    comeback = app.test_client()
    comeback.set_cookie(REMEMBER_COOKIE, remembered)
    assert not is_logged_in(comeback)
    assert logins(budi) == []


def test_another_users_logins_stay(app, budi):
    other = UserFactory(email="sari@contoh.id")
    db.session.commit()
    sari = log_in(app, "sari@contoh.id")
    log_in(app).post("/akun/keluar-semua")
    assert is_logged_in(sari)
    assert len(logins(other)) == 1


def test_an_expired_login_is_over(app, budi):
    client = log_in(app)
    (row,) = logins(budi)
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert not is_logged_in(client)


def test_expired_logins_are_cleared_at_the_next_login(app, budi):
    log_in(app)
    (old,) = logins(budi)
    old.expires_at = datetime.now(UTC) - timedelta(days=1)
    old_hash = old.secret_hash
    db.session.commit()
    log_in(app)
    (new,) = logins(budi)
    assert new.secret_hash != old_hash


@pytest.mark.parametrize(
    "login_key",
    [
        "1",
        "1:",
        "1:pendek",
        "abc:" + "a" * 43,
        "99999999999:" + "a" * 43,
        "0:" + "a" * 43,
        "1:" + "a" * 43 + "\x00",
        "-1:" + "a" * 43,
        "1:" + "é" * 43,
    ],
)
def test_forged_login_keys_are_nobody(app, budi, login_key):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_key
    response = client.get("/akun")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/akun/masuk")


def test_an_old_style_session_holding_only_the_user_id_is_logged_out(app, budi):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(budi.id)
    assert not is_logged_in(client)


def test_account_page_needs_a_login_and_shows_the_account(app, budi):
    assert app.test_client().get("/akun").headers["Location"].startswith("/akun/masuk")
    page = log_in(app).get("/akun")
    assert page.status_code == 200
    assert "budi@contoh.id" in page.text
    assert "Terverifikasi" in page.text
    assert re.search(r"Keluar dari semua perangkat", page.text)


def test_the_daily_chore_deletes_expired_logins_only(app, runner, budi):
    log_in(app)
    log_in(app)
    expired, live = logins(budi)
    expired.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    live_hash = live.secret_hash
    db.session.commit()
    result = runner.invoke(args=["accounts", "end-expired-logins"])
    assert result.exit_code == 0, result.output
    assert "1 sesi login kedaluwarsa dihapus." in result.output
    assert [row.secret_hash for row in logins(budi)] == [live_hash]


def test_the_logged_in_user_and_their_roles_cost_one_statement(app):
    """Every logged-in request reads its user by the login key; the roles
    every access check asks for come in the same statement."""
    from marketplace.accounts.models import Role
    from marketplace.accounts.sessions import start_login, user_for_login
    from tests.sql import recorded_statements

    user = UserFactory(roles=[Role.SHOPPER, Role.TREASURER])
    now = datetime.now(UTC)
    start_login(user=user, remember=False, lifetime=timedelta(hours=1), user_agent="", now=now)
    key = user.get_id()
    db.session.commit()
    db.session.expunge_all()
    with recorded_statements() as seen:
        found = user_for_login(key, now=now)
        assert found is not None
        assert found.roles == {Role.SHOPPER, Role.TREASURER}
    assert len(seen) == 1
