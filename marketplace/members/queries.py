"""Reads of membership. Functions named for what they return; a `Select`
leaves execution and paging to the caller."""

from sqlalchemy import BindParameter, Select, case, func, select
from sqlalchemy.orm import joinedload

from marketplace.members.models import DeliveryRate, Kecamatan, Member, MemberDecision, MemberStatus

# The admin's list shows what needs a decision first.
REVIEW_ORDER = {
    MemberStatus.PENDING: 0,
    MemberStatus.SUSPENDED: 1,
    MemberStatus.APPROVED: 2,
    MemberStatus.REJECTED: 3,
}


def kecamatan_list() -> Select[tuple[Kecamatan]]:
    return select(Kecamatan).order_by(Kecamatan.name)


def kecamatan_by_slug(slug: str) -> Select[tuple[Kecamatan]]:
    return select(Kecamatan).where(Kecamatan.slug == slug)


def member_of_user(user_id: int) -> Select[tuple[Member]]:
    """The one membership (application or shop) of a user, if any."""
    return select(Member).where(Member.user_id == user_id)


def members_for_review(
    *, status: MemberStatus | None = None, kecamatan_id: int | None = None
) -> Select[tuple[Member]]:
    """Applications and members for the admin: pending first, then by
    status; the oldest application first within each status."""
    statement = select(Member).options(joinedload(Member.user))
    if status is not None:
        statement = statement.where(Member.status == status)
    if kecamatan_id is not None:
        statement = statement.where(Member.kecamatan_id == kecamatan_id)
    rank = case(REVIEW_ORDER, value=Member.status, else_=len(REVIEW_ORDER))
    return statement.order_by(rank, Member.created_at, Member.id)


def status_counts(*, kecamatan_id: int | None = None) -> Select[tuple[MemberStatus, int]]:
    """(status, how many members) for the filter chips."""
    statement = select(Member.status, func.count()).group_by(Member.status)
    if kecamatan_id is not None:
        statement = statement.where(Member.kecamatan_id == kecamatan_id)
    return statement


def decisions_of(member_id: int) -> Select[tuple[MemberDecision]]:
    """The history of one membership, newest first."""
    return (
        select(MemberDecision)
        .where(MemberDecision.member_id == member_id)
        .options(joinedload(MemberDecision.decided_by))
        .order_by(MemberDecision.decided_at.desc(), MemberDecision.id.desc())
    )


def latest_decision(member_id: int) -> Select[tuple[MemberDecision]]:
    return decisions_of(member_id).limit(1)


def delivery_rates_of(member_id: int) -> Select[tuple[DeliveryRate]]:
    return (
        select(DeliveryRate)
        .join(DeliveryRate.kecamatan)
        .where(DeliveryRate.member_id == member_id)
        .order_by(Kecamatan.name)
    )


def members_delivering_to(kecamatan_slug: str | BindParameter[str]) -> Select[tuple[int]]:
    """The ids of the members who deliver to the kecamatan of this slug
    (or bound to it when executing)."""
    return (
        select(DeliveryRate.member_id)
        .join(DeliveryRate.kecamatan)
        .where(Kecamatan.slug == kecamatan_slug)
    )
