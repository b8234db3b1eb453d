"""Who may open which order route: an IDOR matrix over every `orders.*`
rule. Each row says what kind of route it is; each test runs one kind of
visitor over every row it concerns and checks both the answer and that
nothing changed. A new route without a row fails the coverage test."""

import pytest
from flask import current_app, url_for
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.catalog.models import Review, ReviewReport
from marketplace.extensions import db
from marketplace.ledger.models import LedgerTransaction
from marketplace.members.models import MemberStatus
from marketplace.orders import fulfilment, reviews
from marketplace.orders.models import Order, OrderPart
from marketplace.payments import bank_transfer
from tests import factories
from tests.orders.helpers import cart_with, checkout, count, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")

PUBLIC = "public"  # the cart: guests too
SHOPPER = "shopper"  # logged in, their own things only
BUYER = "buyer"  # one order, by its code: only its buyer
MEMBER = "member"  # the approved member's list
PART = "part"  # one part (or a review of their product), by its id: only its member
SIGNED_IN = "signed in"  # anyone logged in (reporting a review)

ROUTES = {
    ("orders.cart", "GET"): PUBLIC,
    ("orders.cart_token", "GET"): PUBLIC,
    ("orders.cart_add", "POST"): PUBLIC,
    ("orders.cart_update", "POST"): PUBLIC,
    ("orders.cart_accept_prices", "POST"): PUBLIC,
    ("orders.checkout", "GET"): SHOPPER,
    ("orders.checkout", "POST"): SHOPPER,
    ("orders.checkout_summary", "GET"): SHOPPER,
    ("orders.history", "GET"): SHOPPER,
    ("orders.order", "GET"): BUYER,
    ("orders.cancel", "POST"): BUYER,
    ("orders.pay_by_card", "POST"): BUYER,
    ("orders.card_done", "GET"): BUYER,
    ("orders.fulfilment.index", "GET"): MEMBER,
    ("orders.fulfilment.part", "GET"): PART,
    ("orders.fulfilment.start", "POST"): PART,
    ("orders.fulfilment.dispatch", "POST"): PART,
    ("orders.fulfilment.complete", "POST"): PART,
    ("orders.fulfilment.cancel", "POST"): PART,
    ("orders.reviews.write", "POST"): BUYER,
    ("orders.reviews.report", "GET"): SIGNED_IN,
    ("orders.reviews.report", "POST"): SIGNED_IN,
    ("orders.reviews.index", "GET"): MEMBER,
    ("orders.reviews.reply", "POST"): PART,
}
# What a POST carries: enough to pass every form, so only access can refuse.
FORM = {
    "reason": "Coba-coba.",
    "restock": "y",
    "cash_received": "1",
    "variant_id": "1",
    "quantity": "1",
    "rating": "1",
    "text": "Coba-coba.",
}


def rows(*kinds: str) -> list:
    return [
        pytest.param(endpoint, method, id=f"{method} {endpoint}")
        for (endpoint, method), kind in ROUTES.items()
        if kind in kinds
    ]


