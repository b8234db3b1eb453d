"""Reads only the admin's screens need."""

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

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


def _waiting():
    return exists().where(ReviewReport.review_id == Review.id, ReviewReport.handled_at.is_(None))


def reported_reviews(*, hidden: bool) -> Select[tuple[Review]]:
    """The reviews someone reported that wait for the admin, latest first;
    with `hidden`, the hidden reviews, latest hidden first."""
    statement = select(Review).options(joinedload(Review.product), selectinload(Review.photos))
    if hidden:
        return statement.where(Review.hidden_at.is_not(None)).order_by(
            Review.hidden_at.desc(), Review.id.desc()
        )
    return statement.where(Review.hidden_at.is_(None), _waiting()).order_by(Review.id.desc())


def open_report_counts(review_ids: list[int]) -> Select[tuple[int, int]]:
    """(review id, reports waiting) of these reviews: one query for a page."""
    return (
        select(ReviewReport.review_id, func.count())
        .where(ReviewReport.review_id.in_(review_ids), ReviewReport.handled_at.is_(None))
        .group_by(ReviewReport.review_id)
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
