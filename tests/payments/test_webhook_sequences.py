"""`POST /webhooks/stripe` under what Stripe really does to a webhook: it
signs each delivery afresh (so an old signature may come with a good body,
and two signatures while a secret is rolled), delivers the same event again
and at the same time, and sends the events of one session in any order.
What test_stripe_webhook.py and test_verify_event.py already prove is not
repeated here.

After every case the books balance (each transaction and all entries sum to
zero) and the stock is where the order's state says: still reserved while
the order is awaiting payment or paid, given back exactly once when it is
cancelled.

The concurrent cases send real requests from threads, each with its own
session and connection, released together by a barrier once every one has
looked for its event id and found nothing (`arrive_together`). On
PostgreSQL the order's row lock makes them wait for each other; on SQLite
(no row locks, one writer) the loser's write finds the order's version
moved or the event id taken, and Stripe is told to come back later (409) or
that it was a duplicate: either way nothing happens twice."""

import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.orders import fulfilment
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus
from marketplace.payments import stripe_api, stripe_checkout, stripe_webhook
from marketplace.payments.models import PaymentReceipt, StripeCheckout, StripeEvent
from tests.orders.flows import books_balance, is_posted, two_part_order
from tests.orders.helpers import stock_of
from tests.payments.fake_stripe import sign, webhook_headers
from tests.payments.helpers import checkout_request

pytestmark = pytest.mark.usefixtures("app_context")

URL = "/webhooks/stripe"
FEE = 2_600
LOGGER = "marketplace.payments.stripe"
# An order only moves forward: a later event may not take it back down.
RANK = {OrderStatus.PENDING_PAYMENT: 0, OrderStatus.PAID: 1, OrderStatus.CANCELLED: 1}


# --- the order, its stock and the books ---------------------------------------------


class Card:
    """A card order with its session started at the fake Stripe, and the
    stock of its variants before it was placed."""

    def __init__(self) -> None:
        self.order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
        stripe_checkout.start(order=self.order)
        db.session.commit()
        self.session_id = db.session.scalars(
            select(StripeCheckout.session_id).where(StripeCheckout.order_id == self.order.id)
        ).one()
        self.reserved = {
            line.variant_id: line.quantity for part in self.order.parts for line in part.lines
        }
        self.initial = {
            variant_id: stock_of(variant_id) + quantity
            for variant_id, quantity in self.reserved.items()
        }

    def fresh(self) -> Order:
        db.session.expire_all()
        return db.session.get(Order, self.order.id)

    def status(self) -> OrderStatus:
        return OrderStatus(self.fresh().status)

    def assert_sound(self) -> OrderStatus:
        """The books balance; the stock is reserved, or given back once when
        the order was cancelled; a sale (and a receipt) iff the order is
        paid. Returns the order's status."""
        order = self.fresh()
        assert books_balance()
        given_back = order.status == OrderStatus.CANCELLED
        for variant_id, quantity in self.reserved.items():
            expected = self.initial[variant_id] - (0 if given_back else quantity)
            assert stock_of(variant_id) == expected, (variant_id, order.status)
        paid = order.status == OrderStatus.PAID
        assert is_posted(f"order:{order.id}:sale") is paid
        assert receipts() == int(paid)
        if paid:
            fee = FEE if is_posted(f"order:{order.id}:payment-fee") else 0
            assert balance("cash:stripe") == order.total - fee
        else:
            assert balance("cash:stripe") == 0
        return OrderStatus(order.status)


def receipts() -> int:
    return db.session.scalar(select(func.count(PaymentReceipt.id)))


def recorded() -> list[tuple[str, str]]:
    """(type, outcome) of every stored event, oldest first."""
    return [
        (row.type, row.outcome)
        for row in db.session.scalars(select(StripeEvent).order_by(StripeEvent.id))
    ]


def deliver(client, body: bytes, **signing):
    return client.post(URL, data=body, headers=webhook_headers(body, **signing))


