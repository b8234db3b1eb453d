"""Page numbers of paginated lists, as they arrive in a query string (`hal`
in the catalog, `page` in the dashboards). A bad one never fails a request:
the first page is shown, with a message. A good one past the last page of
the catalog is not found (`last_page`): 404, saying which page is the last,
so a stale link neither shows page 1 as if it were page 999 nor lets
search engines keep empty pages. Flask-SQLAlchemy's own reading of
`?page=` takes any size (an OFFSET no database can hold: a 500) and any
digits `int()` takes, so `Database.paginate` (core/db.py) reads it here instead."""

from werkzeug.exceptions import NotFound

from marketplace.core.numbers import as_whole

MAX_PAGE = 100_000
BAD_PAGE = "Nomor halaman tidak valid; menampilkan halaman pertama."


def page_number(raw: str | None) -> tuple[int, str | None]:
    """(page, message): ASCII digits from 1 to MAX_PAGE; empty is page 1;
    anything else is page 1 with BAD_PAGE."""
    text = (raw or "").strip()
    if not text:
        return 1, None
    number = as_whole(text, maximum=MAX_PAGE)
    if not number:
        return 1, BAD_PAGE
    return number, None


class PageOutOfRange(NotFound):
    """A page number past the last page: the error pages say which is last
    and link to it."""

    def __init__(self, page: int, pages: int) -> None:
        super().__init__(f"Halaman {page} tidak ada: daftar ini hanya sampai halaman {pages}.")
        self.page = page
        self.pages = pages


def last_page(page: int, total: int, per_page: int) -> int:
    """How many pages `total` items fill (at least one, empty); PageOutOfRange
    when `page` is past them."""
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise PageOutOfRange(page, pages)
    return pages
