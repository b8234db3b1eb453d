"""Writes to accounts. Services flush, never commit; the caller commits once."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import tokens
from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.passwords import hash_password, needs_rehash, verify_password
from marketplace.accounts.sessions import end_all_logins
from marketplace.core.errors import DomainError
from marketplace.core.urls import public_url
from marketplace.core.whatsapp import InvalidWhatsapp, normalise_whatsapp
from marketplace.extensions import db

MIN_PASSWORD_LENGTH = 8
# A mobile number in international form: 62, then 8 and 7 to 10 more digits.
# Verified against when no user has the email, so both cases cost the same.
_dummy_hash: list[str] = []


class AccountError(DomainError):
    """An account rule refused the change."""


class InvalidCredentials(AccountError):
    def __init__(self) -> None:
        super().__init__("Email atau kata sandi salah.")


class InactiveAccount(AccountError):
    def __init__(self) -> None:
        super().__init__("Akun ini dinonaktifkan. Hubungi pengurus Aspikmas untuk bantuan.")


class InvalidResetToken(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Tautan atur ulang kata sandi tidak berlaku, sudah dipakai, atau sudah kedaluwarsa."
        )


class InvalidVerifyToken(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Tautan verifikasi email tidak berlaku atau sudah kedaluwarsa. Masuk, lalu minta "
            "tautan baru dari halaman akun Anda."
        )


class WrongCurrentPassword(AccountError):
    def __init__(self) -> None:
        super().__init__("Kata sandi sekarang salah.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _whatsapp(number: str) -> str:
    try:
        return normalise_whatsapp(number)
    except InvalidWhatsapp as error:
        raise AccountError(error.message) from error


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.")


def _user_with_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _mark_verified(user: User, now: datetime) -> None:
    """The email reached its owner; the first time counts."""
    if user.email_verified_at is None:
        user.email_verified_at = now


def register_user(
    *,
    email: str,
    name: str,
    password: str,
    whatsapp: str | None = None,
    roles: Iterable[Role] = (Role.SHOPPER,),
    verified_at: datetime | None = None,
) -> User:
    """Create an account. People sign up through `sign_up`, which never says
    whether an email was taken; this one refuses a taken email (for the demo
    and the admins)."""
    email = normalise_email(email)
    _check_password(password)
    taken = db.session.scalar(select(func.count(User.id)).where(User.email == email))
    if taken:
        raise AccountError("Email ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi.")
    user = User(
        email=email,
        name=name.strip(),
        whatsapp=_whatsapp(whatsapp) if whatsapp else None,
        password_hash=hash_password(password),
        email_verified_at=verified_at,
        role_rows=[UserRole(role=role) for role in dict.fromkeys(roles)],
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same email registered a moment ago
        raise AccountError(
            "Email ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi."
        ) from error
    return user


def sign_up(*, email: str, name: str, password: str, whatsapp: str, secret_key: str) -> User | None:
    """A shopper signs up. A new email gets an unverified account and a link
    to verify it; an email that already has an account gets a note saying so
    (with links to log in and to reset the password) and nothing else
    changes. Both cost the same and the caller answers both the same way, so
    the form tells no one which emails have accounts. Returns the new user,
    or None when the email was taken."""
    existing = _user_with_email(email)
    if existing is None:
        # A taken email can only mean another request registered it a moment
        # ago: its AccountError reaches the caller, who answers the same.
        user = register_user(email=email, name=name, password=password, whatsapp=whatsapp)
        send_verification(user=user, secret_key=secret_key)
        return user
    hash_password(password)  # as long as a new account takes
    queue_email(
        recipient=existing.email,
        template="account_exists",
        subject="Anda sudah punya akun Pasar Aspikmas",
        name=existing.name,
        login_url=public_url("accounts.login"),
        forgot_url=public_url("accounts.forgot_password"),
    )
    return None


def send_verification(*, user: User, secret_key: str) -> None:
    """Email `user` a link that verifies their email address."""
    token = tokens.make_verify_token(user=user, secret_key=secret_key)
    queue_email(
        recipient=user.email,
        template="verify_email",
        subject="Verifikasi email akun Pasar Aspikmas Anda",
        name=user.name,
        verify_url=public_url("accounts.verify_email", token=token),
    )


def verify_email(*, token: str, secret_key: str, max_age: int, now: datetime) -> User:
    """Mark the email of the token's user verified (again is harmless)."""
    found = tokens.read_verify_token(token=token, secret_key=secret_key, max_age=max_age)
    user = db.session.get(User, found[0]) if found else None
    if found is None or user is None or user.email != found[1] or not user.is_active:
        raise InvalidVerifyToken()
    _mark_verified(user, now)
    db.session.flush()
    return user


