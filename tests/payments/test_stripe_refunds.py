"""Card refunds through Stripe (payments.stripe_refunds), end to end over HTTP:
a member cancels a paid card part on their page, the refund goes to the
fake Stripe with one key per part and attempt; the treasurer retries from
/bendahara/pengembalian when Stripe failed; Stripe's refund events, signed
and delivered twice and out of order, settle each refund by its id. After
every case the ledger balances (each transaction and all entries sum to
zero) and cash:stripe is what Stripe holds."""

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerTransaction
from marketplace.orders.events import OrderEvent
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import OrderEventKind, OrderPartStatus, OrderStatus
from marketplace.payments import stripe_checkout
from marketplace.payments.models import StripeCheckout, StripeEvent, StripeRefund
from tests import factories
from tests.orders.flows import books_balance, entries, two_part_order
from tests.payments.fake_stripe import FakeStripe, webhook_headers

pytestmark = pytest.mark.usefixtures("app_context")

WEBHOOK = "/webhooks/stripe"
KERIPIK = 45_000  # part 0: 3 x Rp15.000, picked up
GULA = 30_500  # part 1: Rp22.500 and Rp8.000 delivery
FEE = 2_600


# --- the story's steps --------------------------------------------------------------


def deliver(client, body: bytes):
    response = client.post(WEBHOOK, data=body, headers=webhook_headers(body))
    assert response.status_code == 200, response.get_json()
    return response


def paid_card_order(client, fake: FakeStripe) -> tuple[Order, str]:
    """A two-part card order, paid through the fake Stripe's signed webhook
    (with Stripe's fee); its payment intent's id."""
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.commit()
    stored = db.session.scalars(select(StripeCheckout)).one()
    fake.complete_session(stored.session_id, fee_rupiah=FEE)
    deliver(client, fake.session_event("checkout.session.completed", stored.session_id))
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    intent = fake.get(stored.session_id, "checkout.session")["payment_intent"]
    return db.session.get(Order, order.id), intent


def cancel(client, part: OrderPart):
    """The part's member cancels it on their page."""
    factories.log_in(client, part.member.user)
    return client.post(
        f"/kelola/pesanan/{part.id}/batal",
        data={"reason": "Stok habis.", "restock": "y"},
        follow_redirects=True,
    )


def retry(client, part: OrderPart, treasurer):
    factories.log_in(client, treasurer)
    return client.post(f"/bendahara/pengembalian/{part.id}/stripe", follow_redirects=True)


def refund_requests(fake: FakeStripe):
    return fake.requests_to("POST", "/v1/refunds")


def attempts(part: OrderPart) -> list[StripeRefund]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(StripeRefund).where(StripeRefund.part_id == part.id).order_by("attempt")
        )
    )


def fresh(part: OrderPart) -> OrderPart:
    db.session.expire_all()
    return db.session.get(OrderPart, part.id)


def outcomes(kind: str) -> list[str]:
    return list(
        db.session.scalars(
            select(StripeEvent.outcome).where(StripeEvent.type == kind).order_by(StripeEvent.id)
        )
    )


def transactions() -> int:
    return db.session.scalar(select(func.count(LedgerTransaction.id))) or 0


def refunds_paid_total() -> int:
    """What the ledger sent back to shoppers: payable:shopper-refunds debits
    by the refund-paid postings, less the reversals of failed ones."""
    keys = db.session.scalars(
        select(LedgerTransaction.idempotency_key).where(
            LedgerTransaction.idempotency_key.like("stripe-refund:%")
        )
    )
    return sum(entries(key).get("payable:shopper-refunds", 0) for key in keys)


def stripe_holds(fake: FakeStripe) -> int:
    """Rupiah in the fake Stripe balance: charges paid, less refunds (those
    that failed gave theirs back), less Stripe's fees."""
    charges = [charge for charge in fake.of("charge") if charge["paid"]]
    fees = sum(txn["fee"] for txn in fake.of("balance_transaction") if txn["type"] == "charge")
    return (sum(c["amount"] - c["amount_refunded"] for c in charges) - fees) // 100


def books_match(fake: FakeStripe) -> None:
    db.session.expire_all()
    assert books_balance()
    assert balance("cash:stripe") == stripe_holds(fake)


def last_email_to(order: Order) -> OutboxEmail:
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.recipient == order.buyer.email)
        .order_by(OutboxEmail.id.desc())
    ).first()


