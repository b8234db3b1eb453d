"""Reads only the admin's screens need."""

from sqlalchemy import Select, func, select

from marketplace.catalog.models import Certificate, CertificateStatus
from marketplace.members.models import Member


def certificate_status_counts() -> Select[tuple[CertificateStatus, int]]:
    """(status, how many certificates) for the filter chips and the index."""
    return select(Certificate.status, func.count()).group_by(Certificate.status)


def members_with_own_commission() -> Select[tuple[Member]]:
    """Members whose sales carry their own commission rate, not their categories'."""
    return (
        select(Member)
        .where(Member.commission_bps.is_not(None))
        .order_by(Member.shop_name, Member.id)
    )
