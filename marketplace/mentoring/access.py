"""Who may do what, derived from dates and acceptances, never stored: a
mentor acts only while their cohort runs (start <= today <= end, in
Banyumas), only after accepting the invitation, and only for members who
accepted the pairing and whose pairing has not ended. The day the cohort
ends, every mentor page answers 403 (no running cohort) or 404 (that
member is not theirs), with nothing to switch off."""

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, or_, select

from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db, login_manager
from marketplace.members.models import Member
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit, VisitPhoto


def running_mentors(user_id: int, day: date) -> Select[tuple[Mentor]]:
    """The user's accepted places in cohorts that run on `day`."""
    return (
        select(Mentor)
        .join(Cohort, Cohort.id == Mentor.cohort_id)
        .where(
            Mentor.user_id == user_id,
            Mentor.accepted_at.is_not(None),
            Cohort.starts_on <= day,
            Cohort.ends_on >= day,
        )
        .order_by(Cohort.starts_on, Mentor.id)
    )


def live_pairings(user_id: int, day: date) -> Select[tuple[Pairing]]:
    """The pairings through which the user may act on `day`."""
    running = running_mentors(user_id, day).with_only_columns(Mentor.id)
    return (
        select(Pairing)
        .where(
            Pairing.mentor_id.in_(running),
            Pairing.accepted_at.is_not(None),
            Pairing.ended_at.is_(None),
        )
        .order_by(Pairing.id)
    )


def mentor_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Lets in a mentor of a running cohort, passing `mentors` (their running
    places) to the view: anonymous users go to the login page, anyone else
    (a mentor whose cohort ended included) gets 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(Role.MENTOR):
            abort(403)
        mentors = list(db.session.scalars(running_mentors(current_user.id, clock.today())))
        if not mentors:
            abort(403)
        return view(*args, mentors=mentors, **kwargs)

    return wrapped


def pairing_or_404(user_id: int, member_id: int) -> Pairing:
    """The user's live pairing with member `member_id`: any other member,
    unpaired, not yet accepted or ended, is not found."""
    pairing = db.session.scalars(
        live_pairings(user_id, clock.today()).where(Pairing.member_id == member_id).limit(1)
    ).first()
    if pairing is None:
        abort(404)
    return pairing


def visit_photo_or_404(photo_id: int) -> VisitPhoto:
    """A visit photo, for the logged-in admin, the paired member (whatever
    became of the pairing: it is their shop's record) and the mentor while
    they may act for that member (live_pairings); anyone else finds nothing,
    a mentor whose cohort ended included."""
    found = select(VisitPhoto).where(VisitPhoto.id == photo_id)
    if not current_user.has_role(Role.ADMIN):
        live = live_pairings(current_user.id, clock.today()).with_only_columns(Pairing.id)
        own_shop = select(Member.id).where(Member.user_id == current_user.id)
        found = (
            found.join(Visit, Visit.id == VisitPhoto.visit_id)
            .join(Pairing, Pairing.id == Visit.pairing_id)
            .where(or_(Pairing.id.in_(live), Pairing.member_id.in_(own_shop)))
        )
    photo = db.session.scalars(found).first()
    if photo is None:
        abort(404)
    return photo
