"""Every call of `payments.stripe_api`, made by the real `stripe` library
against the fake Stripe server: what reaches Stripe, what comes back, and
what happens when Stripe fails, is slow or refuses."""

from datetime import UTC, datetime, timedelta
from urllib.request import urlopen

import pytest

from marketplace.payments import stripe_api
from marketplace.payments.errors import (
    CheckoutExpiryOutOfRange,
    InvalidStripeAmount,
    PaymentProviderError,
)
from marketplace.payments.stripe_api import LineItem
from tests.payments.helpers import PUBLIC, checkout_request

pytestmark = pytest.mark.usefixtures("app_context")
SESSIONS = "/v1/checkout/sessions"


def paid_session(fake_stripe, **completion) -> stripe_api.CheckoutSession:
    session = stripe_api.create_checkout_session(checkout_request())
    fake_stripe.complete_session(session.id, **completion)
    return stripe_api.retrieve_checkout_session(session.id)


# --- configuration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret_key", "webhook_secret", "configured"),
    [(None, None, False), ("sk_test_x", None, False), (None, "whsec_x", False),
     ("", "", False), ("sk_test_x", "whsec_x", True)],
)  # fmt: skip
def test_card_payments_need_both_keys(app, secret_key, webhook_secret, configured):
    app.config.update(STRIPE_SECRET_KEY=secret_key, STRIPE_WEBHOOK_SECRET=webhook_secret)
    assert stripe_api.is_configured() is configured


@pytest.mark.parametrize(
    ("key", "live"),
    [("sk_test_x", False), ("sk_live_x", True), ("rk_live_x", True), (None, False)],
)
def test_live_mode_follows_the_key(app, key, live):
    app.config["STRIPE_SECRET_KEY"] = key
    assert stripe_api.is_live_mode() is live


def test_without_a_secret_key_nothing_is_sent(app, fake_stripe):
    app.config["STRIPE_SECRET_KEY"] = None

    with pytest.raises(PaymentProviderError, match="belum diaktifkan") as raised:
        stripe_api.create_checkout_session(checkout_request())

    assert not raised.value.retryable
    assert fake_stripe.requests == []


def test_a_wrong_key_is_refused_and_not_worth_retrying(app, fake_stripe):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_not_ours"

    with pytest.raises(PaymentProviderError, match="kunci toko") as raised:
        stripe_api.retrieve_checkout_session("cs_test_x")

    assert (raised.value.retryable, raised.value.http_status) == (False, 401)
    assert "Invalid API Key" in raised.value.detail
    assert len(fake_stripe.requests) == 1  # not retried


def test_one_client_per_configuration(app, fake_stripe):
    first = stripe_api._client()
    assert stripe_api._client() is first

    app.config["STRIPE_TIMEOUT_SECONDS"] = 1.5
    assert stripe_api._client() is not first


# --- Checkout Sessions ----------------------------------------------------------


def test_a_checkout_session_carries_the_order_in_stripe_amounts(fake_stripe):
    request = checkout_request(customer_email="sri@example.test")

    session = stripe_api.create_checkout_session(request)

    (sent,) = fake_stripe.requests
    assert (sent.method, sent.path) == ("POST", SESSIONS)
    assert sent.idempotency_key == "checkout:order-7:attempt-1"
    assert sent.params["mode"] == "payment"
    assert sent.params["line_items"] == [
        {
            "quantity": "2",
            "price_data": {
                "currency": "idr",
                "unit_amount": "1250000",
                "product_data": {"name": "Keripik Tempe Sagu 250 g"},
            },
        },
        {
            "quantity": "1",
            "price_data": {
                "currency": "idr",
                "unit_amount": "1000000",
                "product_data": {"name": "Ongkos kirim: Toko Bu Sri"},
            },
        },
    ]
    metadata = {"order_id": "7", "attempt": "1", "order_code": "PA-260101-0007"}
    assert sent.params["client_reference_id"] == "PA-260101-0007"
    assert sent.params["metadata"] == metadata
    assert sent.params["payment_intent_data"] == {
        "description": "Pesanan PA-260101-0007",
        "metadata": metadata,
    }
    assert sent.params["expires_at"] == str(int(request.expires_at.timestamp()))
    assert sent.params["success_url"] == request.success_url  # {CHECKOUT_SESSION_ID} kept
    assert sent.params["cancel_url"] == request.cancel_url
    assert sent.params["customer_email"] == "sri@example.test"

    assert session.id.startswith("cs_test_")
    assert session.url == f"{fake_stripe.base_url}/c/pay/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (35_000 * 100, "idr")
    assert session.expires_at == request.expires_at
    assert session.client_reference_id == "PA-260101-0007"
    assert session.metadata == metadata
    assert (session.payment_intent_id, session.livemode) == (None, False)


