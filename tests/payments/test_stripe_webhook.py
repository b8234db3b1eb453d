"""`POST /webhooks/stripe`: events signed with the library's own signer
about sessions the fake Stripe made for real card orders. A good event pays
once (receipt, sale on cash:stripe, ledger balanced, stock kept); a
duplicate, a mismatch or a refused signature changes nothing; an expiry
cancels once and gives the stock back once; an event for a session not yet
stored gets a non-2xx so Stripe retries."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerEntry, LedgerTransaction
from marketplace.orders.cli import expire_unpaid
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus
from marketplace.payments import stripe_checkout
from marketplace.payments.models import PaymentReceipt, StripeCheckout, StripeEvent
from tests.orders.flows import two_part_order
from tests.orders.helpers import stock_of
from tests.payments.fake_stripe import webhook_headers

pytestmark = pytest.mark.usefixtures("app_context")

URL = "/webhooks/stripe"


def started_order() -> tuple[Order, StripeCheckout]:
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.commit()
    return order, db.session.scalars(select(StripeCheckout)).one()


def deliver(client, body: bytes, **signing):
    return client.post(URL, data=body, headers=webhook_headers(body, **signing))


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def stocks(order: Order) -> list[int]:
    return [stock_of(line.variant_id) for part in order.parts for line in part.lines]


def ledger_balanced() -> bool:
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) == 0


def outcomes() -> list[str]:
    return list(db.session.scalars(select(StripeEvent.outcome).order_by(StripeEvent.id)))


def test_a_paid_session_pays_the_order_once(client, fake_stripe):
    order, stored = started_order()
    before = stocks(order)
    fake_stripe.complete_session(stored.session_id, fee_rupiah=2_600)
    body = fake_stripe.session_event("checkout.session.completed", stored.session_id)

    first = deliver(client, body)
    again = deliver(client, body)  # Stripe delivers it again

    assert first.status_code == again.status_code == 200
    assert again.get_json()["duplicate"] is True
    order = fresh(order)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.key, receipt.method, receipt.amount) == (
        f"order:{order.id}",
        "stripe",
        order.total,
    )
    assert receipt.recorded_by_id is None
    # The sale on Stripe's balance, less the fee Stripe kept.
    assert balance("cash:stripe") == order.total - 2_600 and balance("cash:bank") == 0
    assert balance("expense:payment-fees") == 2_600
    kinds = db.session.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.id))
    assert list(kinds) == ["sale", "fee"]
    memos = db.session.scalars(select(LedgerTransaction.memo).order_by(LedgerTransaction.id))
    assert list(memos) == [
        f"Penjualan {order.code} (kartu, Stripe)",
        f"Biaya Stripe untuk pesanan {order.code}",
    ]
    assert ledger_balanced()
    assert stocks(order) == before  # sold: the reserved stock stays taken
    assert outcomes() == ["applied"]
    assert db.session.get(StripeCheckout, stored.id).status == "complete"


def test_concurrent_duplicates_pay_once(app, fake_stripe):
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    body = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    answers: list[int] = []

    def post() -> None:
        with app.test_client() as client:
            answers.append(deliver(client, body).status_code)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200, 200]
    assert fresh(order).status == OrderStatus.PAID
    assert db.session.scalar(select(func.count(PaymentReceipt.id))) == 1
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 2  # sale, fee
    assert outcomes() == ["applied"]
    assert ledger_balanced()


def test_stripe_failing_to_tell_the_fee_leaves_the_payment_standing(app, client, fake_stripe):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    body = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    fake_stripe.fail_next(500)  # the fee's request
    assert deliver(client, body).status_code == 200
    assert fresh(order).status == OrderStatus.PAID
    assert balance("cash:stripe") == order.total and balance("expense:payment-fees") == 0
    assert ledger_balanced()


def test_an_unpaid_completion_waits_and_the_async_success_pays(client, fake_stripe):
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id, payment_status="unpaid")
    completed = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    assert deliver(client, completed).status_code == 200
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT

    fake_stripe.settle_async(stored.session_id, succeeded=True)
    succeeded = fake_stripe.session_event(
        "checkout.session.async_payment_succeeded", stored.session_id
    )
    assert deliver(client, succeeded).status_code == 200
    assert fresh(order).status == OrderStatus.PAID
    assert outcomes() == ["ignored", "applied"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"amount_total": "+100"}, "jumlah"),  # Rp1 more
        ({"amount_total": "/100"}, "jumlah"),  # rupiah sent as Stripe's units
        ({"currency": "usd"}, "mata uang"),
        ({"livemode": True}, "mode"),
    ],
)
def test_a_mismatch_is_recorded_and_does_not_pay(client, fake_stripe, change, words):
    order, stored = started_order()
    before = stocks(order)
    fake_stripe.complete_session(stored.session_id)
    event = json.loads(fake_stripe.session_event("checkout.session.completed", stored.session_id))
    session = event["data"]["object"]
    for key, value in change.items():
        if value == "+100":
            session[key] += 100
        elif value == "/100":
            session[key] //= 100
        else:
            session[key] = value
    body = json.dumps(event).encode()

    assert deliver(client, body).status_code == 200
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(PaymentReceipt.id))) == 0
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0
    recorded = db.session.scalars(select(StripeEvent)).one()
    assert recorded.outcome == "mismatch" and words in recorded.detail
    assert recorded.order_id == order.id
    assert stocks(order) == before


def test_a_payment_on_another_session_of_the_order_is_a_mismatch_not_applied(client, fake_stripe):
    """The session stored for the order is the only one that pays it: a paid
    session naming the order but made elsewhere is recorded for the
    treasurer, never applied (and not retried for ever)."""
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    event = json.loads(fake_stripe.session_event("checkout.session.completed", stored.session_id))
    event["data"]["object"]["id"] = "cs_test_someone_else"
    response = deliver(client, json.dumps(event).encode())
    assert response.status_code == 200
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    recorded = db.session.scalars(select(StripeEvent)).one()
    assert recorded.outcome == "mismatch" and "cs_test_someone_else" in recorded.detail


def test_an_event_before_the_session_is_stored_is_retried(client, fake_stripe):
    """Stripe made the session but the shop's transaction never committed:
    the event gets a 409 (Stripe retries), and nothing is recorded."""
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.rollback()
    (session,) = fake_stripe.of("checkout.session")
    fake_stripe.complete_session(session["id"])
    body = fake_stripe.session_event("checkout.session.completed", session["id"])
    assert deliver(client, body).status_code == 409
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0

    stripe_checkout.start(order=order)  # the retry stores it
    db.session.commit()
    assert deliver(client, body).status_code == 200
    assert fresh(order).status == OrderStatus.PAID


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": "t=1,v1=00"},
    ],
    ids=["missing", "forged"],
)
def test_a_refused_signature_is_a_400_and_changes_nothing(client, fake_stripe, headers):
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    body = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    assert client.post(URL, data=body, headers=headers).status_code == 400
    assert deliver(client, body, secret="whsec_wrong").status_code == 400
    resigned = json.dumps(json.loads(body)).encode()  # re-serialised: not what was signed
    signed = webhook_headers(body)
    assert client.post(URL, data=resigned, headers=signed).status_code == 400
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0


def test_an_expiry_delivered_three_times_cancels_once(client, fake_stripe):
    order, stored = started_order()
    before = stocks(order)
    fake_stripe.expire_session(stored.session_id)
    bodies = [
        fake_stripe.session_event("checkout.session.expired", stored.session_id) for _ in range(2)
    ]
    answers = [deliver(client, body).status_code for body in (bodies[0], bodies[0], bodies[1])]
    assert answers == [200, 200, 200]
    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED
    reserved = [line.quantity for part in order.parts for line in part.lines]
    assert stocks(order) == [
        b + q for b, q in zip(before, reserved, strict=True)
    ]  # given back once
    assert outcomes() == ["applied", "ignored"]
    assert db.session.get(StripeCheckout, stored.id).status == "expired"


def test_a_late_expiry_never_unpays_and_a_late_payment_is_flagged(client, fake_stripe):
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    paid = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    expired = json.loads(paid)
    expired.update(id="evt_test_late_expiry", type="checkout.session.expired")
    assert deliver(client, paid).status_code == 200
    assert deliver(client, json.dumps(expired).encode()).status_code == 200
    assert fresh(order).status == OrderStatus.PAID
    assert outcomes() == ["applied", "ignored"]


def test_money_for_a_cancelled_order_is_flagged_for_the_treasurer(client, fake_stripe):
    order, stored = started_order()
    fake_stripe.complete_session(stored.session_id)
    paid = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    failed = json.loads(paid)
    failed.update(id="evt_test_failed_first", type="checkout.session.async_payment_failed")
    assert deliver(client, json.dumps(failed).encode()).status_code == 200
    assert deliver(client, paid).status_code == 200
    assert fresh(order).status == OrderStatus.CANCELLED
    assert outcomes() == ["applied", "mismatch"]
    assert db.session.scalar(select(func.count(PaymentReceipt.id))) == 0


def test_other_event_types_are_stored_and_ignored(client, fake_stripe):
    payout = fake_stripe.create_payout(50_000)
    body = fake_stripe.payout_event(payout["id"], type="payout.created")
    assert deliver(client, body).status_code == 200
    assert outcomes() == ["ignored"]


def test_the_pages_show_a_card_order_paid_once_the_webhook_came(client, login_as, fake_stripe):
    order, stored = started_order()
    login_as(order.buyer)
    done = f"/pesanan/{order.code}/kartu-selesai"
    assert "Pembayaran sedang dikonfirmasi" in client.get(done).get_data(as_text=True)

    fake_stripe.complete_session(stored.session_id)
    deliver(client, fake_stripe.session_event("checkout.session.completed", stored.session_id))
    page = client.get(done).get_data(as_text=True)
    assert "sudah diterima" in page and 'http-equiv="refresh"' not in page
    assert "Kartu / Stripe" in client.get(f"/pesanan/{order.code}").get_data(as_text=True)
    assert "Kartu" in client.get("/pesanan").get_data(as_text=True)

    part = order.parts[0]
    login_as(part.member.user)
    assert "Kartu · lunas" in client.get("/kelola/pesanan").get_data(as_text=True)
    assert "Kartu / Stripe" in client.get(f"/kelola/pesanan/{part.id}").get_data(as_text=True)


def test_the_expiry_job_cancels_a_card_order_whose_webhook_never_came(client, fake_stripe):
    """Stripe's session closed with the order's deadline; the job gives the
    stock back once, and the expiry event arriving late changes nothing."""
    order, stored = started_order()
    before = stocks(order)
    assert expire_unpaid(now=datetime.now(UTC)) == 0  # not due yet
    later = order.expires_at.replace(tzinfo=UTC) + timedelta(minutes=1)
    assert expire_unpaid(now=later) == 1
    assert expire_unpaid(now=later) == 0
    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED
    reserved = [line.quantity for part in order.parts for line in part.lines]
    assert stocks(order) == [b + q for b, q in zip(before, reserved, strict=True)]

    fake_stripe.expire_session(stored.session_id)
    late = fake_stripe.session_event("checkout.session.expired", stored.session_id)
    assert deliver(client, late).status_code == 200
    assert stocks(order) == [b + q for b, q in zip(before, reserved, strict=True)]
    assert outcomes() == ["ignored"]
