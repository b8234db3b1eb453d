"""Paying by card (payments.stripe_checkout and the checkout pages): the
order is placed first (stock reserved, no unique code), one Checkout Session
is opened for it at the fake Stripe with its lines and delivery fees in
Stripe's units, and the shopper goes there. Stripe failing leaves the order
awaiting payment, and trying again reuses the same idempotency key. The
success page never marks the order paid."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus, PaymentMethod
from marketplace.payments import stripe_checkout
from marketplace.payments.errors import PaymentProviderError
from marketplace.payments.models import StripeCheckout
from tests.factories import kecamatan
from tests.orders.flows import two_part_order
from tests.orders.helpers import cart_with, deliver_to, shopper, stock_of, variant

pytestmark = pytest.mark.usefixtures("app_context")

SESSIONS = ("POST", "/v1/checkout/sessions")


def card_order() -> Order:
    """Keripik 3 x Rp15.000 (pickup) and gula 1 x Rp22.500 delivered for
    Rp8.000, placed now to be paid by card."""
    return two_part_order(payment_method="stripe", now=datetime.now(UTC))


def test_a_card_order_has_no_unique_code(app):
    order = card_order()
    assert order.payment_method == PaymentMethod.STRIPE
    assert order.unique_code == 0
    assert order.total == 3 * 15_000 + 22_500 + 8_000


def test_start_sends_the_orders_lines_and_delivery_in_stripe_units(app, fake_stripe):
    order = card_order()
    url = stripe_checkout.start(order=order)
    db.session.commit()

    (sent,) = fake_stripe.requests_to(*SESSIONS)
    params = sent.params
    lines = [
        (
            line["price_data"]["product_data"]["name"],
            int(line["price_data"]["unit_amount"]),
            int(line["quantity"]),
            line["price_data"]["currency"],
        )
        for line in params["line_items"]
    ]
    assert sorted(lines) == sorted(
        [
            (lines[0][0], 1_500_000, 3, "idr"),
            (lines[1][0], 2_250_000, 1, "idr"),
            (lines[2][0], 800_000, 1, "idr"),
        ]
    )
    assert "Ongkos kirim" in lines[2][0]
    assert sum(amount * quantity for _, amount, quantity, _ in lines) == order.total * 100
    assert params["client_reference_id"] == order.code
    assert params["metadata"]["order_code"] == order.code
    assert params["metadata"]["order_id"] == str(order.id)
    assert sent.idempotency_key == f"checkout:order-{order.id}:attempt-1"
    assert (
        params["success_url"] == f"https://pasar.aspikmas.test/pesanan/{order.code}/kartu-selesai"
    )
    assert params["cancel_url"] == f"https://pasar.aspikmas.test/pesanan/{order.code}"

    # The session closes with the order's reservation, inside Stripe's 24 hours.
    expires = datetime.fromtimestamp(int(params["expires_at"]), UTC)
    placed = order.placed_at.replace(tzinfo=UTC)
    assert expires == (placed + timedelta(hours=23, minutes=59)).replace(microsecond=0)
    assert expires <= order.expires_at.replace(tzinfo=UTC)

    stored = db.session.scalars(select(StripeCheckout)).one()
    assert stored.order_id == order.id and url == stored.url
    assert stored.amount == order.total * 100 and stored.currency == "idr"
    assert stored.status == "open" and stored.livemode is False
    assert url.startswith(fake_stripe.base_url)


def test_a_short_reservation_closes_the_session_with_it(app, fake_stripe):
    app.config["ORDER_PAYMENT_HOURS"] = 2
    order = card_order()
    stripe_checkout.start(order=order)
    (sent,) = fake_stripe.requests_to(*SESSIONS)
    expires = datetime.fromtimestamp(int(sent.params["expires_at"]), UTC)
    assert expires == order.expires_at.replace(tzinfo=UTC, microsecond=0)


def test_starting_twice_opens_one_session(app, fake_stripe):
    order = card_order()
    first = stripe_checkout.start(order=order)
    db.session.commit()
    assert stripe_checkout.start(order=order) == first
    assert len(fake_stripe.requests_to(*SESSIONS)) == 1


def test_a_session_lost_before_our_commit_comes_back_under_the_same_key(app, fake_stripe):
    """Stripe made the session, but our transaction rolled back: asking again
    sends the same request under the same key, and Stripe answers the same."""
    order = card_order()
    first = stripe_checkout.start(order=order)
    db.session.rollback()
    assert stripe_checkout.start(order=order) == first
    db.session.commit()
    first_request, second_request = fake_stripe.requests_to(*SESSIONS)
    assert first_request.idempotency_key == second_request.idempotency_key
    assert second_request.replayed
    assert db.session.scalar(select(func.count(StripeCheckout.id))) == 1


def test_stripe_failing_leaves_the_order_awaiting_payment(app, fake_stripe):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order = card_order()
    fake_stripe.fail_next(500)
    with pytest.raises(PaymentProviderError) as failed:
        stripe_checkout.start(order=order)
    db.session.rollback()
    assert failed.value.retryable
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(StripeCheckout.id))) == 0

    assert stripe_checkout.start(order=order).startswith(fake_stripe.base_url)
    keys = {sent.idempotency_key for sent in fake_stripe.requests_to(*SESSIONS)}
    assert keys == {f"checkout:order-{order.id}:attempt-1"}


# --- the pages ------------------------------------------------------------------------


def _form(member_id, **changes):
    data = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(kecamatan("sokaraja").id),
        "desa": "Karangrau",
        "payment_method": "stripe",
        "idempotency_key": "k" * 24,
        f"pengiriman-{member_id}": "delivery",
    }
    return data | changes


def _cart(login_as):
    keripik = variant(price=20_000, stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 2))
    db.session.commit()
    return keripik


def test_checkout_offers_the_card_only_with_stripes_keys(app, client, login_as):
    _cart(login_as)
    assert "Kartu / Stripe" in client.get("/checkout").get_data(as_text=True)
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    page = client.get("/checkout").get_data(as_text=True)
    assert "Kartu / Stripe" not in page and "Transfer bank" in page


def test_checkout_refuses_the_card_without_stripes_keys(app, client, login_as):
    keripik = _cart(login_as)
    app.config["STRIPE_SECRET_KEY"] = ""
    response = client.post("/checkout", data=_form(keripik.product.member_id))
    assert response.status_code == 200
    assert "Pembayaran kartu belum tersedia" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_checkout_by_card_places_the_order_and_sends_the_shopper_to_stripe(
    client, login_as, fake_stripe
):
    keripik = _cart(login_as)
    first = client.post("/checkout", data=_form(keripik.product.member_id))
    second = client.post("/checkout", data=_form(keripik.product.member_id))  # double click

    order = db.session.scalars(select(Order)).one()
    stored = db.session.scalars(select(StripeCheckout)).one()
    assert first.status_code == second.status_code == 303
    assert first.location == second.location == stored.url
    assert order.status == OrderStatus.PENDING_PAYMENT and order.unique_code == 0
    assert order.total == 2 * 20_000 + 6_000
    assert stock_of(keripik.id) == 3
    assert len(fake_stripe.requests_to(*SESSIONS)) == 1


def test_stripe_down_at_checkout_keeps_the_order_and_offers_a_retry(
    app, client, login_as, fake_stripe
):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    keripik = _cart(login_as)
    fake_stripe.fail_next(500)
    response = client.post("/checkout", data=_form(keripik.product.member_id))
    order = db.session.scalars(select(Order)).one()
    assert response.status_code == 302 and response.location == f"/pesanan/{order.code}"
    page = client.get(response.location).get_data(as_text=True)
    assert "halaman pembayaran kartu belum bisa" in page
    assert "Bayar dengan kartu" in page
    assert order.status == OrderStatus.PENDING_PAYMENT and stock_of(keripik.id) == 3

    retry = client.post(f"/pesanan/{order.code}/bayar-kartu")
    stored = db.session.scalars(select(StripeCheckout)).one()
    assert retry.status_code == 303 and retry.location == stored.url
    keys = {sent.idempotency_key for sent in fake_stripe.requests_to(*SESSIONS)}
    assert keys == {f"checkout:order-{order.id}:attempt-1"}


def test_the_success_page_waits_for_stripe_and_never_marks_paid(client, login_as):
    keripik = _cart(login_as)
    client.post("/checkout", data=_form(keripik.product.member_id))
    order = db.session.scalars(select(Order)).one()

    response = client.get(f"/pesanan/{order.code}/kartu-selesai")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pembayaran sedang dikonfirmasi" in page and 'http-equiv="refresh"' in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING_PAYMENT


def test_another_shoppers_card_pages_are_not_found(client, login_as):
    order = card_order()
    login_as(shopper())
    assert client.get(f"/pesanan/{order.code}/kartu-selesai").status_code == 404
    assert client.post(f"/pesanan/{order.code}/bayar-kartu").status_code == 404
