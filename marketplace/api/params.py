"""Query-string values of the API beyond the catalog's own filters
(`catalog.filters.parse_filter`). Like those, a bad value never fails the
request: it falls back, with a message in Indonesian."""

import re

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²".isdigit() is true, int("²") fails


def parse_page_size(raw: str | None) -> tuple[int, list[str]]:
    """`per_halaman`: 1..MAX_PER_PAGE, DEFAULT_PER_PAGE when absent or bad."""
    number = (raw or "").strip()
    if not number:
        return DEFAULT_PER_PAGE, []
    significant = number.lstrip("0")
    if not DIGITS.fullmatch(number) or not significant:
        return DEFAULT_PER_PAGE, [
            f"Jumlah per halaman harus angka 1 sampai {MAX_PER_PAGE}; memakai {DEFAULT_PER_PAGE}."
        ]
    if len(significant) > len(str(MAX_PER_PAGE)) or int(significant) > MAX_PER_PAGE:
        return MAX_PER_PAGE, [
            f"Jumlah per halaman paling banyak {MAX_PER_PAGE}; memakai {MAX_PER_PAGE}."
        ]
    return int(significant), []