def changed(body: bytes, **session_fields) -> bytes:
    """The event `body` with its session's fields changed (a new body:
    signed as it is, as Stripe would sign what it sends)."""
    event = json.loads(body)
    event["data"]["object"].update(session_fields)
    return json.dumps(event, indent=2).encode()


def with_type(body: bytes, type: str, event_id: str, **session_fields) -> bytes:
    event = json.loads(body)
    event.update(id=event_id, type=type)
    event["data"]["object"].update(session_fields)
    return json.dumps(event, indent=2).encode()


# --- signatures, through the endpoint -------------------------------------------------


def test_an_old_signature_is_refused_and_the_fresh_redelivery_pays(client, fake_stripe):
    """A body signed more than five minutes ago is a replay: refused, even
    though the body is Stripe's. Stripe's own redelivery is signed anew."""
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    body = fake_stripe.session_event("checkout.session.completed", card.session_id)

    replayed = deliver(client, body, timestamp=int(time.time()) - 301)
    assert replayed.status_code == 400
    assert "kedaluwarsa" in replayed.get_json()["error"]
    assert card.assert_sound() == OrderStatus.PENDING_PAYMENT
    assert recorded() == []

    assert deliver(client, body).status_code == 200
    assert card.assert_sound() == OrderStatus.PAID


def test_two_signatures_of_which_one_is_valid_are_believed(client, fake_stripe):
    """While the webhook secret is rolled, Stripe signs with both."""
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    body = fake_stripe.session_event("checkout.session.completed", card.session_id)
    now = int(time.time())

    def v1(secret: str | None = None) -> str:
        header = sign(body, timestamp=now, **({"secret": secret} if secret else {}))
        return dict(part.split("=", 1) for part in header.split(","))["v1"]

    header = f"t={now},v1={v1('whsec_rolled_away')},v1={v1()}"
    answer = client.post(URL, data=body, headers={"Stripe-Signature": header})
    assert answer.status_code == 200 and answer.get_json()["duplicate"] is False
    assert card.assert_sound() == OrderStatus.PAID
    assert recorded() == [("checkout.session.completed", "applied")]


# --- every order of one session's events -------------------------------------------------


def _distinct_orders(count: int, equal: list[set[int]]) -> list[tuple[int, ...]]:
    """The orders of `count` deliveries, counting deliveries of the same body
    (a set in `equal`) as one: the distinct sequences Stripe can send."""
    same = {index: min(group) for group in equal for index in group}
    seen: dict[tuple[int, ...], tuple[int, ...]] = {}
    for order in itertools.permutations(range(count)):
        seen.setdefault(tuple(same.get(index, index) for index in order), order)
    return sorted(seen.values())


def _deliver_in_order(client, card: Card, bodies: list[bytes], order: tuple[int, ...]) -> None:
    """Deliver `bodies` in `order`; each is answered 200 and the order never
    moves back (nor sideways, from paid to cancelled or back)."""
    status = card.status()
    for index in order:
        assert deliver(client, bodies[index]).status_code == 200, index
        now = card.status()
        assert RANK[now] >= RANK[status] and (RANK[status] == 0 or now == status), (order, index)
        status = now
        card.assert_sound()


# Completed while the payment settles (unpaid), then its success; each sent twice.
ASYNC_PAID = _distinct_orders(4, [{0, 2}, {1, 3}])


@pytest.mark.parametrize("order", ASYNC_PAID, ids=lambda order: "-".join(map(str, order)))
def test_a_payment_that_settles_later_ends_paid_in_any_order(client, fake_stripe, order):
    card = Card()
    fake_stripe.complete_session(card.session_id, payment_status="unpaid")
    completed = fake_stripe.session_event("checkout.session.completed", card.session_id)
    fake_stripe.settle_async(card.session_id, succeeded=True, fee_rupiah=FEE)
    succeeded = fake_stripe.session_event(
        "checkout.session.async_payment_succeeded", card.session_id
    )

    _deliver_in_order(client, card, [completed, succeeded, completed, succeeded], order)

    assert card.assert_sound() == OrderStatus.PAID
    assert sorted(recorded()) == [
        ("checkout.session.async_payment_succeeded", "applied"),
        ("checkout.session.completed", "ignored"),
    ]
    assert is_posted(f"order:{card.order.id}:payment-fee")
    assert balance("expense:payment-fees") == FEE
    assert db.session.scalar(select(StripeCheckout.status)) == "complete"


