"""Webhook bodies are believed only with Stripe's signature over the raw body,
made by the library's own signer: every refusal is one `InvalidWebhook`."""

import json
import time

import pytest
import stripe

from marketplace.payments.errors import InvalidWebhook
from marketplace.payments.stripe_api import (
    checkout_session_from,
    create_checkout_session,
    create_refund,
    payout_from,
    refund_from,
    verify_event,
)
from tests.payments.fake_stripe import sign
from tests.payments.helpers import checkout_request

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def completed(fake_stripe) -> bytes:
    """A `checkout.session.completed` body for a paid session."""
    session = create_checkout_session(checkout_request())
    fake_stripe.complete_session(session.id)
    return fake_stripe.session_event("checkout.session.completed", session.id)


def _v1(header: str) -> str:
    return dict(part.split("=", 1) for part in header.split(","))["v1"]


def test_a_signed_body_gives_the_event_it_holds(completed):
    event = verify_event(completed, sign(completed))

    assert isinstance(event, stripe.Event)
    assert event.id == json.loads(completed)["id"]
    assert event.type == "checkout.session.completed"
    session = checkout_session_from(event.data.object)
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert session.amount_total == 35_000 * 100
    assert session.payment_intent_id.startswith("pi_test_")


def test_a_body_signed_with_another_secret_is_refused(completed):
    with pytest.raises(InvalidWebhook, match="tidak sah"):
        verify_event(completed, sign(completed, secret="whsec_someone_else"))


def test_a_body_parsed_and_serialised_again_no_longer_matches_its_signature(completed):
    reserialised = json.dumps(json.loads(completed)).encode()
    assert json.loads(reserialised) == json.loads(completed)

    with pytest.raises(InvalidWebhook):
        verify_event(reserialised, sign(completed))


def test_a_changed_amount_breaks_the_signature(completed):
    forged = completed.replace(b'"amount_total": 3500000', b'"amount_total": 100')
    assert forged != completed

    with pytest.raises(InvalidWebhook):
        verify_event(forged, sign(completed))


@pytest.mark.parametrize("header", [None, ""])
def test_a_body_without_a_signature_is_refused(completed, header):
    with pytest.raises(InvalidWebhook, match="tidak ada"):
        verify_event(completed, header)


def test_a_signature_older_than_five_minutes_is_refused(completed):
    with pytest.raises(InvalidWebhook, match="kedaluwarsa"):
        verify_event(completed, sign(completed, timestamp=int(time.time()) - 301))


def test_a_signature_made_four_minutes_ago_is_accepted(completed):
    event = verify_event(completed, sign(completed, timestamp=int(time.time()) - 240))
    assert event.type == "checkout.session.completed"


def test_one_valid_signature_among_two_is_enough(completed):
    """Stripe signs with each active secret while one is being rolled."""
    timestamp = int(time.time())
    good = _v1(sign(completed, timestamp=timestamp))
    old = _v1(sign(completed, secret="whsec_rolled_away", timestamp=timestamp))

    for header in (f"t={timestamp},v1={old},v1={good}", f"t={timestamp},v1={good},v1={old}"):
        assert verify_event(completed, header).type == "checkout.session.completed"


def test_two_signatures_neither_valid_are_refused(completed):
    timestamp = int(time.time())
    first = _v1(sign(completed, secret="whsec_one", timestamp=timestamp))
    second = _v1(sign(completed, secret="whsec_two", timestamp=timestamp))

    with pytest.raises(InvalidWebhook):
        verify_event(completed, f"t={timestamp},v1={first},v1={second}")


@pytest.mark.parametrize(
    "header",
    ["garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v0=00"],
)
def test_a_malformed_header_is_refused(completed, header):
    with pytest.raises(InvalidWebhook):
        verify_event(completed, header)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'"event"', b"{}", b'{"object": "event", "type": "x"}']
)
def test_a_signed_body_that_is_not_a_stripe_event_is_refused(body):
    with pytest.raises(InvalidWebhook, match="bukan event Stripe"):
        verify_event(body, sign(body))


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(InvalidWebhook, match="bukan event Stripe"):
        verify_event(b"\xff\xfe{}", sign(b"{}"))


def test_without_a_webhook_secret_nothing_is_believed(app, completed):
    app.config["STRIPE_WEBHOOK_SECRET"] = None

    with pytest.raises(InvalidWebhook, match="belum diatur"):
        verify_event(completed, sign(completed))


def _paid(fake_stripe, **completion):
    session = create_checkout_session(checkout_request())
    fake_stripe.complete_session(session.id, **completion)
    return session.id


@pytest.mark.parametrize(
    ("type", "status", "payment_status"),
    [
        ("checkout.session.async_payment_succeeded", "complete", "paid"),
        ("checkout.session.async_payment_failed", "complete", "unpaid"),
    ],
)
def test_a_payment_that_settles_later_sends_its_outcome(fake_stripe, type, status, payment_status):
    session_id = _paid(fake_stripe, payment_status="unpaid")
    completed = fake_stripe.session_event("checkout.session.completed", session_id)
    fake_stripe.settle_async(session_id, succeeded=type.endswith("succeeded"))
    outcome = fake_stripe.session_event(type, session_id)

    first = checkout_session_from(verify_event(completed, sign(completed)).data.object)
    assert (first.status, first.payment_status) == ("complete", "unpaid")
    event = verify_event(outcome, sign(outcome))
    assert event.type == type
    after = checkout_session_from(event.data.object)
    assert (after.id, after.status, after.payment_status) == (session_id, status, payment_status)


def test_an_expired_session_sends_its_expiry(fake_stripe):
    session = create_checkout_session(checkout_request())
    fake_stripe.expire_session(session.id)
    body = fake_stripe.session_event("checkout.session.expired", session.id)

    expired = checkout_session_from(verify_event(body, sign(body)).data.object)

    assert (expired.id, expired.status, expired.url) == (session.id, "expired", None)


def test_refund_events_name_each_refund_and_the_charge_names_the_payment(fake_stripe):
    session_id = _paid(fake_stripe)
    intent_id = fake_stripe.objects[session_id]["payment_intent"]
    made = create_refund(
        payment_intent_id=intent_id, rupiah=5_000, idempotency_key="r:1", metadata={}
    )
    charge_body = fake_stripe.charge_refunded_event(intent_id)
    fake_stripe.set_refund_status(made.id, "failed")
    refund_body = fake_stripe.refund_event(made.id)

    charge = verify_event(charge_body, sign(charge_body))
    assert charge.type == "charge.refunded"
    assert charge.data.object["payment_intent"] == intent_id
    assert charge.data.object["amount_refunded"] == 500_000
    failed = refund_from(verify_event(refund_body, sign(refund_body)).data.object)
    assert (failed.id, failed.status, failed.amount_rupiah) == (made.id, "failed", 5_000)
    assert failed.failure_reason == "expired_or_canceled_card"


def test_a_payout_event_reads_in_rupiah(fake_stripe):
    payout = fake_stripe.create_payout(1_250_000)
    body = fake_stripe.payout_event(payout["id"])

    event = verify_event(body, sign(body))

    assert event.type == "payout.paid"
    assert payout_from(event.data.object).amount_rupiah == 1_250_000


def test_the_same_delivery_twice_is_the_same_event(fake_stripe, completed):
    """Stripe signs each delivery afresh; the event id is what repeats."""
    first = verify_event(completed, sign(completed, timestamp=int(time.time()) - 60))
    second = verify_event(completed, sign(completed))

    assert first.id == second.id
