"""Logins, one row per device (`LoginSession`).

The browser holds a login key, `<user id>:<secret>`, in its session cookie
and, with "Ingat saya", in the remember cookie; the database holds only the
secret's SHA-256. Every request looks the key up, so deleting the row ends
the login on that device at once, whichever cookie carries it:

- logging out ends that device's login (a copied cookie dies with it);
- a password change ends every other login of the user, a password reset
  and "keluar dari semua perangkat" end all of them;
- every login makes a new secret, so a remember cookie is never reused.

Like the other services these flush and never commit."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import LoginSession, User
from marketplace.core.db import rows_affected
from marketplace.core.numbers import MAX_INTEGER
from marketplace.extensions import db

# `<user id>:<43 characters of URL-safe base64>`; anything else is no login.
LOGIN_KEY = re.compile(r"([1-9][0-9]{0,9}):([A-Za-z0-9_-]{43})")
USER_AGENT_LENGTH = 200


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(login_key: str) -> tuple[int, str] | None:
    match = LOGIN_KEY.fullmatch(login_key)
    if match is None or int(match[1]) > MAX_INTEGER:
        return None
    return int(match[1]), _digest(match[2])


def start_login(
    *, user: User, remember: bool, lifetime: timedelta, user_agent: str, now: datetime
) -> LoginSession:
    """A new login for `user` on one device, valid for `lifetime`. The user
    object carries the new key for Flask-Login's `login_user`. The user's
    expired logins are cleared on the way."""
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    secret = secrets.token_urlsafe(32)
    login = LoginSession(
        user_id=user.id,
        secret_hash=_digest(secret),
        remember=remember,
        user_agent=user_agent[:USER_AGENT_LENGTH],
        expires_at=now + lifetime,
    )
    db.session.add(login)
    db.session.flush()
    user.attach_login(f"{user.id}:{secret}")
    return login


@cache
def _live_login() -> Select[tuple[User]]:
    """The user of a live login, with their roles joined (every access check
    reads them): bound `user_id`, `secret_hash` and `now`. Built once: this
    runs on every logged-in request, and building it and its SQLAlchemy
    cache key cost more Python than running it (bench/README.md, issue 17)."""
    return (
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            LoginSession.secret_hash == bindparam("secret_hash"),
            LoginSession.expires_at > bindparam("now"),
        )
        .options(joinedload(User.role_rows))
    )


def user_for_login(login_key: str, *, now: datetime) -> User | None:
    """The active user of a live login, or None (ended, expired, forged)."""
    parsed = _parse(login_key)
    if parsed is None:
        return None
    user_id, secret_hash = parsed
    user = (
        db.session.scalars(
            _live_login(), {"user_id": user_id, "secret_hash": secret_hash, "now": now}
        )
        .unique()
        .first()
    )
    if user is None or not user.is_active:
        return None
    user.attach_login(login_key)
    return user


def end_login(*, login_key: str) -> None:
    """Log this device out: its session and remember cookies stop working."""
    parsed = _parse(login_key)
    if parsed is not None:
        user_id, secret_hash = parsed
        db.session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user_id, LoginSession.secret_hash == secret_hash
            )
        )


def end_all_logins(*, user: User, except_key: str | None = None) -> int:
    """Log `user` out everywhere, except the device holding `except_key`.
    Returns how many logins ended."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    kept = _parse(except_key) if except_key else None
    if kept is not None:
        statement = statement.where(LoginSession.secret_hash != kept[1])
    return rows_affected(db.session.execute(statement.execution_options(synchronize_session=False)))


def end_expired_logins(*, now: datetime) -> int:
    """Delete every expired login (a daily chore; each user's own expired
    logins also go at their next login). Returns how many."""
    return rows_affected(
        db.session.execute(
            delete(LoginSession)
            .where(LoginSession.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
    )


def logins_of(user_id: int, *, now: datetime, this_key: str) -> Select[tuple[LoginSession]]:
    """The user's live logins: the one holding `this_key` first, then the
    newest."""
    parsed = _parse(this_key)
    is_this = LoginSession.secret_hash == (parsed[1] if parsed else "")
    return (
        select(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.expires_at > now)
        .order_by(is_this.desc(), LoginSession.created_at.desc(), LoginSession.id.desc())
    )


def is_this_login(login: LoginSession, login_key: str) -> bool:
    parsed = _parse(login_key)
    return parsed is not None and parsed[1] == login.secret_hash