# Completed while the payment settles, then its failure; each sent twice.
ASYNC_FAILED = _distinct_orders(4, [{0, 2}, {1, 3}])


@pytest.mark.parametrize("order", ASYNC_FAILED, ids=lambda order: "-".join(map(str, order)))
def test_a_payment_that_fails_later_ends_cancelled_in_any_order(client, fake_stripe, order):
    card = Card()
    fake_stripe.complete_session(card.session_id, payment_status="unpaid")
    completed = fake_stripe.session_event("checkout.session.completed", card.session_id)
    fake_stripe.settle_async(card.session_id, succeeded=False)
    failed = fake_stripe.session_event("checkout.session.async_payment_failed", card.session_id)

    _deliver_in_order(client, card, [completed, failed, completed, failed], order)

    assert card.assert_sound() == OrderStatus.CANCELLED
    assert card.fresh().cancel_reason == "Pembayaran kartu gagal."
    assert sorted(recorded()) == [
        ("checkout.session.async_payment_failed", "applied"),
        ("checkout.session.completed", "ignored"),
    ]
    assert balance("expense:payment-fees") == 0
    assert fake_stripe.requests_to("GET", f"/v1/payment_intents/{_intent(fake_stripe)}") == []


# A paid completion and an expiry of the same session (Stripe sends one or
# the other; a stale or misdirected one must still not undo the first), and
# a redelivery of each: whichever came first decides, the other is only
# recorded.
PAID_OR_EXPIRED = _distinct_orders(4, [{0, 2}, {1, 3}])


@pytest.mark.parametrize("order", PAID_OR_EXPIRED, ids=lambda order: "-".join(map(str, order)))
def test_a_payment_and_an_expiry_the_first_decides_and_nothing_goes_back(
    client, fake_stripe, order
):
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    paid = fake_stripe.session_event("checkout.session.completed", card.session_id)
    expired = with_type(
        paid,
        "checkout.session.expired",
        "evt_test_expired_" + card.session_id[-8:],
        status="expired",
        payment_status="unpaid",
        payment_intent=None,
    )

    _deliver_in_order(client, card, [paid, expired, paid, expired], order)

    end = card.assert_sound()
    if order[0] == 0:
        assert end == OrderStatus.PAID
        assert sorted(recorded()) == [
            ("checkout.session.completed", "applied"),
            ("checkout.session.expired", "ignored"),
        ]
    else:  # the money of a cancelled order is left for the treasurer to see
        assert end == OrderStatus.CANCELLED
        assert sorted(recorded()) == [
            ("checkout.session.completed", "mismatch"),
            ("checkout.session.expired", "applied"),
        ]


def _intent(fake_stripe) -> str:
    (intent,) = fake_stripe.of("payment_intent")
    return intent["id"]


# --- what does not match the order ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (lambda session: {"amount_total": session["amount_total"] * 100}, "jumlah"),
        (lambda session: {"client_reference_id": "PA-000000-9999"}, "pesanan"),
    ],
    ids=["amount-x100", "another-order"],
)
def test_a_mismatch_is_recorded_logged_and_not_paid(client, fake_stripe, caplog, fields, words):
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    body = fake_stripe.session_event("checkout.session.completed", card.session_id)
    body = changed(body, **fields(json.loads(body)["data"]["object"]))

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert deliver(client, body).status_code == 200

    assert card.assert_sound() == OrderStatus.PENDING_PAYMENT
    (event,) = db.session.scalars(select(StripeEvent)).all()
    assert (event.outcome, event.order_id) == ("mismatch", card.order.id)
    assert words in event.detail
    assert any(
        record.levelname == "WARNING" and card.order.code in record.getMessage()
        for record in caplog.records
    )
    assert fake_stripe.requests_to("GET", f"/v1/payment_intents/{_intent(fake_stripe)}") == []


