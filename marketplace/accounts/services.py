"""Writes to accounts. Services flush, never commit."""

from collections.abc import Iterable

from sqlalchemy import func, select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.passwords import hash_password
from marketplace.core.errors import DomainError
from marketplace.extensions import db

MIN_PASSWORD_LENGTH = 8


class AccountError(DomainError):
    """An account rule refused the change."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register_user(
    *,
    email: str,
    name: str,
    password: str,
    whatsapp: str | None = None,
    roles: Iterable[Role] = (Role.SHOPPER,),
) -> User:
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.")
    taken = db.session.scalar(select(func.count(User.id)).where(User.email == email))
    if taken:
        raise AccountError("Email ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi.")
    user = User(
        email=email,
        name=name.strip(),
        whatsapp=whatsapp or None,
        password_hash=hash_password(password),
        role_rows=[UserRole(role=role) for role in dict.fromkeys(roles)],
    )
    db.session.add(user)
    db.session.flush()
    return user
