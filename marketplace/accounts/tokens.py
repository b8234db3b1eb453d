"""Signed, timed tokens for emailed links. A password-reset token names the
user and carries a fingerprint of their password hash, so it works once:
after the password changes, the fingerprint no longer matches. A
verification token names the user and the email it was sent to. An
invitation token names an invitation (a row of the domain that sent it,
say a campus mentor's) and the email it was sent to."""

import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.accounts.models import User

RESET_SALT = "accounts.password-reset"
VERIFY_SALT = "accounts.verify-email"
INVITE_SALT = "accounts.invitation"


def _dumps(payload: dict[str, int | str], *, secret_key: str, salt: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=salt).dumps(payload)


def _loads(
    token: str, *, secret_key: str, salt: str, max_age: int, field: str, key: str = "user"
) -> tuple[int, str] | None:
    """(the payload's `key` id, its `field`), or None when the token is
    forged, malformed, of another kind or older than `max_age` seconds."""
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict):
        return None
    user_id, value = payload.get(key), payload.get(field)
    if not isinstance(user_id, int) or not isinstance(value, str):
        return None
    return user_id, value


def password_fingerprint(password_hash: str, secret_key: str) -> str:
    """A short keyed digest of the password hash: it changes with the
    password and reveals nothing about it."""
    digest = hmac.new(secret_key.encode(), password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def make_reset_token(*, user: User, secret_key: str) -> str:
    fingerprint = password_fingerprint(user.password_hash, secret_key)
    payload: dict[str, int | str] = {"user": user.id, "password": fingerprint}
    return _dumps(payload, secret_key=secret_key, salt=RESET_SALT)


def read_reset_token(*, token: str, secret_key: str, max_age: int) -> tuple[int, str] | None:
    """(user id, password fingerprint), or None."""
    return _loads(token, secret_key=secret_key, salt=RESET_SALT, max_age=max_age, field="password")


def make_verify_token(*, user: User, secret_key: str) -> str:
    """A link that proves the holder reads `user.email`."""
    return _dumps({"user": user.id, "email": user.email}, secret_key=secret_key, salt=VERIFY_SALT)


def read_verify_token(*, token: str, secret_key: str, max_age: int) -> tuple[int, str] | None:
    """(user id, email), or None."""
    return _loads(token, secret_key=secret_key, salt=VERIFY_SALT, max_age=max_age, field="email")


def make_invite_token(*, kind: str, invitation_id: int, email: str, secret_key: str) -> str:
    """A link that lets whoever reads `email` take up invitation `invitation_id`
    of `kind` (each inviting domain names its own kind)."""
    payload: dict[str, int | str] = {kind: invitation_id, "email": email}
    return _dumps(payload, secret_key=secret_key, salt=INVITE_SALT)


def read_invite_token(
    *, kind: str, token: str, secret_key: str, max_age: int
) -> tuple[int, str] | None:
    """(invitation id, email), or None."""
    return _loads(
        token, secret_key=secret_key, salt=INVITE_SALT, max_age=max_age, field="email", key=kind
    )