@pytest.mark.parametrize(
    "fields",
    [
        lambda session: {"amount_total": session["amount_total"] + 100},
        lambda session: {"currency": "usd"},
        lambda session: {"livemode": True},
    ],
    ids=["amount-plus-1", "currency", "livemode"],
)
def test_every_kind_of_mismatch_is_logged_for_the_order(client, fake_stripe, caplog, fields):
    """test_stripe_webhook.py shows these are recorded and not paid; here:
    each is also logged, naming the order and what differed."""
    card = Card()
    fake_stripe.complete_session(card.session_id)
    body = fake_stripe.session_event("checkout.session.completed", card.session_id)
    body = changed(body, **fields(json.loads(body)["data"]["object"]))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert deliver(client, body).status_code == 200
    detail = db.session.scalars(select(StripeEvent.detail)).one()
    assert any(
        card.order.code in record.getMessage() and detail in record.getMessage()
        for record in caplog.records
    )
    assert card.assert_sound() == OrderStatus.PENDING_PAYMENT


def test_a_paid_session_other_than_the_orders_is_a_recorded_mismatch(client, fake_stripe, caplog):
    card = Card()
    order = card.order
    other = stripe_api.create_checkout_session(
        checkout_request(
            order_code=order.code,
            client_reference_id=order.code,
            idempotency_key="checkout:elsewhere",
            metadata={"order_id": str(order.id), "attempt": "2"},
        )
    )
    fake_stripe.complete_session(other.id)
    body = fake_stripe.session_event("checkout.session.completed", other.id)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        answer = deliver(client, body)

    assert card.assert_sound() == OrderStatus.PENDING_PAYMENT
    assert answer.status_code == 200
    event = db.session.scalars(select(StripeEvent)).one()
    assert (event.outcome, event.order_id) == ("mismatch", order.id)
    assert "sesi" in event.detail
    assert any(order.code in record.getMessage() for record in caplog.records)


# --- real transactions at the same time ---------------------------------------------------


@pytest.fixture
def arrive_together(monkeypatch) -> Iterator:
    """`arrive_together(n)`: the next `n` webhook requests each wait, once
    they have found their event not yet stored and their session, until all
    `n` are there; then they go for the order's lock at once."""
    real = fulfilment.lock_order
    lock = threading.Lock()
    armed: dict[str, threading.Barrier | int] = {"left": 0}

    def waiting(order: Order) -> Order:
        with lock:
            barrier = armed.get("barrier") if armed["left"] else None
            armed["left"] = max(int(armed["left"]) - 1, 0)
        if isinstance(barrier, threading.Barrier):
            barrier.wait()
        return real(order)

    monkeypatch.setattr(stripe_webhook.fulfilment, "lock_order", waiting)

    def arm(count: int) -> None:
        armed.update(barrier=threading.Barrier(count, timeout=30), left=count)

    yield arm


