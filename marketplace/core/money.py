"""Money is whole rupiah in `int`. Rates are basis points (500 = 5 %)."""

import re
from collections.abc import Mapping

from marketplace.core.numbers import parse_whole

BPS_WHOLE = 10_000
# The most any amount typed into the shop may be: 15 digits, well inside a
# BIGINT column.
MAX_RUPIAH = 10**15 - 1
_SPACES = re.compile(r"\s")
_CURRENCY = re.compile(r"^rp\.?", re.IGNORECASE)
_NO_SEN = re.compile(r"(?:,0{1,2}|,-)$")


def format_rupiah(amount: int) -> str:
    """`15000` -> `Rp15.000`; negative amounts keep their sign in front."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"rupiah must be int, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{thousands(abs(amount))}"


def parse_rupiah(
    text: str | None,
    *,
    what: str = "Jumlah",
    example: str = "15000 atau 15.000",
    maximum: int = MAX_RUPIAH,
) -> int | None:
    """The one reader of amounts typed in rupiah: `"Rp15.000"`, `"Rp 15.000,-"`,
    `"15.000,00"`, `"15000"` -> 15000; empty -> None. Sen, negative amounts,
    other digits than 0-9 and amounts above `maximum` raise a
    `core.numbers.NumberError` (NotAWholeNumber, NegativeNumber,
    NumberTooLarge) whose message, about `what`, is for the user."""
    cleaned = _NO_SEN.sub("", _CURRENCY.sub("", _SPACES.sub("", text or "")))
    return parse_whole(cleaned, what=what, example=example, maximum=maximum)


def thousands(number: int) -> str:
    """`15000` -> `15.000`: an amount as it is typed back into a field (the
    `rupiah` filter adds `Rp` for reading)."""
    return f"{number:,}".replace(",", ".")


def is_rate(bps: object) -> bool:
    """A rate in whole basis points from 0 to 100 %."""
    return isinstance(bps, int) and not isinstance(bps, bool) and 0 <= bps <= BPS_WHOLE


def percent_of(amount: int, bps: int) -> int:
    """`bps` basis points of `amount`, rounded half up (away from zero for
    negative amounts) to a whole rupiah, in integer arithmetic only."""
    if bps < 0:
        raise ValueError("rate must not be negative")
    magnitude = (abs(amount) * bps * 2 + BPS_WHOLE) // (2 * BPS_WHOLE)
    return magnitude if amount >= 0 else -magnitude


def split(amount: int, shares: Mapping[str, int]) -> dict[str, int]:
    """Split `amount` by integer `shares` with the largest remainder method,
    so the parts always add up to `amount` exactly. Ties go to the share
    listed first."""
    total_share = sum(shares.values())
    if total_share <= 0 or any(share < 0 for share in shares.values()):
        raise ValueError("shares must be non-negative and not all zero")
    if amount < 0:
        return {name: -part for name, part in split(-amount, shares).items()}
    parts = {name: amount * share // total_share for name, share in shares.items()}
    remainders = sorted(
        shares,
        key=lambda name: -(amount * shares[name] % total_share),
    )
    for name in remainders[: amount - sum(parts.values())]:
        parts[name] += 1
    return parts
