"""Reads only the admin's screens need."""

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload

from marketplace.catalog.models import Certificate, CertificateStatus, Review, ReviewReport
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


def _open_reports():
    return (
        select(func.count())
        .where(ReviewReport.review_id == Review.id, ReviewReport.handled_at.is_(None))
        .correlate(Review)
        .scalar_subquery()
    )


def reported_reviews(*, hidden: bool) -> Select[tuple[Review, int]]:
    """(review, open reports) of the reviews someone reported that wait for
    the admin, most reported first; with `hidden`, the hidden reviews,
    latest hidden first."""
    statement = select(Review, _open_reports()).options(joinedload(Review.product))
    if hidden:
        return statement.where(Review.hidden_at.is_not(None)).order_by(
            Review.hidden_at.desc(), Review.id.desc()
        )
    waiting = exists().where(ReviewReport.review_id == Review.id, ReviewReport.handled_at.is_(None))
    return statement.where(Review.hidden_at.is_(None), waiting).order_by(
        _open_reports().desc(), Review.id.desc()
    )


def reported_review_count() -> Select[tuple[int]]:
    """How many visible reviews have reports waiting (the admin's index)."""
    return select(func.count(func.distinct(ReviewReport.review_id))).where(
        ReviewReport.handled_at.is_(None)
    )


def reports_of(review_id: int) -> Select[tuple[ReviewReport]]:
    return (
        select(ReviewReport)
        .where(ReviewReport.review_id == review_id)
        .order_by(ReviewReport.created_at.desc(), ReviewReport.id.desc())
    )