# --- the member's cancel --------------------------------------------------------------


def test_a_cancelled_paid_card_part_is_refunded_through_stripe_once(client, fake_stripe):
    order, intent = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    factories.log_in(client, keripik.member.user)
    before = client.get(f"/kelola/pesanan/{keripik.id}").text
    assert "dananya dikembalikan ke kartu pembeli lewat Stripe" in before

    page = cancel(client, keripik)
    again = cancel(client, keripik)  # a double click

    assert "Dana Rp45.000 dikembalikan ke kartu pembeli lewat Stripe." in page.text
    assert "dikembalikan bendahara" not in page.text
    assert "sudah dibatalkan" in again.text.lower() or "Dibatalkan" in again.text
    [sent] = refund_requests(fake_stripe)
    assert sent.idempotency_key == f"refund:part-{keripik.id}:attempt-1"
    assert sent.params["payment_intent"] == intent
    assert sent.params["amount"] == str(KERIPIK * 100)
    assert sent.params["metadata"] == {
        "order_code": order.code,
        "part_id": str(keripik.id),
        "attempt": "1",
    }
    [row] = attempts(keripik)
    [refund] = fake_stripe.of("refund")
    assert (row.refund_id, row.status, row.amount) == (refund["id"], "succeeded", KERIPIK)
    assert row.settled_at is not None and row.requested_by_id == keripik.member.user_id
    keripik = fresh(keripik)
    assert keripik.status == OrderPartStatus.CANCELLED and keripik.refund_paid_at is not None
    assert entries(f"stripe-refund:{refund['id']}:succeeded") == {
        "payable:shopper-refunds": KERIPIK,
        "cash:stripe": -KERIPIK,
    }
    assert balance("payable:shopper-refunds") == 0
    assert "dikembalikan ke kartu Anda lewat Stripe" in last_email_to(order).body_text
    books_match(fake_stripe)

    # Stripe's own word of it, twice, changes nothing more.
    posted = transactions()
    body = fake_stripe.refund_event(refund["id"], "refund.created")
    deliver(client, body)
    deliver(client, body)
    deliver(client, fake_stripe.charge_refunded_event(intent))
    assert transactions() == posted
    assert outcomes("refund.created") == ["ignored"]
    assert outcomes("charge.refunded") == ["ignored"]
    books_match(fake_stripe)

    # The shopper's order page says where the money went.
    factories.log_in(client, order.buyer)
    shown = client.get(f"/pesanan/{order.code}").text
    assert "dikembalikan ke kartu Anda lewat Stripe" in shown


def test_stripe_failing_leaves_the_cancel_and_the_treasurer_retries_under_the_same_key(
    app, client, fake_stripe
):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    fake_stripe.fail_next(500)

    page = cancel(client, keripik)

    assert f"Pesanan {order.code} dibatalkan." in page.text
    assert "bendahara Aspikmas akan mengulanginya" in page.text
    keripik = fresh(keripik)
    assert keripik.status == OrderPartStatus.CANCELLED and keripik.refund_paid_at is None
    [row] = attempts(keripik)
    assert (row.attempt, row.refund_id, row.status) == (1, None, "pending")
    assert fake_stripe.of("refund") == []
    assert balance("payable:shopper-refunds") == KERIPIK  # owed to the shopper
    books_match(fake_stripe)

    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    factories.log_in(client, treasurer)
    queue = client.get("/bendahara/pengembalian").text
    assert "Kembalikan lewat Stripe" in queue and "belum dijawab Stripe" in queue
    done = retry(client, keripik, treasurer)
    again = retry(client, keripik, treasurer)  # a double click

    assert "ke kartu pembeli sudah dikembalikan" in done.text
    assert "sudah dikembalikan" in again.text
    keys = [request.idempotency_key for request in refund_requests(fake_stripe)]
    assert keys == [f"refund:part-{keripik.id}:attempt-1"] * 2
    [refund] = fake_stripe.of("refund")
    [row] = attempts(keripik)
    assert (row.refund_id, row.status, row.requested_by_id) == (
        refund["id"],
        "succeeded",
        keripik.member.user_id,
    )
    assert fresh(keripik).refund_paid_at is not None
    assert balance("payable:shopper-refunds") == 0
    books_match(fake_stripe)