def authenticate(*, email: str, password: str) -> User:
    """The user with this email and password. Rehashes the password when the
    argon2 parameters have changed since it was stored."""
    user = _user_with_email(email)
    if user is None:
        if not _dummy_hash:
            _dummy_hash.append(hash_password("bukan-kata-sandi-siapa-pun"))
        verify_password(_dummy_hash[0], password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials()
    if not user.is_active:
        raise InactiveAccount()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def request_password_reset(*, email: str, secret_key: str) -> User | None:
    """Queue a reset email when an active user has this email; otherwise do
    nothing, and say nothing different (the caller shows the same page)."""
    user = _user_with_email(email)
    if user is None or not user.is_active:
        return None
    token = tokens.make_reset_token(user=user, secret_key=secret_key)
    queue_email(
        recipient=user.email,
        template="password_reset",
        subject="Atur ulang kata sandi Pasar Aspikmas",
        name=user.name,
        reset_url=public_url("accounts.reset_password", token=token),
    )
    return user


def user_for_reset_token(*, token: str, secret_key: str, max_age: int, lock: bool = False) -> User:
    """The user a reset token was made for, while the token is fresh and the
    password has not changed since. `lock` holds the user's row until commit."""
    user_id, fingerprint = tokens.read_reset_token(
        token=token, secret_key=secret_key, max_age=max_age
    ) or (None, None)
    user = None
    if user_id is not None:
        query = select(User).where(User.id == user_id).execution_options(populate_existing=True)
        user = db.session.scalar(query.with_for_update() if lock else query)
    if (
        user is None
        or not user.is_active
        or fingerprint != tokens.password_fingerprint(user.password_hash, secret_key)
    ):
        raise InvalidResetToken()
    return user


def reset_password(
    *, token: str, password: str, secret_key: str, max_age: int, now: datetime
) -> User:
    """Set a new password from a reset token. The token is bound to the old
    password, so it stops working once this has committed. Every login of
    the user ends (whoever knew the old password is out), and the email
    counts as verified: the link reached its inbox."""
    user = user_for_reset_token(token=token, secret_key=secret_key, max_age=max_age, lock=True)
    _check_password(password)
    _set_password(user, password)
    end_all_logins(user=user)
    _mark_verified(user, now)
    db.session.flush()
    return user


def change_password(
    *, user: User, current_password: str, new_password: str, login_key: str
) -> User:
    """A logged-in user changes their password: every other device is logged
    out; this one (`login_key`) stays."""
    if not verify_password(user.password_hash, current_password):
        raise WrongCurrentPassword()
    _check_password(new_password)
    _set_password(user, new_password)
    end_all_logins(user=user, except_key=login_key)
    db.session.flush()
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    queue_email(
        recipient=user.email,
        template="password_changed",
        subject="Kata sandi Pasar Aspikmas Anda diubah",
        name=user.name,
        forgot_url=public_url("accounts.forgot_password"),
    )


def grant_role(*, user: User, role: Role) -> User:
    """Give `user` the `role`; granting a role they already have changes nothing."""
    if not user.has_role(role):
        user.role_rows.append(UserRole(role=role))
        db.session.flush()
    return user


def revoke_role(*, user: User, role: Role) -> User:
    """Take the `role` away from `user`; revoking a role they lack changes nothing."""
    for row in [row for row in user.role_rows if row.role == role]:
        user.role_rows.remove(row)
    db.session.flush()
    return user
