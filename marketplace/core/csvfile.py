"""The one way the shop writes a CSV file for people to open in a
spreadsheet: UTF-8 with a byte order mark (so Excel reads the accents as
UTF-8), CRLF line ends, and the semicolon as the delimiter.

Excel opens a CSV file with the list separator of the computer's regional
settings; with Indonesian settings (decimal comma, as in the association's
offices) that is ";", and a comma-separated file would open as one column.
LibreOffice detects ";" in its import dialog; English-locale Excel users
can still use Data > From Text. No `sep=;` line: Excel then ignores the
byte order mark. Cells hold plain integers and ISO dates, so no decimal
comma meets the delimiter.

A text cell that a spreadsheet would run as a formula (=, +, -, @, tab,
carriage return first) gets a leading apostrophe."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[object]


def text_cell(value: str) -> str:
    """A text cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def lines(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The file a line at a time, the byte order mark first (a long file streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield BOM + taken()
    for row in rows:
        writer.writerow(row)
        yield taken()


def document(header: Row, rows: Iterable[Row]) -> bytes:
    """The whole file, encoded."""
    return "".join(lines(header, rows)).encode("utf-8")
