"""A running cohort with an accepted mentor paired with a member who
accepted (a draft the mentor wrote for them, a visit with a photo), and
another member nobody mentors: what the mentoring tests and the route
fuzzer start from."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app, url_for

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product, ProductChangeKind, ProductStatus
from marketplace.core import clock
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.mentoring import services
from marketplace.mentoring.models import Cohort, Mentor, Pairing, VisitPhoto
from tests import factories
from tests.members.helpers import picture


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
    # With `mentoring_world(extras=True)`: a draft the mentor wrote for the
    # paired member, not yet published, and a photo of a visit they logged.
    draft: Product = None  # type: ignore[assignment]
    photo: VisitPhoto = None  # type: ignore[assignment]


def mentors_draft(pairing: Pairing, **values: object) -> Product:
    """A draft the pairing's mentor wrote for its member (as services.draft_product leaves it)."""
    draft = factories.ProductFactory(member=pairing.member, status=ProductStatus.DRAFT, **values)
    db.session.flush()
    assert pairing.mentor.user_id is not None
    services.write_note(draft, pairing.mentor, ProductChangeKind.DRAFTED, "Draf disusun.")
    db.session.flush()
    return draft


def visit_with_photos(pairing: Pairing, count: int = 1, topic: str = "Foto produk"):
    return services.log_visit(
        pairing=pairing,
        visited_on=clock.today(),
        topic=topic,
        notes="Latihan memotret di teras.",
        today=clock.today(),
        uploads=[picture((400 + n, 300)) for n in range(count)],
        store=storage(),
    )


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


def mentoring_world(
    *, member: Member | None = None, admin: User | None = None, extras: bool = False
) -> Mentoring:
    admin = admin or factories.UserFactory(roles=[Role.ADMIN])
    member = member or factories.MemberFactory()
    pairing = running_pairing(member, admin)
    mentor = pairing.mentor
    assert mentor.user is not None
    product = factories.ProductFactory(member=member)
    other = factories.MemberFactory()
    other_product = factories.ProductFactory(member=other)
    db.session.flush()
    world = Mentoring(
        admin,
        mentor.cohort,
        mentor.user,
        mentor,
        member,
        pairing,
        product,
        other,
        other_product,
    )
    if extras:
        world.draft = mentors_draft(pairing, name="Draf Nopia Pendamping")
        world.photo = visit_with_photos(pairing).photos[0]
    return world


def after(cohort: Cohort) -> date:
    return cohort.ends_on + timedelta(days=1)


def url(endpoint: str, **values: object) -> str:
    """The path of `endpoint`, built as a request would."""
    with current_app.test_request_context():
        return url_for(endpoint, **values)
