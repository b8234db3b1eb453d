"""Limits per account and per recipient: guessing one account's password
from many addresses meets a growing wait (never a lasting lock), reset and
"you already have an account" emails to one address are capped, sign-ups
per address are capped, and every 429 says when to come back."""

import logging
import os
import uuid

import pytest

from marketplace.accounts import throttle
from marketplace.accounts.models import OutboxEmail, User
from marketplace.extensions import db, limiter
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("app_context")


def address() -> str:
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"


def try_login(app, email: str, password: str = "tebak-tebak", remote: str | None = None):
    return app.test_client().post(
        "/akun/masuk",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": remote or address()},
    )


def end_the_wait(email: str) -> None:
    """As if the wait had passed: drop the current wait's key."""
    failures = limiter.storage.get(throttle._key("login-failures", email))
    limiter.storage.clear(f"{throttle._key('login-wait', email)}/{failures}")


@pytest.fixture
def budi(app):
    user = UserFactory(email="budi@contoh.id")
    db.session.commit()
    return user


def test_the_wait_grows_and_stops_at_fifteen_minutes():
    waits = [throttle.wait_for(failures) for failures in range(15)]
    assert waits[:5] == [0] * 5
    assert waits[5:11] == [30, 60, 120, 240, 480, 900]
    assert set(waits[11:]) == {900}


def test_guessing_one_account_from_many_addresses_meets_the_wait(app, budi):
    answers = [try_login(app, "budi@contoh.id") for _ in range(5)]  # 5 addresses
    assert [answer.status_code for answer in answers] == [200] * 5
    assert "Anda bisa mencoba lagi dalam 30 detik." in answers[-1].text
    refused = try_login(app, "budi@contoh.id")  # a sixth address
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) in range(28, 31)
    assert "Terlalu banyak percobaan masuk ke akun ini" in refused.text
    assert "coba lagi dalam 30 detik" in refused.text
    assert '<html lang="id">' in refused.text
    # the right password waits too: the wait is about the account
    assert try_login(app, "budi@contoh.id", PASSWORD).status_code == 429
    # another account is not held up
    assert try_login(app, "sari@contoh.id").status_code == 200


def test_after_the_wait_one_try_and_the_next_wait_is_longer(app, budi):
    for _ in range(5):
        try_login(app, "budi@contoh.id")
    end_the_wait("budi@contoh.id")
    again = try_login(app, "budi@contoh.id")
    assert again.status_code == 200
    assert "Anda bisa mencoba lagi dalam 1 menit." in again.text
    refused = try_login(app, "budi@contoh.id")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) in range(58, 61)


def test_the_right_password_after_the_wait_logs_in_and_forgets_the_failures(app, budi):
    for _ in range(5):
        try_login(app, "Budi@Contoh.id")  # one account however it is written
    end_the_wait("budi@contoh.id")
    assert try_login(app, "budi@contoh.id", PASSWORD).status_code == 302
    for _ in range(4):
        assert try_login(app, "budi@contoh.id").status_code == 200
    assert try_login(app, "budi@contoh.id", PASSWORD).status_code == 302


def test_an_email_without_account_waits_the_same(app, budi):
    for _ in range(5):
        try_login(app, "siapa@contoh.id")
    refused = try_login(app, "siapa@contoh.id")
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan masuk ke akun ini" in refused.text


def test_a_password_reset_forgets_the_failures(app, budi):
    from marketplace.accounts import tokens

    for _ in range(5):
        try_login(app, "budi@contoh.id")
    token = tokens.make_reset_token(user=budi, secret_key="test-secret")
    app.test_client().post(
        f"/akun/atur-ulang/{token}",
        data={"password": "sandi-baru-123", "password_confirmation": "sandi-baru-123"},
    )
    assert try_login(app, "budi@contoh.id", "sandi-baru-123").status_code == 302


def test_storage_keys_hold_no_email(app, budi):
    key = throttle._key("login-failures", "budi@contoh.id")
    assert "budi" not in key and "contoh" not in key


def test_reset_emails_to_one_address_stop_at_three_an_hour(app, budi):
    answers = [
        app.test_client().post(
            "/akun/lupa-sandi",
            data={"email": "budi@contoh.id"},
            environ_base={"REMOTE_ADDR": address()},
        )
        for _ in range(5)
    ]
    assert {(answer.status_code, answer.headers["Location"]) for answer in answers} == {
        (302, "/akun/lupa-sandi")
    }
    sent = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipient == "budi@contoh.id")
    ).all()
    assert len(sent) == 3
    # another recipient is not held up
    app.test_client().post("/akun/lupa-sandi", data={"email": "sari@contoh.id"})
    UserFactory(email="sari@contoh.id")
    db.session.commit()
    app.test_client().post("/akun/lupa-sandi", data={"email": "sari@contoh.id"})
    assert (
        db.session.scalar(
            db.select(db.func.count()).where(OutboxEmail.recipient == "sari@contoh.id")
        )
        == 1
    )


