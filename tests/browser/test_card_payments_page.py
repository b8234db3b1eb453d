"""The treasurer's "Pembayaran kartu" on a phone (CSRF on): card orders with
their long Stripe ids wrapped inside the screen, a mismatch and a stuck
order under "Perlu ditinjau", a payout to the bank; "Periksa ke Stripe"
settles the stuck order. Screenshots are kept."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.orders.status import OrderStatus
from tests import factories
from tests.browser.test_order_journey import fits, log_in, to_top
from tests.payments.card_orders import card_order, deliver, fresh, ledger_balanced
from tests.payments.conftest import fake_stripe, fake_stripe_server

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]
__all__ = ["fake_stripe", "fake_stripe_server"]


@pytest.fixture
def app(make_app, fake_stripe):
    return make_app(WTF_CSRF_ENABLED=True, **fake_stripe.config())


def test_the_treasurer_reads_the_card_payments_and_settles_a_stuck_one(
    app, live_server, phone: Page, screenshot, fake_stripe
):
    factories.UserFactory(email="wulan@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER])
    client = app.test_client()
    paid, paid_checkout = card_order()
    fake_stripe.complete_session(paid_checkout.session_id, fee_rupiah=2_600)
    deliver(
        client, fake_stripe.session_event("checkout.session.completed", paid_checkout.session_id)
    )
    odd, odd_checkout = card_order()
    fake_stripe.complete_session(odd_checkout.session_id)
    event = json.loads(
        fake_stripe.session_event("checkout.session.completed", odd_checkout.session_id)
    )
    event["data"]["object"]["amount_total"] += 100
    deliver(client, json.dumps(event).encode())
    stuck, stuck_checkout = card_order()
    stuck_checkout.expires_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    fake_stripe.complete_session(stuck_checkout.session_id, fee_rupiah=2_400)  # no webhook
    payout = fake_stripe.create_payout(75_500 - 2_600)  # the paid order, less Stripe's fee
    deliver(client, fake_stripe.payout_event(payout["id"]))

    log_in(phone, live_server, "wulan@contoh.id", "Wulan Bendahara")
    phone.goto(live_server + "/bendahara")
    phone.get_by_role("link", name="Pembayaran kartu").click()
    expect(phone.get_by_role("heading", name="Pembayaran kartu")).to_be_visible()
    expect(phone.locator(f"#kartu-{paid.code}")).to_contain_text(paid_checkout.session_id)
    fits(phone)
    to_top(phone)
    screenshot("cards-1-all")

    phone.get_by_role("link", name="Perlu ditinjau").click()
    expect(phone.locator(f"#kartu-{odd.code}")).to_contain_text("tidak cocok")
    expect(phone.locator(f"#kartu-{paid.code}")).to_have_count(0)
    fits(phone)
    to_top(phone)
    screenshot("cards-2-review")

    phone.locator(f"#kartu-{stuck.code}").get_by_role("button", name="Periksa ke Stripe").click()
    expect(phone.locator(".alert").first).to_contain_text(
        f"Pesanan {stuck.code} lunas menurut Stripe."
    )
    expect(phone.locator(f"#kartu-{stuck.code}")).to_have_count(0)
    fits(phone)
    to_top(phone)
    screenshot("cards-3-settled")
    assert fresh(stuck).status == OrderStatus.PAID
    assert ledger_balanced()