def test_without_an_email_none_is_sent(fake_stripe):
    stripe_api.create_checkout_session(checkout_request())
    assert "customer_email" not in fake_stripe.requests[0].params


def test_a_double_click_makes_one_session(fake_stripe):
    request = checkout_request()

    first = stripe_api.create_checkout_session(request)
    second = stripe_api.create_checkout_session(request)

    assert first == second
    assert len(fake_stripe.of("checkout.session")) == 1
    assert [r.replayed for r in fake_stripe.requests_to("POST", SESSIONS)] == [False, True]


def test_the_same_key_for_another_request_is_refused(fake_stripe):
    stripe_api.create_checkout_session(checkout_request())
    changed = checkout_request(line_items=(LineItem("Gethuk Goreng", 20_000, 1),))

    with pytest.raises(PaymentProviderError, match="Stripe menolak") as raised:
        stripe_api.create_checkout_session(changed)

    assert (raised.value.retryable, raised.value.http_status) == (False, 400)
    assert "IdempotencyError" in raised.value.detail
    assert len(fake_stripe.of("checkout.session")) == 1


def test_a_500_once_is_retried_with_the_same_key(fake_stripe):
    fake_stripe.fail_next(500)

    session = stripe_api.create_checkout_session(checkout_request())

    tries = fake_stripe.requests_to("POST", SESSIONS)
    assert [r.status for r in tries] == [500, 200]
    assert {r.idempotency_key for r in tries} == {"checkout:order-7:attempt-1"}
    assert [s["id"] for s in fake_stripe.of("checkout.session")] == [session.id]


def test_stripe_failing_every_try_says_try_again(fake_stripe):
    fake_stripe.fail_next(503, times=3)

    with pytest.raises(PaymentProviderError, match="coba lagi") as raised:
        stripe_api.create_checkout_session(checkout_request())

    assert (raised.value.retryable, raised.value.http_status) == (True, 503)
    assert len(fake_stripe.requests) == 3  # the first try and two retries
    assert fake_stripe.of("checkout.session") == []


def test_a_rate_limit_says_try_again(fake_stripe):
    fake_stripe.fail_next(429)

    with pytest.raises(PaymentProviderError) as raised:
        stripe_api.retrieve_checkout_session("cs_test_x")

    assert (raised.value.retryable, raised.value.code) == (True, "rate_limit")


def test_a_rate_limit_stripe_asks_to_retry_is_retried(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())
    fake_stripe.fail_next(429, should_retry=True)

    assert stripe_api.retrieve_checkout_session(session.id).id == session.id
    assert [r.status for r in fake_stripe.requests[1:]] == [429, 200]


@pytest.mark.parametrize("processed", [False, True], ids=["lost-on-the-way", "answer-lost"])
def test_a_timeout_once_is_retried_into_one_session(app, fake_stripe, processed):
    app.config["STRIPE_TIMEOUT_SECONDS"] = 1.0
    fake_stripe.hang_next(5, processed=processed)

    session = stripe_api.create_checkout_session(checkout_request())

    assert [s["id"] for s in fake_stripe.of("checkout.session")] == [session.id]
    second = fake_stripe.requests_to("POST", SESSIONS)[1]
    assert (second.status, second.replayed) == (200, processed)


