"""The demo treasurer's month close: every month that has ended is closed,
in order, except the last one, which waits for the treasurer to close it
in the browser (and the current month, which has not ended)."""

from datetime import date, datetime

from marketplace.accounts.models import User
from marketplace.ledger.services import close_month, month_of, month_to_close, next_month

OPEN_MONTHS = 2  # the month that just ended and this one


def close_ended_months(*, treasurer: User, now: datetime) -> list[date]:
    """Close the months from the first one with a posting up to the one
    `OPEN_MONTHS` before `now`'s, oldest first; the months closed."""
    last = month_of(now)
    for _ in range(OPEN_MONTHS):
        last = _previous(last)
    closed = []
    month = month_to_close()
    while month is not None and month <= last:
        close_month(month=month, closed_by=treasurer)
        closed.append(month)
        month = next_month(month)
    return closed


def _previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
