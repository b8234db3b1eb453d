"""Signed, timed tokens for emailed links. A password-reset token names the
user and carries a fingerprint of their password hash, so it works once:
after the password changes, the fingerprint no longer matches. A
verification token names the user and the email it was sent to."""

import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.accounts.models import User

RESET_SALT = "accounts.password-reset"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT)


def password_fingerprint(password_hash: str, secret_key: str) -> str:
    """A short keyed digest of the password hash: it changes with the
    password and reveals nothing about it."""
    digest = hmac.new(secret_key.encode(), password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def make_reset_token(*, user: User, secret_key: str) -> str:
    payload = {"user": user.id, "password": password_fingerprint(user.password_hash, secret_key)}
    return _serializer(secret_key).dumps(payload)


def read_reset_token(*, token: str, secret_key: str, max_age: int) -> tuple[int, str] | None:
    """(user id, password fingerprint), or None when the token is forged,
    malformed or older than `max_age` seconds."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict):
        return None
    user_id, fingerprint = payload.get("user"), payload.get("password")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    return user_id, fingerprint


VERIFY_SALT = "accounts.verify-email"


def make_verify_token(*, user: User, secret_key: str) -> str:
    """A link that proves the holder reads `user.email`."""
    serializer = URLSafeTimedSerializer(secret_key, salt=VERIFY_SALT)
    return serializer.dumps({"user": user.id, "email": user.email})


def read_verify_token(*, token: str, secret_key: str, max_age: int) -> tuple[int, str] | None:
    """(user id, email), or None when the token is forged, malformed or too old."""
    serializer = URLSafeTimedSerializer(secret_key, salt=VERIFY_SALT)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, email = payload.get("user"), payload.get("email")
    if not isinstance(user_id, int) or not isinstance(email, str):
        return None
    return user_id, email