def test_a_timeout_on_every_try_says_try_again_and_the_key_keeps_it_one(app, fake_stripe):
    app.config.update(STRIPE_TIMEOUT_SECONDS=0.3, STRIPE_MAX_NETWORK_RETRIES=1)
    fake_stripe.hang_next(5, times=2, processed=True)  # Stripe made it; no answer came back
    request = checkout_request()

    with pytest.raises(PaymentProviderError, match="tidak bisa dihubungi") as raised:
        stripe_api.create_checkout_session(request)

    assert raised.value.retryable
    assert "Timeout" in raised.value.detail
    # The shopper tries again: the same key finds the session Stripe made.
    session = stripe_api.create_checkout_session(request)
    assert [s["id"] for s in fake_stripe.of("checkout.session")] == [session.id]


def test_stripe_out_of_reach_says_try_again(app, fake_stripe):
    app.config.update(STRIPE_API_BASE="http://127.0.0.1:9", STRIPE_MAX_NETWORK_RETRIES=0)

    with pytest.raises(PaymentProviderError, match="tidak bisa dihubungi") as raised:
        stripe_api.retrieve_checkout_session("cs_test_x")

    assert raised.value.retryable
    assert "APIConnectionError" in raised.value.detail


@pytest.mark.parametrize(
    "lifetime",
    [timedelta(minutes=31, seconds=5), timedelta(hours=23, minutes=58, seconds=55)],
    ids=["31-minutes", "23h59"],
)
def test_stripe_takes_a_lifetime_inside_its_window(fake_stripe, lifetime):
    expires_at = datetime.now(UTC).replace(microsecond=0) + lifetime

    session = stripe_api.create_checkout_session(checkout_request(expires_at=expires_at))

    assert session.expires_at == expires_at


@pytest.mark.parametrize(
    ("lifetime", "message"),
    [
        (timedelta(minutes=-5), "kurang dari 31 menit"),
        (timedelta(minutes=30), "kurang dari 31 menit"),
        (timedelta(hours=24), "lebih dari 24 jam"),
        (timedelta(hours=48), "lebih dari 24 jam"),
    ],
)
def test_a_deadline_outside_stripes_window_is_refused_before_asking(fake_stripe, lifetime, message):
    expires_at = datetime.now(UTC) + lifetime

    with pytest.raises(CheckoutExpiryOutOfRange, match=message):
        stripe_api.create_checkout_session(checkout_request(expires_at=expires_at))

    assert fake_stripe.requests == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"expires_at": datetime.now() + timedelta(hours=2)}, ValueError),
        ({"success_url": "https://evil.example/ok"}, ValueError),
        ({"cancel_url": "/pesanan/PA-1"}, ValueError),
        ({"success_url": "http://pasar.aspikmas.test/ok"}, ValueError),
        ({"currency": "usd"}, ValueError),
        ({"line_items": ()}, ValueError),
        ({"line_items": (LineItem("", 1000, 1),)}, ValueError),
        ({"line_items": (LineItem("Gethuk", 1000, 0),)}, ValueError),
        ({"line_items": (LineItem("Gethuk", 1000, True),)}, TypeError),
        ({"line_items": (LineItem("Gethuk", -1000, 1),)}, InvalidStripeAmount),
        ({"line_items": (LineItem("Gethuk", 10.5, 1),)}, InvalidStripeAmount),
        ({"line_items": (LineItem("Gratis", 0, 1),)}, InvalidStripeAmount),
        ({"metadata": {f"key_{n}": "1" for n in range(50)}}, ValueError),  # 51 with the code
        ({"metadata": {"x" * 41: "1"}}, ValueError),
        ({"metadata": {"a[b]": "1"}}, ValueError),
        ({"metadata": {"order_id": 7}}, TypeError),
        ({"metadata": {"note": "x" * 501}}, ValueError),
    ],
)
def test_a_request_stripe_would_refuse_is_refused_before_asking(fake_stripe, changes, error):
    with pytest.raises(error):
        stripe_api.create_checkout_session(checkout_request(**changes))

    assert fake_stripe.requests == []


def test_a_free_line_beside_paid_ones_is_fine(fake_stripe):
    lines = (LineItem("Keripik", 12_500, 1), LineItem("Ambil sendiri", 0, 1))

    session = stripe_api.create_checkout_session(checkout_request(line_items=lines))

    assert session.amount_total == 1_250_000


