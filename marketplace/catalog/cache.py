"""The public catalog, cached whole for anonymous visitors.

A cached page's key holds the *generations* of what the page shows:
counters in the cache, each moved after every commit that changed what it
stands for. So a change shows at once, on every worker sharing the cache
(Redis in production), and no page is ever cleared by hand.

- The catalog's generation is in every key. It moves after a commit that
  changed a catalog row (product, variant, image, category, certificate,
  the products a certificate covers, member, delivery rate, kecamatan,
  a review),
  except for stock that orders move.
- Orders move stock all day (checkout takes it, an expired or cancelled
  order gives it back). Cards and listings show only whether a product has
  stock, so such a move changes them only when a product runs out or comes
  back: then the catalog's generation moves. Otherwise only the pages that
  count stock are stale: the product's own page (`product_page`: its
  generation moves) and the API's list (`every_stock`: the stock's
  generation moves). So order traffic leaves browsing cached.

What decides a change is the session itself (flushed objects and ORM
UPDATE/INSERT/DELETE statements), so no service can forget to say so; the
stock statements of orders say what they moved (`stock_moved`).

A generation's value is the time in nanoseconds at which it last moved (or
was first read), never a small counter: if Redis evicts or loses one, its
next value is one no page was ever kept under, so no page from before is
served. A reader that finds none puts one in place only if none is there
(SET NX): it never overwrites a move made meanwhile.

A page is cached only if it is the same for every anonymous visitor (of
the same kecamatan, see below): no logged-in user, no flash message, no
guest cart (the top bar counts it: `personal_when`), no session written
while rendering (a form's CSRF token writes one), no cookie set, no message
about the visitor's own bad input (`keep_out_of_cache`). The `X-Cache`
header says whether a page came from the cache (HIT) or was rendered (MISS).

The key is the page as the view understands it: its endpoint, its URL
values and its query string as the view parses it (`args`), defaults left
out, in a fixed order, and the visitor's own kecamatan if they chose one
(`my_kecamatan`: the product page says whether it is delivered there, the
list offers to filter by it), so a visitor from Sokaraja is never served
the page rendered for one from Wangon. Nothing else reaches the key: not
the Host header, not `fbclid`, `utm_*` or any parameter the page ignores,
so a visitor cannot grow the cache by adding junk to the address. (Such an
address is served as it is, not redirected: a link shared on WhatsApp
opens in one request.)"""

import time
from collections.abc import Callable, Mapping
from functools import wraps
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask.sansio.app import App
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from marketplace.catalog import my_kecamatan
from marketplace.catalog.filters import parse_filter, parse_page
from marketplace.catalog.models import (
    Category,
    Certificate,
    CertificateProduct,
    Product,
    ProductImage,
    ProductVariant,
    Review,
    ReviewPhoto,
)
from marketplace.core import outages, resilient_cache
from marketplace.extensions import cache, db
from marketplace.members.models import DeliveryRate, Kecamatan, Member

GENERATION_KEY = "catalog/generation"
STOCK_KEY = "catalog/stock"
CHANGED = "catalog_changed"
STOCK_MOVED = "catalog_stock_moved"
# An ORM statement with this execution option moves only stock, and says
# which products through `stock_moved`: it does not count as a change.
STOCK_ONLY = "catalog_stock_only"
# app.extensions: what else makes a visitor's pages their own (personal_when).
PERSONAL_CHECKS = "catalog_personal_checks"
# Certificate: a verified one is a badge on cards and pages, and filters /produk;
# CertificateProduct: a verified one puts its shop's certificate on a product.
CATALOG_MODELS = (
    Product,
    ProductVariant,
    ProductImage,
    Category,
    Certificate,
    CertificateProduct,
    Member,
    DeliveryRate,
    Kecamatan,
    Review,
    ReviewPhoto,
)
CATALOG_TABLES = frozenset(model.__table__ for model in CATALOG_MODELS)


def product_key(product_id: int) -> str:
    return f"catalog/product/{product_id}"


class _Owed:
    """Whether this worker owes the cache a move of the catalog's generation:
    a change committed, or a page read, while the cache was out of reach.
    When it answers again it may still hold the pages from before (a
    network blip, a restart from a snapshot), so the first read after the
    outage moves it first."""

    count_up = False


def _fresh() -> int:
    return time.time_ns()


def generations(keys: tuple[str, ...]) -> tuple[int, ...]:
    """The generations under `keys` (the catalog's first), read at once; all
    0 while the cache is out of reach (no page is read or kept meanwhile)."""
    was_down = outages.is_down(resilient_cache.BACKEND)
    values = cache.get_many(*keys)
    if outages.is_down(resilient_cache.BACKEND):
        _Owed.count_up = True
        return (0,) * len(keys)
    if was_down or _Owed.count_up:
        move(GENERATION_KEY)
        values = cache.get_many(*keys)
    return tuple(
        value if value is not None else _first(key) for key, value in zip(keys, values, strict=True)
    )


def _first(key: str) -> int:
    """A generation nobody has read or moved yet (or that the cache lost)."""
    value = _fresh()
    if cache.add(key, value, timeout=0):  # SET NX: a move made meanwhile wins
        return value
    return cache.get(key) or 0


