"""Reads only the admin's screens need."""

from sqlalchemy import Select, func, select

from marketplace.catalog.models import Certificate


def certificate_status_counts() -> Select[tuple[str, int]]:
    """(status, how many certificates) for the filter chips and the index."""
    return select(Certificate.status, func.count()).group_by(Certificate.status)