def test_retrieving_a_session_reads_what_stripe_knows_now(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())
    fake_stripe.complete_session(session.id)

    now = stripe_api.retrieve_checkout_session(session.id)

    assert (now.status, now.payment_status, now.url) == ("complete", "paid", None)
    assert now.payment_intent_id == fake_stripe.objects[session.id]["payment_intent"]
    assert fake_stripe.requests[-1].path == f"{SESSIONS}/{session.id}"


def test_an_unknown_session_is_refused_with_stripes_code(fake_stripe):
    with pytest.raises(PaymentProviderError) as raised:
        stripe_api.retrieve_checkout_session("cs_test_nobody")

    error = raised.value
    assert (error.retryable, error.http_status, error.code) == (False, 404, "resource_missing")
    assert "No such checkout.session" in error.detail


def test_expiring_an_open_session_closes_it(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())

    expired = stripe_api.expire_checkout_session(session.id)

    assert (expired.status, expired.url) == ("expired", None)
    assert fake_stripe.requests[-1].path == f"{SESSIONS}/{session.id}/expire"
    assert fake_stripe.requests[-1].idempotency_key  # the library's own, for its retries


def test_expiring_twice_is_harmless(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())
    stripe_api.expire_checkout_session(session.id)

    assert stripe_api.expire_checkout_session(session.id).status == "expired"


def test_expiring_a_paid_session_tells_it_was_paid(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())
    fake_stripe.complete_session(session.id)

    after = stripe_api.expire_checkout_session(session.id)

    assert (after.status, after.payment_status) == ("complete", "paid")


def test_expiring_an_unknown_session_is_refused(fake_stripe):
    with pytest.raises(PaymentProviderError) as raised:
        stripe_api.expire_checkout_session("cs_test_nobody")
    assert raised.value.code == "resource_missing"


# --- the fee Stripe kept --------------------------------------------------------


def test_the_fee_comes_from_the_charges_balance_transaction(fake_stripe):
    session = paid_session(fake_stripe, fee_rupiah=3_190)

    assert stripe_api.charge_fee(session.payment_intent_id) == 3_190
    asked = fake_stripe.requests[-1]
    assert asked.path == f"/v1/payment_intents/{session.payment_intent_id}"
    assert asked.params == {"expand": ["latest_charge.balance_transaction"]}


def test_no_fee_before_the_money_arrived(fake_stripe):
    session = paid_session(fake_stripe, payment_status="unpaid")  # a payment that settles later

    with pytest.raises(PaymentProviderError, match="belum tersedia") as raised:
        stripe_api.charge_fee(session.payment_intent_id)
    assert raised.value.retryable

    fake_stripe.settle_async(session.id, succeeded=True, fee_rupiah=2_500)
    assert stripe_api.charge_fee(session.payment_intent_id) == 2_500


@pytest.mark.parametrize(
    ("changes", "message"), [({"fee": 319_050}, "bukan rupiah bulat"), ({"currency": "sgd"}, "sgd")]
)
def test_a_fee_that_is_not_whole_rupiah_is_refused(fake_stripe, changes, message):
    session = paid_session(fake_stripe)
    (balance,) = fake_stripe.of("balance_transaction")
    balance.update(changes)

    with pytest.raises(InvalidStripeAmount, match=message):
        stripe_api.charge_fee(session.payment_intent_id)


# --- refunds --------------------------------------------------------------------


def refund(session, rupiah, key="refund:part-3", **metadata):
    return stripe_api.create_refund(
        payment_intent_id=session.payment_intent_id,
        rupiah=rupiah,
        idempotency_key=key,
        metadata={"order_code": "PA-260101-0007", **metadata},
    )


def test_a_refund_sends_stripe_amounts_and_its_key(fake_stripe):
    session = paid_session(fake_stripe)

    made = refund(session, 12_500, part_id="3")

    sent = fake_stripe.requests[-1]
    assert (sent.method, sent.path, sent.idempotency_key) == (
        "POST",
        "/v1/refunds",
        "refund:part-3",
    )
    assert sent.params == {
        "payment_intent": session.payment_intent_id,
        "amount": "1250000",
        "metadata": {"order_code": "PA-260101-0007", "part_id": "3"},
    }
    assert made.id.startswith("re_test_")
    assert (made.status, made.amount_rupiah) == ("succeeded", 12_500)
    assert made.payment_intent_id == session.payment_intent_id
    assert made.metadata == {"order_code": "PA-260101-0007", "part_id": "3"}


