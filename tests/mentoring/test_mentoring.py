"""Campus mentoring end to end: the admin's cohort, invitation and pairing,
the member's acceptance, and what a mentor may do for a paired member while
the cohort runs (draft, suggest, log a visit) and may never do (publish,
touch another member's shop, act after the cohort ends)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.catalog.models import Product, ProductChange, ProductChangeKind, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit
from tests import factories
from tests.mentoring.helpers import after, mentoring_world, url

pytestmark = pytest.mark.usefixtures("app_context")


def draft_form(name: str = "Nopia Bawang Merah", **extra: str) -> dict:
    return {
        "name": name,
        "category_id": str(factories.category().id),
        "description": "Nopia khas Banyumas, dipanggang di tungku tanah liat.",
        "unit": "bungkus",
        "weight_grams": "",
        "variants-0-name": "",
        "variants-0-price": "12.500",
        "variants-0-stock": "20",
        **extra,
    }


def test_admin_creates_a_cohort_and_invites_a_mentor_who_accepts(client, login_as):
    admin = login_as(Role.ADMIN)
    today = clock.today()
    response = client.post(
        url("mentoring.cohorts"),
        data={
            "campus": "UMP",
            "programme": "Magang Kewirausahaan",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
        },
    )
    cohort = db.session.scalars(select(Cohort)).one()
    assert response.status_code == 302
    assert (cohort.campus, cohort.created_by_id) == ("UMP", admin.id)

    response = client.post(
        url("mentoring.invite", cohort_id=cohort.id),
        data={"name": "Rizky Pratama", "email": "Rizky@Mhs.UMP.ac.id"},
    )
    assert response.status_code == 302
    mentor = db.session.scalars(select(Mentor)).one()
    assert (mentor.email, mentor.user_id) == ("rizky@mhs.ump.ac.id", None)
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.recipient == "rizky@mhs.ump.ac.id"
    link = next(word for word in email.body_text.split() if "/pendamping/undangan/" in word)
    assert link.startswith("https://pasar.aspikmas.test/pendamping/undangan/")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {AuditAction.COHORT_CREATED, AuditAction.MENTOR_INVITED} <= actions

    # Without an account: the page sends them to register, then back here.
    client.post(url("accounts.logout"))
    path = link.removeprefix("https://pasar.aspikmas.test")
    page = client.get(path)
    assert page.status_code == 200
    assert url("accounts.register", next=path) in page.text

    # Someone else's account cannot take it up.
    login_as(factories.UserFactory(email="lain@contoh.id"))
    assert "Undangan ini untuk rizky@mhs.ump.ac.id" in client.post(path).text
    assert db.session.get(Mentor, mentor.id).user_id is None

    student = login_as(factories.UserFactory(email="rizky@mhs.ump.ac.id"))
    response = client.post(path)
    assert response.status_code == 302
    assert response.location == url("mentoring.dashboard")
    db.session.expire_all()
    assert db.session.get(Mentor, mentor.id).user_id == student.id
    assert student.has_role(Role.MENTOR)
    assert client.get(url("mentoring.dashboard")).status_code == 200


def test_a_forged_invitation_link_is_not_found(client):
    assert client.get("/pendamping/undangan/palsu").status_code == 404


def test_the_member_accepts_the_pairing_from_their_dashboard(client, login_as):
    world = mentoring_world()
    world.pairing.accepted_at = None
    login_as(world.member.user)
    dashboard = client.get(url("catalog.manage.index"))
    assert "Lihat dan terima" in dashboard.text
    response = client.post(url("mentoring.accept_pairing", pairing_id=world.pairing.id))
    assert response.status_code == 302
    assert db.session.get(Pairing, world.pairing.id).accepted_at is not None
    assert "Lihat dan terima" not in client.get(url("catalog.manage.index")).text


def test_a_member_cannot_accept_another_members_pairing(client, login_as):
    world = mentoring_world()
    world.pairing.accepted_at = None
    login_as(world.other.user)
    response = client.post(url("mentoring.accept_pairing", pairing_id=world.pairing.id))
    assert response.status_code == 404
    assert db.session.get(Pairing, world.pairing.id).accepted_at is None


def test_the_admin_pairs_a_mentor_with_a_member(client, login_as):
    world = mentoring_world()
    login_as(world.admin)
    response = client.post(
        url("mentoring.pair", cohort_id=world.cohort.id),
        data={"mentor_id": world.mentor.id, "member_id": world.other.id},
    )
    assert response.status_code == 302
    pairing = db.session.scalars(select(Pairing).where(Pairing.member_id == world.other.id)).one()
    assert (pairing.mentor_id, pairing.accepted_at) == (world.mentor.id, None)


def test_the_mentor_drafts_and_the_member_publishes(client, login_as):
    world = mentoring_world()
    login_as(world.mentor_user)
    # Whatever status is sent, the mentor's listing is a draft.
    response = client.post(
        url("mentoring.draft", member_id=world.member.id), data=draft_form(status="active")
    )
    assert response.status_code == 302
    product = db.session.scalars(select(Product).where(Product.name == "Nopia Bawang Merah")).one()
    assert (product.member_id, product.status) == (world.member.id, ProductStatus.DRAFT)
    note = db.session.scalars(
        select(ProductChange).where(ProductChange.product_id == product.id)
    ).one()
    assert (note.kind, note.changed_by_id) == (ProductChangeKind.DRAFTED, world.mentor_user.id)
    assert note.acting_as == "Pendamping kampus Unsoed"

    # The mentor has no way to publish: the member's own pages are not theirs.
    publish = url("catalog.manage.product_action", product_id=product.id, action="tayangkan")
    assert client.post(publish).status_code == 403
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT

    login_as(world.member.user)
    edit = client.get(url("catalog.manage.edit", product_id=product.id))
    assert "Draf disusun oleh" in edit.text
    assert world.mentor_user.name in edit.text
    assert client.post(publish).status_code == 302
    assert db.session.get(Product, product.id).status == ProductStatus.ACTIVE


def test_the_member_reads_the_mentors_suggestion_on_the_edit_page(client, login_as):
    world = mentoring_world()
    login_as(world.mentor_user)
    address = url("mentoring.product", member_id=world.member.id, product_id=world.product.id)
    response = client.post(address, data={"body": "Foto dengan cahaya pagi dari jendela."})
    assert response.status_code == 302
    login_as(world.member.user)
    edit = client.get(url("catalog.manage.edit", product_id=world.product.id))
    assert "Foto dengan cahaya pagi dari jendela." in edit.text
    assert "Saran dari" in edit.text


def test_the_mentor_logs_a_visit_the_member_sees(client, login_as):
    world = mentoring_world()
    login_as(world.mentor_user)
    address = url("mentoring.log_visit", member_id=world.member.id)
    today = clock.today()
    late = client.post(
        address, data={"visited_on": (today + timedelta(days=1)).isoformat(), "topic": "x"}
    )
    assert late.status_code == 400
    response = client.post(
        address,
        data={
            "visited_on": today.isoformat(),
            "topic": "Foto produk",
            "notes": "Latihan memotret.",
        },
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Visit)).one().topic == "Foto produk"
    login_as(world.member.user)
    assert "Latihan memotret." in client.get(url("mentoring.member_pairings")).text


def test_a_mentor_cannot_touch_an_unpaired_member(client, login_as):
    world = mentoring_world()
    login_as(world.mentor_user)
    other = world.other.id
    products = func.count(Product.id)
    before = db.session.scalar(select(products))
    assert client.get(url("mentoring.member", member_id=other)).status_code == 404
    assert (
        client.post(url("mentoring.draft", member_id=other), data=draft_form()).status_code == 404
    )
    assert (
        client.post(
            url("mentoring.product", member_id=other, product_id=world.other_product.id),
            data={"body": "Saran"},
        ).status_code
        == 404
    )
    # Nor another member's product through the paired member's address.
    foreign = url("mentoring.product", member_id=world.member.id, product_id=world.other_product.id)
    assert client.post(foreign, data={"body": "Saran"}).status_code == 404
    assert db.session.scalar(select(products)) == before
    assert db.session.scalar(select(func.count(ProductChange.id))) == 0


def test_a_pairing_not_accepted_or_ended_gives_nothing(client, login_as):
    world = mentoring_world()
    world.pairing.accepted_at = None
    login_as(world.mentor_user)
    assert client.get(url("mentoring.member", member_id=world.member.id)).status_code == 404
    pairing = db.session.get(Pairing, world.pairing.id)
    pairing.accepted_at = pairing.proposed_at
    assert client.get(url("mentoring.member", member_id=world.member.id)).status_code == 200
    pairing = db.session.get(Pairing, world.pairing.id)
    pairing.ended_at = pairing.proposed_at
    assert client.get(url("mentoring.member", member_id=world.member.id)).status_code == 404


def mentor_routes(app) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in MENTOR_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


MENTOR_ENDPOINTS = {
    "mentoring.dashboard",
    "mentoring.member",
    "mentoring.log_visit",
    "mentoring.draft",
    "mentoring.product",
    "mentoring.edit_draft",
}


def test_when_the_cohort_ends_every_mentor_route_refuses(app, client, login_as, monkeypatch):
    world = mentoring_world()
    login_as(world.mentor_user)
    values = {"member_id": world.member.id, "product_id": world.product.id}
    routes = mentor_routes(app)
    assert len(routes) == 9
    assert client.get(url("mentoring.dashboard")).status_code == 200
    monkeypatch.setattr(clock, "today", lambda: after(world.cohort))
    for endpoint, method in routes:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        address = url(endpoint, **{name: values[name] for name in rule.arguments})
        data = {**draft_form(), "body": "Saran", "topic": "t", "visited_on": "2026-01-01"}
        response = client.open(address, method=method, data=data)
        assert response.status_code in (403, 404), (endpoint, method)
    assert db.session.scalar(select(func.count(ProductChange.id))) == 0
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_before_the_cohort_starts_the_mentor_gets_nothing(client, login_as, monkeypatch):
    world = mentoring_world()
    login_as(world.mentor_user)
    monkeypatch.setattr(clock, "today", lambda: world.cohort.starts_on - timedelta(days=1))
    assert client.get(url("mentoring.dashboard")).status_code == 403
    assert client.get(url("mentoring.member", member_id=world.member.id)).status_code == 403


def test_the_mentors_of_an_ended_cohort_in_a_running_one_keep_only_the_running_pairings(
    client, login_as, monkeypatch
):
    world = mentoring_world()
    today = clock.today()
    ended = Cohort(
        campus="Amikom",
        programme="Lama",
        starts_on=today - timedelta(days=90),
        ends_on=today - timedelta(days=1),
    )
    old_place = Mentor(
        cohort=ended,
        email=world.mentor_user.email,
        name=world.mentor_user.name,
        user_id=world.mentor_user.id,
        accepted_at=world.mentor.accepted_at,
    )
    db.session.add_all(
        [
            ended,
            old_place,
            Pairing(mentor=old_place, member=world.other, accepted_at=old_place.accepted_at),
        ]
    )
    login_as(world.mentor_user)
    assert client.get(url("mentoring.member", member_id=world.member.id)).status_code == 200
    assert client.get(url("mentoring.member", member_id=world.other.id)).status_code == 404