def at_once(app, bodies: list[bytes]) -> list[int]:
    """Deliver `bodies` each from a thread of its own; their HTTP statuses."""
    answers: dict[int, int] = {}

    def post(index: int, body: bytes) -> None:
        with app.test_client() as client:
            answers[index] = deliver(client, body).status_code

    threads = [
        threading.Thread(target=post, args=(index, body)) for index, body in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return [answers.get(index, 0) for index in range(len(bodies))]


def test_the_same_payment_delivered_three_times_at_once_pays_once(
    app, client, fake_stripe, arrive_together
):
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    body = fake_stripe.session_event("checkout.session.completed", card.session_id)
    arrive_together(3)

    assert at_once(app, [body] * 3) == [200, 200, 200]

    assert card.assert_sound() == OrderStatus.PAID
    assert recorded() == [("checkout.session.completed", "applied")]
    assert balance("expense:payment-fees") == FEE
    assert deliver(client, body).get_json()["duplicate"] is True


def test_three_expiries_at_once_give_the_stock_back_once(
    app, client, fake_stripe, arrive_together, is_postgres
):
    """Three events (three ids: Stripe made them separately) for one expiry."""
    card = Card()
    fake_stripe.expire_session(card.session_id)
    bodies = [
        fake_stripe.session_event("checkout.session.expired", card.session_id) for _ in range(3)
    ]
    arrive_together(3)

    answers = at_once(app, bodies)

    assert answers == [200] * 3 if is_postgres else set(answers) <= {200, 409}
    for body, answer in zip(bodies, answers, strict=True):
        if answer == 409:  # SQLite: lost the race; Stripe delivers it again
            assert deliver(client, body).status_code == 200
    assert card.assert_sound() == OrderStatus.CANCELLED
    assert sorted(outcome for _, outcome in recorded()) == ["applied", "ignored", "ignored"]


def test_a_payment_and_an_expiry_at_once_end_one_way(
    app, client, fake_stripe, arrive_together, is_postgres
):
    card = Card()
    fake_stripe.complete_session(card.session_id, fee_rupiah=FEE)
    paid = fake_stripe.session_event("checkout.session.completed", card.session_id)
    expired = with_type(
        paid,
        "checkout.session.expired",
        "evt_test_racing_expiry",
        status="expired",
        payment_status="unpaid",
        payment_intent=None,
    )
    arrive_together(2)

    answers = at_once(app, [paid, expired])

    # PostgreSQL: the second waits for the order's lock, then sees the first's end.
    assert answers == [200, 200] if is_postgres else set(answers) <= {200, 409}
    for body, answer in zip([paid, expired], answers, strict=True):
        if answer == 409:
            assert deliver(client, body).status_code == 200
    end = card.assert_sound()
    outcomes = dict(recorded())
    if end == OrderStatus.PAID:
        assert outcomes == {
            "checkout.session.completed": "applied",
            "checkout.session.expired": "ignored",
        }
    else:
        assert outcomes == {
            "checkout.session.completed": "mismatch",
            "checkout.session.expired": "applied",
        }


def test_an_event_while_the_session_is_being_stored_waits_for_its_commit(app, client, fake_stripe):
    """The checkout's transaction has the session from Stripe but has not
    committed when the payment's event comes: the webhook, in its own
    transaction, cannot see it and answers 409; once the checkout commits,
    Stripe's next delivery pays the order."""
    order_id = two_part_order(payment_method="stripe", now=datetime.now(UTC)).id
    stored, release, finished = threading.Event(), threading.Event(), threading.Event()

    def checkout() -> None:
        with app.app_context():
            try:
                stripe_checkout.start(order=db.session.get(Order, order_id))
                db.session.flush()
                stored.set()
                release.wait(30)
                db.session.commit()
            finally:
                db.session.remove()
                finished.set()

    thread = threading.Thread(target=checkout)
    thread.start()
    try:
        assert stored.wait(30)
        (session,) = fake_stripe.of("checkout.session")
        fake_stripe.complete_session(session["id"], fee_rupiah=FEE)
        body = fake_stripe.session_event("checkout.session.completed", session["id"])
        early = deliver(client, body)
    finally:
        release.set()
        thread.join(30)
    assert finished.is_set()

    assert early.status_code == 409
    order = db.session.get(Order, order_id)
    assert order.status == OrderStatus.PENDING_PAYMENT and recorded() == []

    assert deliver(client, body).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order_id).status == OrderStatus.PAID
    assert books_balance() and receipts() == 1