def test_a_refund_retried_with_its_key_refunds_once(fake_stripe):
    session = paid_session(fake_stripe)
    fake_stripe.fail_next(500)

    first = refund(session, 12_500)
    again = refund(session, 12_500)

    assert first == again
    assert len(fake_stripe.of("refund")) == 1
    (charge,) = fake_stripe.of("charge")
    assert charge["amount_refunded"] == 1_250_000


def test_refunds_past_what_was_paid_are_refused(fake_stripe):
    session = paid_session(fake_stripe)  # Rp35.000
    refund(session, 25_000, key="refund:part-1")

    with pytest.raises(PaymentProviderError) as raised:
        refund(session, 10_001, key="refund:part-2")
    assert (raised.value.code, raised.value.retryable) == ("amount_too_large", False)

    refund(session, 10_000, key="refund:part-2")
    with pytest.raises(PaymentProviderError) as raised:
        refund(session, 1, key="refund:part-3")
    assert raised.value.code == "charge_already_refunded"


@pytest.mark.parametrize("rupiah", [0, -1, 1.5, True])
def test_a_refund_of_nothing_is_refused_before_asking(fake_stripe, rupiah):
    session = paid_session(fake_stripe)
    asked = len(fake_stripe.requests)

    with pytest.raises(InvalidStripeAmount):
        refund(session, rupiah)

    assert len(fake_stripe.requests) == asked


def test_refunds_are_read_back_by_id_and_by_payment(fake_stripe):
    session = paid_session(fake_stripe)
    first = refund(session, 5_000, key="refund:1")
    second = refund(session, 7_500, key="refund:2")
    fake_stripe.set_refund_status(first.id, "failed")

    failed = stripe_api.retrieve_refund(first.id)
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    listed = stripe_api.list_refunds(session.payment_intent_id)
    assert [(r.id, r.status, r.amount_rupiah) for r in listed] == [
        (second.id, "succeeded", 7_500),
        (first.id, "failed", 5_000),
    ]
    assert stripe_api.list_refunds("pi_test_other") == []


def test_a_refund_with_sen_is_refused_when_read(fake_stripe):
    """Made in Stripe's dashboard, say: the shop cannot book sen."""
    session = paid_session(fake_stripe)
    made = refund(session, 5_000)
    fake_stripe.objects[made.id]["amount"] = 500_050

    with pytest.raises(InvalidStripeAmount):
        stripe_api.retrieve_refund(made.id)


# --- objects from webhooks ------------------------------------------------------


def test_objects_of_webhook_events_read_as_plain_values(fake_stripe):
    session = paid_session(fake_stripe)
    made = refund(session, 5_000)
    payout = fake_stripe.create_payout(31_810)

    assert stripe_api.checkout_session_from(fake_stripe.objects[session.id]) == session
    assert stripe_api.refund_from(fake_stripe.objects[made.id]) == made
    assert stripe_api.payout_from(payout) == stripe_api.Payout(
        id=payout["id"],
        status="paid",
        amount_rupiah=31_810,
        livemode=False,
        arrival_at=datetime.fromtimestamp(payout["arrival_date"], UTC),
    )


def test_the_public_url_decides_where_shoppers_come_back(app, fake_stripe):
    assert app.config["PUBLIC_URL"] == PUBLIC
    app.config["PUBLIC_URL"] = "https://pasar.aspikmas.id"

    with pytest.raises(ValueError, match="not on PUBLIC_URL"):
        stripe_api.create_checkout_session(checkout_request())


def test_the_session_url_opens_a_page_on_the_fake_host(fake_stripe):
    session = stripe_api.create_checkout_session(checkout_request())

    with urlopen(session.url, timeout=5) as page:
        html = page.read().decode()

    assert "Rp35.000" in html
    assert "PA-260101-0007" in html
