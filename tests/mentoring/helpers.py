"""A running cohort with an accepted mentor paired with a member who
accepted, and another member nobody mentors: what the mentoring tests and
the route fuzzer start from."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app, url_for

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.mentoring.models import Cohort, Mentor, Pairing
from tests import factories


@dataclass
class Mentoring:
    admin: User
    cohort: Cohort
    mentor_user: User
    mentor: Mentor
    member: Member
    pairing: Pairing
    product: Product  # the paired member's
    other: Member  # nobody mentors them
    other_product: Product


def running_pairing(member: Member, admin: User) -> Pairing:
    """A cohort running from ten days ago to thirty days on, its accepted
    mentor and their pairing with `member`, accepted."""
    today = clock.today()
    cohort = Cohort(
        campus="Unsoed",
        programme="KKN Tematik UMKM",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=30),
        created_by_id=admin.id,
    )
    mentor_user = factories.UserFactory(roles=[Role.MENTOR], name="Dewi Mahasiswa")
    mentor = Mentor(
        cohort=cohort,
        email=mentor_user.email,
        name=mentor_user.name,
        user_id=mentor_user.id,
        user=mentor_user,
        accepted_at=datetime.now(UTC),
    )
    pairing = Pairing(mentor=mentor, member=member, accepted_at=datetime.now(UTC))
    db.session.add_all([cohort, mentor, pairing])
    db.session.flush()
    return pairing


def mentoring_world(*, member: Member | None = None, admin: User | None = None) -> Mentoring:
    admin = admin or factories.UserFactory(roles=[Role.ADMIN])
    member = member or factories.MemberFactory()
    pairing = running_pairing(member, admin)
    mentor = pairing.mentor
    assert mentor.user is not None
    product = factories.ProductFactory(member=member)
    other = factories.MemberFactory()
    other_product = factories.ProductFactory(member=other)
    db.session.flush()
    return Mentoring(
        admin, mentor.cohort, mentor.user, mentor, member, pairing, product, other, other_product
    )


def after(cohort: Cohort) -> date:
    return cohort.ends_on + timedelta(days=1)


def url(endpoint: str, **values: object) -> str:
    """The path of `endpoint`, built as a request would."""
    with current_app.test_request_context():
        return url_for(endpoint, **values)
