"""Time in Banyumas: WIB is UTC+7 all year round (no daylight saving).
Timestamps are stored in UTC; SQLite hands them back without their zone."""

from datetime import UTC, date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def as_date(value: object) -> date:
    """A date from a query: SQLite may hand one back as text (`2026-11-01`)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp with its zone: naive ones are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def today() -> date:
    """Today's date in Banyumas. Rules that depend on the day (a mentoring
    cohort running) ask here, so a test can move the clock in one place."""
    return datetime.now(WIB).date()
