"""Whole numbers read from text people type or send: form fields, ids in
forms, page numbers, CSV cells. ASCII digits only: Python's `int()` also
takes Arabic-Indic (`١٢٣`) and full-width (`１２３`) digits, and
`str.isdigit()` is true for superscripts (`²`) that `int()` then refuses.
Each number is bounded by the column it goes into, so the database never
sees one it cannot hold."""

import re

MAX_INTEGER = 2**31 - 1  # an INTEGER column: ids, stock, quantities, weights
MAX_BIG_INTEGER = 2**63 - 1  # a BIGINT column: money

_DIGITS = re.compile(r"[0-9]+")
# `1.250.000`: a dot between each group of three digits, as Indonesians write it.
_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_SPACES = re.compile(r"\s")


class NumberError(ValueError):
    """Text that is not the number asked for. `message` (also `str(error)`)
    is for the user, in Indonesian; being a ValueError, a WTForms field that
    parses with it shows the message as the field's error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAWholeNumber(NumberError):
    pass


class NegativeNumber(NumberError):
    pass


class NumberTooLarge(NumberError):
    pass


def _significant(digits: str) -> str:
    """ASCII `digits` without their leading zeros (`int()` refuses more
    than 4,300 digits, zeros included)."""
    return digits.lstrip("0") or "0"


def _fits(digits: str, maximum: int) -> bool:
    """Whether ASCII `digits` are at most `maximum`, without making an int of
    thousands of digits first."""
    significant = _significant(digits)
    return len(significant) <= len(str(maximum)) and int(significant) <= maximum


def parse_whole(
    text: str | None, *, what: str = "Angka", example: str = "25", maximum: int = MAX_INTEGER
) -> int | None:
    """`"1.250"` or `"1250"` -> 1250; empty -> None. Anything else raises a
    NumberError saying, about `what`, why not."""
    cleaned = _SPACES.sub("", text or "")
    if not cleaned:
        return None
    if cleaned.startswith("-"):
        raise NegativeNumber(f"{what} tidak boleh negatif.")
    if not (_DIGITS.fullmatch(cleaned) or _GROUPED.fullmatch(cleaned)):
        raise NotAWholeNumber(f"{what} harus bilangan bulat, misalnya {example}.")
    digits = cleaned.replace(".", "")
    if not _fits(digits, maximum):
        raise NumberTooLarge(f"{what} terlalu besar.")
    return int(_significant(digits))


def as_whole(text: object, *, maximum: int = MAX_INTEGER) -> int | None:
    """A whole number sent back by a page (an id, an index, a page number):
    ASCII digits from 0 to `maximum`, else None. Nothing to tell the user:
    our pages never send anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 <= text <= maximum else None
    if not isinstance(text, str) or not _DIGITS.fullmatch(text) or not _fits(text, maximum):
        return None
    return int(_significant(text))
