"""Page numbers of paginated lists, as they arrive in a query string (`hal`
in the catalog, `page` in the dashboards). A bad one never fails a request:
the first page is shown, with a message. Flask-SQLAlchemy's own reading of
`?page=` takes any size (an OFFSET no database can hold: a 500) and any
digits `int()` takes, so `Database.paginate` (core/db.py) reads it here instead."""

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
