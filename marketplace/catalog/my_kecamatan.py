"""The shopper's own kecamatan ("kecamatan saya"), kept in the session: the
product page says whether the member delivers there and for how much, the
cart shows the fees to it, `/produk` can list only what is delivered there,
and checkout starts from it. Users have no kecamatan on their profile, so a
logged-in shopper's is kept in the session too (the cart and checkout fall
back to where their last order went).

A page that shows it differs per kecamatan, so the page cache keys on it
(`catalog.cache`): 28 versions of a page at most, the session being signed."""

from collections.abc import Iterable

from flask import session

from marketplace.catalog.filters import is_slug
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan

SESSION_KEY = "kecamatan_saya"


def chosen_slug() -> str | None:
    """The slug of the visitor's kecamatan, or None (nothing chosen, or a
    value that cannot be a slug)."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) and is_slug(value) else None


def chosen(among: Iterable[Kecamatan] | None = None) -> Kecamatan | None:
    """The visitor's kecamatan: found in `among` when the page already has
    the list, else read (one query)."""
    slug = chosen_slug()
    if slug is None:
        return None
    if among is not None:
        return next((kecamatan for kecamatan in among if kecamatan.slug == slug), None)
    return db.session.scalar(member_queries.kecamatan_by_slug(slug))


def remember(kecamatan: Kecamatan | None) -> None:
    """Keep `kecamatan` as the visitor's (None forgets it). The session is
    written only when it changes, so a page that merely confirms the same
    choice stays cacheable."""
    if kecamatan is None:
        session.pop(SESSION_KEY, None)
    elif session.get(SESSION_KEY) != kecamatan.slug:
        session[SESSION_KEY] = kecamatan.slug
