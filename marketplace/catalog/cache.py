"""The public catalog, cached whole for anonymous visitors.

A cached page's key holds the catalog's *generation*, a counter in the cache
that goes up after every commit that changed a catalog row (product, variant,
image, category, certificate, member, delivery rate, kecamatan). So a
change shows at once, on every worker sharing the cache (Redis in
production), and no page is ever cleared by hand. What decides a change is the session itself (flushed objects and
ORM UPDATE/INSERT/DELETE statements), so no service can forget to say so.
A page is cached only if it is the same for every anonymous visitor: no
logged-in user, no flash message, no session written while rendering (a
form's CSRF token writes one), no cookie set, no message about the
visitor's own bad input (`keep_out_of_cache`).

The key is the page as the view understands it: its endpoint, its URL
values and its query string as the view parses it (`args`), defaults left
out, in a fixed order. Nothing else reaches the key: not the Host header,
not `fbclid`, `utm_*` or any parameter the page ignores, so a visitor
cannot grow the cache by adding junk to the address. (Such an address is
served as it is, not redirected: a link shared on WhatsApp opens in one
request.)"""

from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from marketplace.catalog.filters import parse_filter, parse_page
from marketplace.catalog.models import (
    Category,
    Certificate,
    Product,
    ProductImage,
    ProductVariant,
)
from marketplace.core import outages, resilient_cache
from marketplace.extensions import cache
from marketplace.members.models import DeliveryRate, Kecamatan, Member

GENERATION_KEY = "catalog/generation"
CHANGED = "catalog_changed"
# Certificate: a verified one is a badge on cards and pages, and filters /produk.
CATALOG_MODELS = (
    Product,
    ProductVariant,
    ProductImage,
    Category,
    Certificate,
    Member,
    DeliveryRate,
    Kecamatan,
)
CATALOG_TABLES = frozenset(model.__table__ for model in CATALOG_MODELS)


class _Owed:
    """Whether this worker owes the cache a count-up: a change committed, or
    a page read, while the cache was out of reach. When it answers again it
    may still hold the pages from before (a network blip, a restart from a
    snapshot), so the first read after the outage counts up first."""

    count_up = False


def generation() -> int:
    """The catalog's generation, for a page's key; 0 while the cache is out of reach."""
    was_down = outages.is_down(resilient_cache.BACKEND)
    value = cache.get(GENERATION_KEY)
    if outages.is_down(resilient_cache.BACKEND):  # no page is read or kept meanwhile
        _Owed.count_up = True
        return 0
    if was_down or _Owed.count_up:
        bump_generation()
        value = cache.get(GENERATION_KEY)
    return value or 0


def bump_generation() -> None:
    """Every cached page is stale from now on. A cache out of reach is owed
    the count-up until it answers (logged once per outage)."""
    try:
        cache.cache.inc(GENERATION_KEY)  # atomic INCR on Redis
    except Exception as error:  # redis.RedisError, OSError: whatever the backend raises
        _Owed.count_up = True
        outages.failed(resilient_cache.BACKEND, error)
    else:
        _Owed.count_up = False
        outages.recovered(resilient_cache.BACKEND)


def _note_flush(session: Session, flush_context: UOWTransaction) -> None:
    if any(
        isinstance(row, CATALOG_MODELS)
        for row in chain(session.new, session.dirty, session.deleted)
    ):
        session.info[CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        if getattr(state.statement, "table", None) in CATALOG_TABLES:
            state.session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    """The change is saved: tell the cache. A cache that cannot be reached
    must not turn a saved order or listing into an error page, so its
    failure is logged (once per outage) and the request goes on."""
    # A rolled-back change keeps the mark until the next commit: a page
    # thrown away for nothing is harmless, a stale one is not.
    if session.info.pop(CHANGED, False) and has_app_context():
        bump_generation()


LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _note_flush),
    ("do_orm_execute", _note_statement),
    ("after_commit", _after_commit),
)


def install_invalidation() -> None:
    """Listen to every session once per process."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# The query string as a view understands it: name -> value, defaults left out.
QueryArgs = Callable[[Mapping[str, str]], Mapping[str, str | int]]


def no_args(args: Mapping[str, str]) -> dict[str, str | int]:
    """For a page that reads nothing from its query string."""
    return {}


def filter_args(args: Mapping[str, str]) -> dict[str, str | int]:
    """The catalog filter of /produk (and the API's list), normalised."""
    return parse_filter(args).to_args()


def page_args(args: Mapping[str, str]) -> dict[str, str | int]:
    """Only the page number, for lists with no other filter."""
    page, _ = parse_page(args)
    return {"hal": page} if page != 1 else {}


def _page_key(args: QueryArgs) -> str:
    values = urlencode(sorted((request.view_args or {}).items()))
    query = urlencode(sorted(args(request.args).items()))
    return f"page/{generation()}/{request.endpoint}/{values}?{query}"


def keep_out_of_cache() -> None:
    """The page being rendered answers this visitor's own input (a message
    about a bad value): it is not kept, so bad values make no keys."""
    g.keep_out_of_cache = True


def _is_personal() -> bool:
    return current_user.is_authenticated or "_flashes" in session


def _is_shareable(returned: Any) -> bool:
    if g.pop("keep_out_of_cache", False):
        return False
    response = current_app.make_response(returned)
    sets_cookie = "Set-Cookie" in response.headers
    return response.status_code == 200 and not session.modified and not sets_cookie


def cached_page(*, args: QueryArgs = no_args) -> Callable[[Callable[..., Any]], Any]:
    """Serve the view from the cache to anonymous visitors (GET only); `args`
    reads the query string as the view does (see the module's docstring)."""

    def key(*_: Any, **__: Any) -> str:
        g.pop("keep_out_of_cache", None)  # not this request's (an app context can outlive one)
        return _page_key(args)

    return cache.cached(make_cache_key=key, unless=_is_personal, response_filter=_is_shareable)
