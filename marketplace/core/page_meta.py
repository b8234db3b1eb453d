"""What a page says about itself to search engines and to the apps a link
is pasted into (WhatsApp, Facebook, Telegram, X): its title, a short
description, its canonical address, the OpenGraph and Twitter card, and
whether it may be indexed at all.

Indexing is opt-in: a view marked `@indexable` may be indexed; every other
response (the cart, checkout, the account, the dashboards, print pages,
exports, error pages, a page added tomorrow) says `noindex`, both in the
`X-Robots-Tag` header of every response and in the page's
`<meta name="robots">`, so a new private page is kept out of search
without anyone remembering to. A public view builds a `PageMeta` (see
`catalog.previews`) and passes it as `page_meta`; base.html renders it
with one macro (_macros/meta.html). A page without one is noindex."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

SITE_NAME = "Pasar Aspikmas"
LOCALE = "id_ID"
DESCRIPTION_LENGTH = 160  # what search results and chat cards show before cutting
INDEXABLE = "indexable_unless"
NOINDEX = "noindex"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class PreviewImage:
    """The picture of a link's card: an absolute address and what it shows."""

    url: str
    alt: str
    width: int = 1200
    height: int = 630
    type: str = "image/jpeg"


@dataclass(frozen=True)
class PageMeta:
    title: str  # without the site's name: base.html adds it to <title>
    description: str
    url: str  # the canonical address, from PUBLIC_URL
    image: PreviewImage
    type: str = "website"  # og:type
    indexable: bool = True
    extra: tuple[tuple[str, str], ...] = ()  # more OpenGraph properties (product:price:amount)

    @property
    def document_title(self) -> str:
        """The <title>: with the site's name, unless it already says it."""
        return self.title if SITE_NAME in self.title else f"{self.title} · {SITE_NAME} Banyumas"

    @property
    def site_name(self) -> str:
        return SITE_NAME

    @property
    def locale(self) -> str:
        return LOCALE


def _never() -> bool:
    return False


def indexable(view: View | None = None, *, unless: Callable[[], bool] = _never) -> Any:
    """Mark a public view as one search engines may index (`unless()` holds
    for this request: a search result list, say). Use it right under the
    route decorator; `functools.wraps` carries the mark through the page cache."""

    def mark(function: View) -> View:
        setattr(function, INDEXABLE, unless)
        return function

    return mark(view) if view is not None else mark


def is_indexable() -> bool:
    """Whether this request's page may be indexed: its view opted in, and
    does not say otherwise for this request."""
    view = current_app.view_functions.get(request.endpoint or "")
    unless = getattr(view, INDEXABLE, None)
    return unless is not None and not unless()


def shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """`text` on one line, cut at a word before `length` characters with `…`."""
    words = " ".join(text.split())
    if len(words) <= length:
        return words
    cut = words[: length - 1].rsplit(" ", 1)[0].rstrip(" ,.;:–-")
    return f"{cut}…"


def _say_noindex(response: Response) -> Response:
    if response.status_code >= 400 or not is_indexable():
        response.headers.setdefault("X-Robots-Tag", NOINDEX)
    return response


def register_page_meta(app: Flask) -> None:
    """Every response that is not an indexable public page says noindex."""
    app.after_request(_say_noindex)
