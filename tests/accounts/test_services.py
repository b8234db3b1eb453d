import re
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from itsdangerous.timed import TimestampSigner

from marketplace.accounts import services, tokens
from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.accounts.passwords import needs_rehash, verify_password
from marketplace.accounts.services import (
    AccountError,
    InactiveAccount,
    InvalidCredentials,
    InvalidResetToken,
)
from marketplace.extensions import db
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("app_context")

SECRET = "test-secret"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_register_stores_an_argon2id_hash_at_owasp_cost(app):
    user = services.register_user(
        email="  Siti@Contoh.ID ",
        name=" Siti ",
        password="kopi-gula-aren",
        whatsapp="0812 3456 7890",
    )
    assert user.email == "siti@contoh.id"
    assert user.name == "Siti"
    assert user.whatsapp == "6281234567890"
    assert user.roles == {Role.SHOPPER}
    assert user.password_hash.startswith("$argon2id$")
    memory_kib = int(re.search(r"\$m=(\d+),", user.password_hash).group(1))
    assert memory_kib >= 19 * 1024
    assert verify_password(user.password_hash, "kopi-gula-aren")


@pytest.mark.parametrize("email", ["siti@contoh.id", "SITI@contoh.id", " siti@contoh.id"])
def test_register_refuses_a_taken_email(app, email):
    UserFactory(email="siti@contoh.id")
    db.session.commit()
    with pytest.raises(AccountError, match="sudah terdaftar"):
        services.register_user(email=email, name="Siti Lain", password="rahasia-456")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_register_refuses_a_short_password(app):
    with pytest.raises(AccountError, match="minimal 8"):
        services.register_user(email="a@contoh.id", name="A", password="1234567")


def test_authenticate_finds_the_user(app):
    user = UserFactory(email="budi@contoh.id")
    db.session.commit()
    assert services.authenticate(email=" Budi@Contoh.id", password=PASSWORD) is user


@pytest.mark.parametrize(
    ("email", "password"),
    [("budi@contoh.id", "salah-sandi"), ("tidak-ada@contoh.id", PASSWORD), ("budi@contoh.id", "")],
)
def test_wrong_credentials_get_one_message(app, email, password):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    with pytest.raises(InvalidCredentials) as refused:
        services.authenticate(email=email, password=password)
    assert refused.value.message == "Email atau kata sandi salah."


def test_inactive_user_cannot_authenticate(app):
    UserFactory(email="budi@contoh.id", is_active=False)
    db.session.commit()
    with pytest.raises(InactiveAccount):
        services.authenticate(email="budi@contoh.id", password=PASSWORD)
    with pytest.raises(InvalidCredentials):  # a wrong password says nothing about the account
        services.authenticate(email="budi@contoh.id", password="salah-sandi")


def test_authenticate_rehashes_a_password_stored_with_old_parameters(app):
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = UserFactory(password_hash=old_hash)
    db.session.commit()
    services.authenticate(email=user.email, password=PASSWORD)
    db.session.commit()
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert not needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


def test_password_reset_request_queues_one_email_linking_to_public_url(make_app):
    app = make_app(PUBLIC_URL="https://pasar.aspikmas.id")
    with app.app_context():
        user = UserFactory(email="budi@contoh.id")
        db.session.commit()
        services.request_password_reset(email="BUDI@contoh.id", secret_key=SECRET)
        db.session.commit()
        (email,) = db.session.scalars(db.select(OutboxEmail)).all()
        assert email.recipient == "budi@contoh.id"
        assert email.sent_at is None
        token = re.search(r"https://pasar.aspikmas.id/akun/atur-ulang/(\S+)", email.body_text)[1]
        assert services.user_for_reset_token(token=token, secret_key=SECRET, max_age=60) is user
        assert user.name in email.body_text
        assert f'href="https://pasar.aspikmas.id/akun/atur-ulang/{token}"' in email.body_html


@pytest.mark.parametrize("active", [True, False])
def test_password_reset_request_for_no_active_account_queues_nothing(app, active):
    UserFactory(email="budi@contoh.id", is_active=active)
    db.session.commit()
    email = "lain@contoh.id" if active else "budi@contoh.id"
    assert services.request_password_reset(email=email, secret_key=SECRET) is None
    assert db.session.scalars(db.select(OutboxEmail)).all() == []


def test_reset_token_works_once(app):
    user = UserFactory()
    db.session.commit()
    token = tokens.make_reset_token(user=user, secret_key=SECRET)
    services.reset_password(
        token=token, password="sandi-baru-123", secret_key=SECRET, max_age=60, now=NOW
    )
    db.session.commit()
    assert verify_password(user.password_hash, "sandi-baru-123")
    with pytest.raises(InvalidResetToken):
        services.reset_password(
            token=token, password="sandi-lain-456", secret_key=SECRET, max_age=60, now=NOW
        )
    db.session.rollback()
    assert verify_password(user.password_hash, "sandi-baru-123")


def test_reset_token_expires(app, monkeypatch):
    user = UserFactory()
    db.session.commit()
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) - 3601)
    old_token = tokens.make_reset_token(user=user, secret_key=SECRET)
    monkeypatch.undo()
    with pytest.raises(InvalidResetToken):
        services.user_for_reset_token(token=old_token, secret_key=SECRET, max_age=3600)
    assert services.user_for_reset_token(token=old_token, secret_key=SECRET, max_age=7200) is user


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "bukan-token",
        lambda token: tokens.URLSafeTimedSerializer(SECRET, salt="lain").dumps({"user": 1}),
        lambda token: tokens.URLSafeTimedSerializer(SECRET, salt=tokens.RESET_SALT).dumps([1]),
    ],
    ids=["tampered", "garbage", "other-salt", "wrong-shape"],
)
def test_spoilt_reset_tokens_are_refused(app, spoil):
    user = UserFactory()
    db.session.commit()
    token = spoil(tokens.make_reset_token(user=user, secret_key=SECRET))
    with pytest.raises(InvalidResetToken):
        services.user_for_reset_token(token=token, secret_key=SECRET, max_age=60)


def test_reset_token_from_another_secret_is_refused(app):
    user = UserFactory()
    db.session.commit()
    token = tokens.make_reset_token(user=user, secret_key="rahasia-lain")
    with pytest.raises(InvalidResetToken):
        services.user_for_reset_token(token=token, secret_key=SECRET, max_age=60)


def test_reset_token_of_deactivated_user_is_refused(app):
    user = UserFactory()
    db.session.commit()
    token = tokens.make_reset_token(user=user, secret_key=SECRET)
    user.is_active = False
    db.session.commit()
    with pytest.raises(InvalidResetToken):
        services.user_for_reset_token(token=token, secret_key=SECRET, max_age=60)
