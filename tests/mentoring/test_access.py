"""Who may open which mentoring route: a matrix over every `mentoring.*`
rule. A new route without a row fails the coverage test; each kind of
visitor is run over every row and must be turned away without any change."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Product, ProductChange
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.mentoring import services
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit, VisitPhoto
from tests.mentoring.helpers import Mentoring, mentoring_world, url

pytestmark = pytest.mark.usefixtures("app_context")

ADMIN = "admin"  # the association admin only
MEMBER = "member"  # an approved member, their own pairings only
MENTOR = "mentor"  # a mentor of a running cohort, their paired members only
LINK = "link"  # the invitation: whoever holds the link
PHOTO = "photo"  # a visit photo: its mentor while they may act, its member, the admins

ROUTES = {
    ("mentoring.cohorts", "GET"): ADMIN,
    ("mentoring.cohorts", "POST"): ADMIN,
    ("mentoring.cohort", "GET"): ADMIN,
    ("mentoring.invite", "POST"): ADMIN,
    ("mentoring.pair", "POST"): ADMIN,
    ("mentoring.end_pairing", "POST"): ADMIN,
    ("mentoring.impact_cohort", "GET"): ADMIN,
    ("mentoring.impact_cohort_csv", "GET"): ADMIN,
    ("mentoring.impact_campus", "GET"): ADMIN,
    ("mentoring.impact_campus_csv", "GET"): ADMIN,
    ("mentoring.invitation", "GET"): LINK,
    ("mentoring.invitation", "POST"): LINK,
    ("mentoring.member_pairings", "GET"): MEMBER,
    ("mentoring.accept_pairing", "POST"): MEMBER,
    ("mentoring.dashboard", "GET"): MENTOR,
    ("mentoring.member", "GET"): MENTOR,
    ("mentoring.log_visit", "POST"): MENTOR,
    ("mentoring.draft", "GET"): MENTOR,
    ("mentoring.draft", "POST"): MENTOR,
    ("mentoring.product", "GET"): MENTOR,
    ("mentoring.product", "POST"): MENTOR,
    ("mentoring.edit_draft", "GET"): MENTOR,
    ("mentoring.edit_draft", "POST"): MENTOR,
    ("mentoring.visit_photo", "GET"): PHOTO,
}
FORM = {
    "campus": "UMP",
    "programme": "Program",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "name": "Nopia",
    "email": "baru@contoh.id",
    "body": "Saran.",
    "topic": "Topik",
    "visited_on": "2026-01-01",
    "unit": "bungkus",
    "variants-0-price": "10.000",
    "variants-0-stock": "1",
}


def rows(*kinds: str) -> list:
    return [
        pytest.param(endpoint, method, id=f"{method} {endpoint}")
        for (endpoint, method), kind in ROUTES.items()
        if kind in kinds
    ]


def test_the_matrix_covers_every_mentoring_route(app):
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("mentoring.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert found == set(ROUTES)


@pytest.fixture
def world() -> Mentoring:
    world = mentoring_world(extras=True)
    db.session.commit()
    return world


def address(endpoint: str, world: Mentoring) -> str:
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {
        "cohort_id": world.cohort.id,
        "pairing_id": world.pairing.id,
        "member_id": world.member.id,
        "product_id": world.draft.id if endpoint == "mentoring.edit_draft" else world.product.id,
        "photo_id": world.photo.id,
        "width": 320,
        "kind": "webp",
        "token": tokens.make_invite_token(
            kind=services.INVITE_KIND,
            invitation_id=world.mentor.id,
            email=world.mentor.email,
            secret_key=current_app.config["SECRET_KEY"],
        ),
    }
    return url(endpoint, **{name: values[name] for name in rule.arguments})


def state() -> tuple:
    db.session.expire_all()
    counted = (Cohort, Mentor, Pairing, Visit, VisitPhoto, ProductChange, Product, AuditEvent)
    return (
        *(db.session.scalar(select(func.count()).select_from(model)) for model in counted),
        tuple(db.session.scalars(select(Pairing.accepted_at).order_by(Pairing.id))),
        tuple(db.session.scalars(select(Pairing.ended_at).order_by(Pairing.id))),
        tuple(db.session.execute(select(Product.name, Product.status).order_by(Product.id))),
    )


def send(client, endpoint: str, method: str, world: Mentoring):
    query = (
        {"kampus": world.cohort.campus} if endpoint.startswith("mentoring.impact_campus") else {}
    )
    return client.open(address(endpoint, world), method=method, data=FORM, query_string=query)


@pytest.mark.parametrize(("endpoint", "method"), rows(ADMIN, MEMBER, MENTOR))
def test_anonymous_is_sent_to_login(client, world, endpoint, method):
    before = state()
    response = send(client, endpoint, method, world)
    assert response.status_code == 302
    assert "/akun/masuk" in response.location
    assert state() == before


@pytest.mark.parametrize(("endpoint", "method"), rows(ADMIN, MEMBER, MENTOR))
@pytest.mark.parametrize("who", [Role.SHOPPER, Role.TREASURER])
def test_others_are_forbidden(client, login_as, world, endpoint, method, who):
    login_as(who)
    before = state()
    assert send(client, endpoint, method, world).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("endpoint", "method"), rows(ADMIN, MEMBER))
def test_the_mentor_has_no_admin_or_member_powers(client, login_as, world, endpoint, method):
    login_as(world.mentor_user)
    before = state()
    assert send(client, endpoint, method, world).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("endpoint", "method"), rows(MENTOR))
def test_the_member_and_the_admin_have_no_mentor_powers(client, login_as, world, endpoint, method):
    for user in (world.member.user, world.admin):
        login_as(user)
        before = state()
        assert send(client, endpoint, method, world).status_code == 403
        assert state() == before


@pytest.mark.parametrize(("endpoint", "method"), rows(MENTOR))
def test_another_mentor_does_not_find_the_member(client, login_as, world, endpoint, method):
    stranger = mentoring_world(admin=world.admin)  # a mentor of their own member
    login_as(stranger.mentor_user)
    before = state()
    expected = 200 if endpoint == "mentoring.dashboard" else 404
    assert send(client, endpoint, method, world).status_code == expected
    assert state() == before


@pytest.mark.parametrize(("endpoint", "method"), rows(MENTOR))
def test_a_mentor_whose_cohort_ended_gets_nothing(
    client, login_as, world, endpoint, method, monkeypatch
):
    login_as(world.mentor_user)
    monkeypatch.setattr(clock, "today", lambda: world.cohort.ends_on + timedelta(days=1))
    before = state()
    assert send(client, endpoint, method, world).status_code == 403
    assert state() == before


def test_the_owners_get_in(client, login_as, world):
    for kind, user in (
        (MENTOR, world.mentor_user),
        (ADMIN, world.admin),
        (MEMBER, world.member.user),
    ):
        login_as(user)
        for (endpoint, method), row in ROUTES.items():
            if row == kind and method == "GET":
                assert send(client, endpoint, method, world).status_code == 200, endpoint


def test_the_invitation_link_opens_for_anyone(client, world):
    page = send(client, "mentoring.invitation", "GET", world)
    assert page.status_code == 200
    assert world.mentor.email in page.text


def test_another_account_cannot_take_up_an_invitation(client, login_as, world):
    login_as(Role.SHOPPER)
    before = state()
    response = send(client, "mentoring.invitation", "POST", world)
    assert "Undangan ini untuk" in response.text
    assert state() == before


# --- visit photos: never public, never anyone else's ------------------------------------


def photo_addresses(world: Mentoring) -> list[str]:
    return [
        url("mentoring.visit_photo", photo_id=world.photo.id),
        url("mentoring.visit_photo", photo_id=world.photo.id, width=160, kind="jpg"),
        url("mentoring.visit_photo", photo_id=world.photo.id, width=320, kind="webp"),
    ]


def test_anonymous_is_sent_to_login_for_a_visit_photo(client, world):
    for address in photo_addresses(world):
        response = client.get(address)
        assert response.status_code == 302
        assert "/akun/masuk" in response.location


def test_the_mentor_the_member_and_the_admin_see_the_visit_photo(client, login_as, world):
    for user in (world.mentor_user, world.member.user, world.admin):
        login_as(user)
        for address, kind in zip(
            photo_addresses(world), ("image/webp", "image/jpeg", "image/webp"), strict=True
        ):
            response = client.get(address)
            assert (response.status_code, response.mimetype) == (200, kind), address
            assert {"private", "no-store"} <= set(response.headers["Cache-Control"].split(", "))
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The member keeps their record after the programme.
    login_as(world.member.user)
    assert client.get(photo_addresses(world)[0]).status_code == 200


def test_a_width_or_kind_we_do_not_make_is_not_found(client, login_as, world):
    login_as(world.admin)
    for width, kind in ((333, "jpg"), (320, "gif"), (320, "webp.jpg")):
        address = url("mentoring.visit_photo", photo_id=world.photo.id, width=width, kind=kind)
        assert client.get(address).status_code == 404


def test_nobody_else_sees_a_visit_photo(client, login_as, world):
    stranger = mentoring_world(admin=world.admin, extras=True)  # another mentor and member
    people = [
        login_as(Role.SHOPPER),
        login_as(Role.TREASURER),
        stranger.mentor_user,
        stranger.member.user,
        world.other.user,  # a member nobody mentors
    ]
    for user in people:
        login_as(user)
        for address in photo_addresses(world):
            assert client.get(address).status_code == 404, (user.email, address)


def test_the_mentor_of_an_ended_cohort_or_pairing_no_longer_sees_it(
    client, login_as, world, monkeypatch
):
    login_as(world.mentor_user)
    first = photo_addresses(world)[0]
    assert client.get(first).status_code == 200
    monkeypatch.setattr(clock, "today", lambda: world.cohort.ends_on + timedelta(days=1))
    assert client.get(first).status_code == 404
    monkeypatch.undo()
    pairing = db.session.get(Pairing, world.pairing.id)
    pairing.ended_at = pairing.accepted_at
    db.session.commit()
    assert client.get(first).status_code == 404


def test_media_never_serves_a_visit_photo(client, login_as, world):
    keys = (world.photo.thumb_key, world.photo.large_key)
    assert all(key.startswith(f"{services.VISIT_FOLDER}/") for key in keys)
    for who in (None, world.member.user, world.admin):
        if who is not None:
            login_as(who)
        for key in keys:
            assert client.get(f"/media/{key}").status_code == 404
            assert client.get(f"/media/{key}/320.webp").status_code == 404