def test_the_matrix_covers_every_orders_route(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("orders.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == set(ROUTES)


@pytest.fixture
def world(app):
    """Shopper A's paid order from member A; shopper B and member B with their own."""
    member_a = factories.MemberFactory()
    member_b = factories.MemberFactory()
    buyer_a, buyer_b = shopper(), shopper()
    order_a = checkout(buyer_a, cart_with(buyer_a, (variant(member=member_a), 2)))
    order_b = checkout(buyer_b, cart_with(buyer_b, (variant(member=member_b), 1)))
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    for order in (order_a, order_b):
        db.session.flush()
        bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    # Shopper A's completed order of two of member A's products: the first
    # line reviewed, the second waiting for its review.
    done = checkout(
        buyer_a, cart_with(buyer_a, (variant(member=member_a), 1), (variant(member=member_a), 1))
    )
    db.session.flush()
    bank_transfer.confirm(order=done, amount=done.total, by=treasurer)
    part = done.parts[0]
    fulfilment.start_processing(part=part, member=member_a)
    fulfilment.dispatch(part=part, member=member_a)
    fulfilment.complete(part=part, member=member_a)
    review = reviews.write_review(line=part.lines[0], buyer=buyer_a, rating=5, text="Enak")
    db.session.commit()
    return {
        "done": done,
        "review": review,
        "member_a": member_a,
        "member_b": member_b,
        "buyer_a": buyer_a,
        "buyer_b": buyer_b,
        "order_a": order_a,
        "part_a": order_a.parts[0],
        "treasurer": treasurer,
    }


def url(endpoint: str, world: dict) -> str:
    """The route's address for shopper A's order or member A's part."""
    arguments = next(
        rule.arguments for rule in current_app.url_map.iter_rules() if rule.endpoint == endpoint
    )
    values = {}
    if "code" in arguments:
        values["code"] = world["order_a"].code
    if "line_id" in arguments:  # a line of shopper A's completed order, not yet reviewed
        values["code"] = world["done"].code
        values["line_id"] = world["done"].parts[0].lines[1].id
    if "review_id" in arguments:
        values["review_id"] = world["review"].id
    if "part_id" in arguments:
        values["part_id"] = world["part_a"].id
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def state(world: dict) -> tuple:
    """What a refused request must leave as it was."""
    db.session.expire_all()
    part = db.session.get(OrderPart, world["part_a"].id)
    return (
        part.status,
        part.order.status,
        part.refund_amount,
        count(OutboxEmail),
        count(LedgerTransaction),
        db.session.scalars(select(Order.status).order_by(Order.id)).all(),
        db.session.scalars(select(Review.id).order_by(Review.id)).all(),
        db.session.get(Review, world["review"].id).reply,
        count(ReviewReport),
    )


def request(client, endpoint: str, method: str, world: dict):
    path = url(endpoint, world)
    if method == "GET":
        return client.get(path)
    return client.post(path, data=FORM)


@pytest.mark.parametrize(("endpoint", "method"), rows(SHOPPER, BUYER, MEMBER, PART, SIGNED_IN))
def test_anonymous_is_sent_to_login(client, world, endpoint, method):
    before = state(world)
    response = request(client, endpoint, method, world)
    assert response.status_code == 302 and "/akun/masuk" in response.location
    assert state(world) == before


@pytest.mark.parametrize(("endpoint", "method"), rows(PUBLIC))
def test_guests_may_use_the_cart(client, world, endpoint, method):
    before = state(world)
    response = request(client, endpoint, method, world)
    assert response.status_code in (200, 302)
    assert "/akun/masuk" not in response.headers.get("Location", "")
    assert state(world) == before


@pytest.mark.parametrize(("endpoint", "method"), rows(BUYER))
def test_another_shopper_does_not_find_the_order(client, login_as, world, endpoint, method):
    login_as(world["buyer_b"])
    before = state(world)
    assert request(client, endpoint, method, world).status_code == 404
    assert state(world) == before


@pytest.mark.parametrize(("endpoint", "method"), rows(SHOPPER, PUBLIC))
def test_another_shoppers_pages_never_show_the_order(client, login_as, world, endpoint, method):
    login_as(world["buyer_b"])
    before = state(world)
    response = request(client, endpoint, method, world)
    assert response.status_code in (200, 302)
    assert world["order_a"].code not in response.get_data(as_text=True)
    assert state(world) == before


@pytest.mark.parametrize(("endpoint", "method"), rows(PART))
def test_another_member_does_not_find_the_part(client, login_as, world, endpoint, method):
    login_as(world["member_b"].user)
    before = state(world)
    assert request(client, endpoint, method, world).status_code == 404
    assert state(world) == before


def test_another_members_list_never_shows_the_part(client, login_as, world):
    login_as(world["member_b"].user)
    page = request(client, "orders.fulfilment.index", "GET", world).get_data(as_text=True)
    assert world["order_a"].code not in page


@pytest.mark.parametrize("who", ["shopper", "buyer", "member role without a shop"])
@pytest.mark.parametrize(("endpoint", "method"), rows(MEMBER, PART))
def test_non_members_are_forbidden(client, login_as, world, endpoint, method, who):
    user = {
        "shopper": lambda: shopper(),
        "buyer": lambda: world["buyer_a"],
        "member role without a shop": lambda: factories.UserFactory(roles=[Role.MEMBER]),
    }[who]()
    login_as(user)
    before = state(world)
    assert request(client, endpoint, method, world).status_code == 403
    assert state(world) == before


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (MemberStatus.PENDING, "sedang diperiksa"),
        (MemberStatus.REJECTED, "belum disetujui"),
    ],
)
@pytest.mark.parametrize(("endpoint", "method"), rows(MEMBER, PART))
def test_a_member_not_approved_gets_the_page_that_says_why(
    client, login_as, world, endpoint, method, status, words
):
    member = world["member_a"]  # even on their own part
    member.status = status
    db.session.commit()
    login_as(member.user)
    before = state(world)
    response = request(client, endpoint, method, world)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "belum bisa dibuka" in page and words in page
    assert state(world) == before


@pytest.mark.parametrize("role", [Role.TREASURER, Role.ADMIN])
@pytest.mark.parametrize(("endpoint", "method"), rows(MEMBER, PART, BUYER))
def test_treasurer_and_admin_have_no_member_or_buyer_powers(
    client, login_as, world, endpoint, method, role
):
    login_as(factories.UserFactory(roles=[role]))
    before = state(world)
    expected = 404 if ROUTES[(endpoint, method)] == BUYER else 403
    assert request(client, endpoint, method, world).status_code == expected
    assert state(world) == before


@pytest.mark.parametrize(
    ("who", "endpoint"),
    [
        ("buyer_a", "orders.order"),
        ("buyer_a", "orders.history"),
        ("member_a", "orders.fulfilment.index"),
        ("member_a", "orders.fulfilment.part"),
    ],
)
def test_the_owner_gets_in(client, login_as, world, who, endpoint):
    user = world[who] if who.startswith("buyer") else world[who].user
    login_as(user)
    response = request(client, endpoint, "GET", world)
    assert response.status_code == 200
    assert world["order_a"].code in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.MEMBER, Role.TREASURER, Role.ADMIN])
def test_anyone_logged_in_may_report_a_review(client, login_as, world, role):
    login_as(factories.UserFactory(roles=[role]))
    assert request(client, "orders.reviews.report", "GET", world).status_code == 200
    response = request(client, "orders.reviews.report", "POST", world)
    assert response.status_code == 302
    assert count(ReviewReport) == 1


def test_the_member_sees_and_answers_the_reviews_of_their_products(client, login_as, world):
    login_as(world["member_a"].user)
    page = request(client, "orders.reviews.index", "GET", world).get_data(as_text=True)
    assert "Enak" in page and "Kirim balasan" in page
    login_as(world["member_b"].user)
    page = request(client, "orders.reviews.index", "GET", world).get_data(as_text=True)
    assert "Enak" not in page