def test_a_refund_stripe_made_before_our_call_timed_out_is_adopted(app, client, fake_stripe):
    app.config.update(STRIPE_MAX_NETWORK_RETRIES=0, STRIPE_TIMEOUT_SECONDS=0.5)
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    fake_stripe.hang_next(2.0, processed=True)

    page = cancel(client, keripik)

    assert "belum terkirim" in page.text
    [refund] = fake_stripe.of("refund")  # Stripe did it; its answer was lost
    [row] = attempts(keripik)
    assert row.refund_id is None and fresh(keripik).refund_paid_at is None

    deliver(client, fake_stripe.refund_event(refund["id"], "refund.created"))

    [row] = attempts(keripik)
    assert (row.refund_id, row.status) == (refund["id"], "succeeded")
    assert fresh(keripik).refund_paid_at is not None
    assert outcomes("refund.created") == ["applied"]
    assert balance("payable:shopper-refunds") == 0
    books_match(fake_stripe)
    # Nothing left to retry: the treasurer's button is gone and a POST is refused.
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    refused = retry(client, keripik, treasurer)
    assert "sudah dikembalikan" in refused.text
    assert "Kembalikan lewat Stripe</button>" not in refused.text
    assert len(fake_stripe.of("refund")) == 1
    books_match(fake_stripe)


def test_two_refunds_delivered_twice_and_out_of_order_refund_exactly_their_sum(client, fake_stripe):
    order, intent = paid_card_order(client, fake_stripe)
    keripik, gula = order.parts
    fake_stripe.refund_status = "pending"  # Stripe confirms them later
    cancel(client, keripik)
    cancel(client, gula)
    [first, second] = [attempts(part)[0].refund_id for part in (keripik, gula)]
    assert first and second
    assert balance("payable:shopper-refunds") == KERIPIK + GULA
    created = [fake_stripe.refund_event(first, "refund.created")]
    fake_stripe.set_refund_status(first, "succeeded")
    fake_stripe.set_refund_status(second, "succeeded")
    events: list[Any] = [
        fake_stripe.refund_event(second, "refund.updated"),
        fake_stripe.charge_refunded_event(intent),  # amount_refunded: both together
        created[0],  # stale: pending
        fake_stripe.refund_event(first, "charge.refund.updated"),
    ]
    for body in [events[0], events[2], events[1], events[0], events[3], events[1], events[2]]:
        deliver(client, body)

    db.session.expire_all()
    assert refunds_paid_total() == KERIPIK + GULA
    assert balance("payable:shopper-refunds") == 0
    assert all(fresh(part).refund_paid_at is not None for part in (keripik, gula))
    assert db.session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 5  # payment + 4 refund events
    books_match(fake_stripe)


def test_a_refund_failing_after_it_succeeded_is_owed_again_and_a_second_attempt_works(
    client, fake_stripe
):
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    cancel(client, keripik)
    [row] = attempts(keripik)
    first = row.refund_id
    succeeded = fake_stripe.refund_event(first, "refund.updated")
    fake_stripe.set_refund_status(first, "failed")
    failed = fake_stripe.refund_event(first, "refund.failed")

    deliver(client, failed)
    deliver(client, succeeded)  # late and stale: no effect
    deliver(client, failed)

    keripik = fresh(keripik)
    assert keripik.refund_paid_at is None
    assert attempts(keripik)[0].status == "failed"
    assert entries(f"stripe-refund:{first}:failed") == {
        "cash:stripe": KERIPIK,
        "payable:shopper-refunds": -KERIPIK,
    }
    assert balance("payable:shopper-refunds") == KERIPIK
    assert "Stripe tidak berhasil mengembalikan Rp45.000" in last_email_to(order).body_text
    returned = db.session.scalars(
        select(OrderEvent).where(OrderEvent.kind == OrderEventKind.REFUND_RETURNED)
    ).one()
    assert returned.part_id == keripik.id and "expired_or_canceled_card" in returned.note
    books_match(fake_stripe)

    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    factories.log_in(client, treasurer)
    queue = client.get("/bendahara/pengembalian").text
    assert first in queue and "gagal" in queue and "Kembalikan lewat Stripe" in queue
    retry(client, keripik, treasurer)

    rows = attempts(keripik)
    assert [(r.attempt, r.status) for r in rows] == [(1, "failed"), (2, "succeeded")]
    assert refund_requests(fake_stripe)[-1].idempotency_key == (
        f"refund:part-{keripik.id}:attempt-2"
    )
    assert rows[1].requested_by_id == treasurer.id
    assert fresh(keripik).refund_paid_at is not None
    assert refunds_paid_total() == KERIPIK
    assert balance("payable:shopper-refunds") == 0
    books_match(fake_stripe)


