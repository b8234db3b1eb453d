"""Who is logged in and what they may open: the Flask-Login user loader,
`logged_in_user` (the User a view hands to a service), `role_required` and
`verified_email_required` for views, the check that keeps `next` on this
site, where the person was going while they register or verify their email
(`RETURN_TO`), and where each role lands after logging in."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user

from marketplace.accounts.models import Role, User
from marketplace.accounts.sessions import user_for_login
from marketplace.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")

# The session's note of the page a person was on their way to when we asked
# them to register or to verify their email (checkout, most often): the
# emailed link brings them back there. Read only through safe_next_path.
RETURN_TO = "return_to"
# Where a user lands after logging in when no page asked for them: the first
# of their roles' pages in this order (the association's work before the
# member's shop), else the shop's home.
LANDING_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.TREASURER, "treasury.index"),
    (Role.ADMIN, "admin.index"),
    (Role.MEMBER, "catalog.manage.index"),
    (Role.MENTOR, "mentoring.dashboard"),
)


@login_manager.user_loader
def load_user(login_key: str) -> User | None:
    """The user of a live login (from the session or the remember cookie).
    An ended or expired login, or a deactivated user, is logged out on their
    next request."""
    return user_for_login(login_key, now=datetime.now(UTC))


def logged_in_user() -> User:
    """The logged-in User itself, not Flask-Login's `current_user` proxy: what
    a view passes to a service, which takes models. Only behind a login check."""
    return current_user._get_current_object()


def landing_page(user: User) -> str:
    """The treasurer's, the admin's or the member's own page, or the home page."""
    for role, endpoint in LANDING_PAGES:
        if user.has_role(role):
            return url_for(endpoint)
    return url_for("catalog.home")


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let in users with any of `roles`: anonymous users go to the login page,
    logged-in users without the role get 403."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def verified_email_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let in logged-in users whose email is verified; others are asked to
    log in, or to open the link we emailed them (checkout, membership)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_email_verified:
            if request.method == "GET":  # the emailed link comes back here
                session[RETURN_TO] = request.full_path.removesuffix("?")
            flash(
                "Sebelum memesan atau mendaftar menjadi anggota, verifikasi dulu email Anda "
                "lewat tautan yang kami kirim.",
                "warning",
            )
            return redirect(url_for("accounts.verify_notice"))  # type: ignore[return-value]
        return view(*args, **kwargs)

    return wrapped


def safe_next_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (`/produk?q=x`), else None.
    Refuses absolute URLs, scheme-relative `//host`, backslashes (browsers
    read `/\\host` as `//host`) and control characters or spaces (browsers
    drop tabs and newlines, so `/\\t/host` would become `//host`)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