def test_sign_ups_with_a_taken_email_email_its_owner_three_times_an_hour_at_most(app, budi):
    for _ in range(5):
        app.test_client().post(
            "/akun/daftar",
            data={
                "name": "Penyusup",
                "email": "budi@contoh.id",
                "whatsapp": "081234567890",
                "password": "gula-kelapa-1",
                "password_confirmation": "gula-kelapa-1",
            },
            environ_base={"REMOTE_ADDR": address()},
        )
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 3


def registration(email: str) -> dict:
    return {
        "name": "Siti",
        "email": email,
        "whatsapp": "081234567890",
        "password": "gula-kelapa-1",
        "password_confirmation": "gula-kelapa-1",
    }


def test_sign_ups_from_one_address_are_limited(make_app):
    app = make_app(REGISTER_RATE_LIMIT="2 per hour")
    with app.app_context():
        remote = address()
        codes = [
            app.test_client().post(
                "/akun/daftar",
                data=registration(f"orang{n}@contoh.id"),
                environ_base={"REMOTE_ADDR": remote},
            )
            for n in range(3)
        ]
        assert [answer.status_code for answer in codes] == [302, 302, 429]
        refused = codes[-1]
        assert int(refused.headers["Retry-After"]) > 0
        assert "Terlalu banyak percobaan" in refused.text
        assert db.session.scalar(db.select(db.func.count(User.id))) == 2
        # reading the form is not limited
        page = app.test_client().get("/akun/daftar", environ_base={"REMOTE_ADDR": remote})
        assert page.status_code == 200


def test_default_sign_up_limit_lets_a_training_room_register(make_app):
    app = make_app()
    assert app.config["REGISTER_RATE_LIMIT"] == "10 per hour;50 per day"


class BrokenStorage:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("redis tidak menjawab")

        return fail


def test_a_storage_outage_skips_the_account_limits_and_is_logged_once(
    app, budi, monkeypatch, caplog
):
    monkeypatch.setattr(type(limiter), "storage", property(lambda self: BrokenStorage()))
    monkeypatch.setattr(type(limiter), "limiter", property(lambda self: BrokenStorage()))
    monkeypatch.setattr(throttle, "_storage_down", False)
    with caplog.at_level(logging.ERROR, logger="marketplace.accounts.throttle"):
        assert throttle.login_wait("budi@contoh.id") == 0
        assert throttle.login_failed("budi@contoh.id") == 0
        assert throttle.may_email("budi@contoh.id") is True
        throttle.login_succeeded("budi@contoh.id")
    outages = [record for record in caplog.records if "unavailable" in record.getMessage()]
    assert len(outages) == 1


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL for Redis")
def test_workers_share_the_account_wait_through_redis(make_app):
    email = f"{uuid.uuid4().hex}@contoh.id"  # its own keys in a shared Redis
    storage = os.environ["TEST_REDIS_URL"]
    first = make_app(RATELIMIT_STORAGE_URI=storage)
    with first.app_context():
        for _ in range(5):
            assert try_login(first, email).status_code == 200
    # A second worker (built after the first has counted: both share `limiter`)
    second = make_app(RATELIMIT_STORAGE_URI=storage)
    with second.app_context():
        refused = try_login(second, email)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) in range(28, 31)
        end_the_wait(email)
        throttle.login_succeeded(email)


def test_guessing_the_current_password_from_a_borrowed_session_waits_too(client, login_as, budi):
    login_as(budi)
    guess = {
        "current_password": "tebak-tebak",
        "password": "sandi-baru-123",
        "password_confirmation": "sandi-baru-123",
    }
    answers = [  # from ever new addresses: the account's wait, not the address limit
        client.post("/akun/kata-sandi", data=guess, environ_base={"REMOTE_ADDR": address()})
        for _ in range(6)
    ]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) in range(28, 31)
    assert "Terlalu banyak percobaan masuk ke akun ini" in answers[-1].text
    right = dict(guess, current_password=PASSWORD)
    again = client.post("/akun/kata-sandi", data=right, environ_base={"REMOTE_ADDR": address()})
    assert again.status_code == 429  # the right password waits too
    db.session.refresh(budi)
    assert budi.password_hash == UserFactory.password_hash.function()