def move(*keys: str) -> None:
    """The pages keyed on these generations are stale from now on. A cache
    out of reach is owed a move of the catalog's generation until it
    answers (logged once per outage)."""
    try:
        cache.cache.set_many(dict.fromkeys(keys, _fresh()), timeout=0)
    except Exception as error:  # noqa: BLE001 - redis.RedisError, OSError: whatever the backend raises
        _Owed.count_up = True
        outages.failed(resilient_cache.BACKEND, error)
    else:
        if GENERATION_KEY in keys:
            _Owed.count_up = False
        outages.recovered(resilient_cache.BACKEND)


def stock_moved(product_id: int, *, before: int, after: int) -> None:
    """An order took or gave back stock of a product, from `before` to
    `after` in all. Its page and the stock counts go stale at the commit;
    every listing too if the product ran out or came back."""
    marks = db.session.info
    marks.setdefault(STOCK_MOVED, set()).add(product_id)
    if (before > 0) != (after > 0):
        marks[CHANGED] = True


def _note_flush(session: Session, flush_context: UOWTransaction) -> None:
    if any(
        isinstance(row, CATALOG_MODELS)
        for row in chain(session.new, session.dirty, session.deleted)
    ):
        session.info[CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        stock_only = state.execution_options.get(STOCK_ONLY, False)
        if not stock_only and getattr(state.statement, "table", None) in CATALOG_TABLES:
            state.session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    """The change is saved: tell the cache. A cache that cannot be reached
    must not turn a saved order or listing into an error page, so its
    failure is logged (once per outage) and the request goes on."""
    # A rolled-back change keeps the marks until the next commit: a page
    # thrown away for nothing is harmless, a stale one is not.
    changed = session.info.pop(CHANGED, False)
    moved = session.info.pop(STOCK_MOVED, set())
    if not has_app_context():
        return
    if changed:
        move(GENERATION_KEY)
    elif moved:
        move(STOCK_KEY, *(product_key(product_id) for product_id in sorted(moved)))


LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _note_flush),
    ("do_orm_execute", _note_statement),
    ("after_commit", _after_commit),
)


def install_invalidation(app: Flask) -> None:
    """Listen to every session once per process; say HIT or MISS on pages."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    app.after_request(_say_hit_or_miss)


# The query string as a view understands it: name -> value, defaults left out.
QueryArgs = Callable[[Mapping[str, str]], Mapping[str, str | int]]
# The generations a page shows besides the catalog's, from its URL values.
Shows = Callable[[Mapping[str, Any]], tuple[str, ...]]


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


def listings(view_args: Mapping[str, Any]) -> tuple[str, ...]:
    """Cards and lists: whether a product has stock, not how much."""
    return ()


def product_page(view_args: Mapping[str, Any]) -> tuple[str, ...]:
    """One product's page: its variants' stock, counted."""
    return (product_key(view_args["product_id"]),)


def every_stock(view_args: Mapping[str, Any]) -> tuple[str, ...]:
    """A list that counts every product's stock."""
    return (STOCK_KEY,)


def _page_key(args: QueryArgs, shows: Shows) -> str:
    view_args = request.view_args or {}
    seen = ".".join(map(str, generations((GENERATION_KEY, *shows(view_args)))))
    values = urlencode(sorted(view_args.items()))
    query = urlencode(sorted(args(request.args).items()))
    mine = my_kecamatan.chosen_slug() or ""
    return f"page/{seen}/{request.endpoint}/{values}?{query}#{mine}"


def keep_out_of_cache() -> None:
    """The page being rendered answers this visitor's own input (a message
    about a bad value): it is not kept, so bad values make no keys."""
    g.keep_out_of_cache = True


def personal_when(app: App, check: Callable[[], bool]) -> None:
    """A higher domain's word that a visitor's pages are their own while
    `check()` holds: none is served from the cache or kept. Orders says so
    of a guest with a cart, whose count the top bar shows."""
    app.extensions.setdefault(PERSONAL_CHECKS, []).append(check)


def _is_personal() -> bool:
    return (
        current_user.is_authenticated
        or "_flashes" in session
        or any(check() for check in current_app.extensions.get(PERSONAL_CHECKS, ()))
    )


def _is_shareable(returned: Any) -> bool:
    if g.pop("keep_out_of_cache", False):
        return False
    response = current_app.make_response(returned)
    sets_cookie = "Set-Cookie" in response.headers
    return response.status_code == 200 and not session.modified and not sets_cookie


def _say_hit_or_miss(response: Response) -> Response:
    said = g.pop("page_cache", None)
    if said is not None:
        response.headers["X-Cache"] = said
    return response


def cached_page(
    *, args: QueryArgs = no_args, shows: Shows = listings
) -> Callable[[Callable[..., Any]], Any]:
    """Serve the view from the cache to anonymous visitors (GET only); `args`
    reads the query string as the view does, `shows` names what besides
    the catalog the page counts (see the module's docstring)."""

    def key(*_: Any, **__: Any) -> str:
        g.pop("keep_out_of_cache", None)  # not this request's (an app context can outlive one)
        g.page_cache = "HIT"
        return _page_key(args, shows)

    def decorator(view: Callable[..., Any]) -> Any:
        @wraps(view)
        def rendered(*view_args: Any, **view_kwargs: Any) -> Any:
            if "page_cache" in g:
                g.page_cache = "MISS"
            return view(*view_args, **view_kwargs)

        return cache.cached(make_cache_key=key, unless=_is_personal, response_filter=_is_shareable)(
            rendered
        )

    return decorator