def test_a_refund_made_in_stripes_dashboard_is_a_mismatch_and_posts_nothing(
    app, client, fake_stripe
):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, intent = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    held = balance("cash:stripe")
    posted = transactions()
    dashboard = fake_stripe.create_refund({"payment_intent": intent, "amount": "1000000"})

    deliver(client, fake_stripe.refund_event(dashboard["id"], "refund.created"))
    deliver(client, fake_stripe.charge_refunded_event(intent))

    assert outcomes("refund.created") == ["mismatch"]
    assert outcomes("charge.refunded") == ["mismatch"]
    detail = db.session.scalars(select(StripeEvent.detail).order_by(StripeEvent.id.desc())).first()
    assert dashboard["id"] in detail and "tidak diminta toko" in detail
    assert transactions() == posted and balance("cash:stripe") == held
    assert books_balance()

    # Our attempt whose call failed, and a refund naming it for another amount.
    fake_stripe.fail_next(500)
    cancel(client, keripik)
    [row] = attempts(keripik)
    assert row.refund_id is None
    other = fake_stripe.create_refund(
        {
            "payment_intent": intent,
            "amount": "500000",
            "metadata": {"order_code": order.code, "part_id": str(keripik.id), "attempt": "1"},
        }
    )
    posted = transactions()
    deliver(client, fake_stripe.refund_event(other["id"], "refund.created"))
    assert outcomes("refund.created") == ["mismatch", "mismatch"]
    [row] = attempts(keripik)
    assert row.refund_id is None and fresh(keripik).refund_paid_at is None
    assert transactions() == posted
    assert books_balance()


# --- the treasurer's page ---------------------------------------------------------------


def test_only_the_treasurer_may_send_a_refund_through_stripe(app, client, fake_stripe):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    fake_stripe.fail_next(500)
    cancel(client, keripik)
    url = f"/bendahara/pengembalian/{keripik.id}/stripe"
    for role in (Role.SHOPPER, Role.ADMIN):
        factories.log_in(client, factories.UserFactory(roles=[role]))
        assert client.post(url).status_code == 403
    factories.log_in(client, keripik.member.user)
    assert client.post(url).status_code == 403
    anonymous = app.test_client().post(url)
    assert anonymous.status_code == 302 and "/masuk" in anonymous.location
    assert len(refund_requests(fake_stripe)) == 1  # the member's, which failed
    assert attempts(keripik)[0].refund_id is None


def test_a_card_refund_cannot_be_marked_transferred_by_hand(client, fake_stripe):
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    fake_stripe.refund_status = "pending"
    cancel(client, keripik)
    posted = transactions()
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    factories.log_in(client, treasurer)

    page = client.get("/bendahara/pengembalian").text
    answer = client.post(
        f"/bendahara/pengembalian/{keripik.id}/selesai", follow_redirects=True
    ).text

    assert attempts(keripik)[0].refund_id in page
    assert "diproses Stripe" in page and "Sudah ditransfer kembali" not in page
    assert "Kembalikan lewat Stripe</button>" not in page  # one is under way
    assert "dikembalikan lewat Stripe, bukan dicatat dengan tangan" in answer
    assert transactions() == posted and fresh(keripik).refund_paid_at is None
    assert books_balance()


def test_the_treasurers_retry_clicked_twice_at_once_makes_one_refund(app, client, fake_stripe):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, _ = paid_card_order(client, fake_stripe)
    keripik = order.parts[0]
    fake_stripe.fail_next(500)
    cancel(client, keripik)
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    db.session.commit()
    answers: list[int] = []
    clients = [app.test_client() for _ in range(2)]
    for own in clients:
        factories.log_in(own, treasurer)

    url = f"/bendahara/pengembalian/{keripik.id}/stripe"

    def click(own) -> None:
        answers.append(own.post(url).status_code)

    threads = [threading.Thread(target=click, args=(own,)) for own in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [302, 302]
    assert len(fake_stripe.of("refund")) == 1
    assert {r.idempotency_key for r in refund_requests(fake_stripe)} == {
        f"refund:part-{keripik.id}:attempt-1"
    }
    [row] = attempts(keripik)
    assert row.status == "succeeded" and fresh(keripik).refund_paid_at is not None
    assert balance("payable:shopper-refunds") == 0
    books_match(fake_stripe)
