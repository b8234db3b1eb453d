"""Query-string values of the API beyond the catalog's own filters
(`catalog.filters.parse_filter`). Like those, a bad value never fails the
request: it falls back, with a message in Indonesian."""

from marketplace.core.numbers import NumberError, NumberTooLarge, parse_whole

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100


def parse_page_size(raw: str | None) -> tuple[int, list[str]]:
    """`per_halaman`: 1..MAX_PER_PAGE, DEFAULT_PER_PAGE when absent or bad."""
    try:
        number = parse_whole(raw, maximum=MAX_PER_PAGE)
    except NumberTooLarge:
        return MAX_PER_PAGE, [
            f"Jumlah per halaman paling banyak {MAX_PER_PAGE}; memakai {MAX_PER_PAGE}."
        ]
    except NumberError:
        number = 0
    if number is None:
        return DEFAULT_PER_PAGE, []
    if number == 0:
        return DEFAULT_PER_PAGE, [
            f"Jumlah per halaman harus angka 1 sampai {MAX_PER_PAGE}; memakai {DEFAULT_PER_PAGE}."
        ]
    return number, []
