"""The treasurer's refunds page on a phone with card refunds: one whose
Stripe call failed (no refund id yet: "Kembalikan lewat Stripe"), one that
failed at the card after it succeeded (its re_ id, "gagal", owed again)
and a bank transfer's (by hand, unchanged). The treasurer sends the first
through the fake Stripe from the page (CSRF checked, as in production)."""

from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import OrderPart
from marketplace.payments import stripe_checkout
from marketplace.payments.errors import PaymentProviderError
from marketplace.payments.models import StripeCheckout, StripeRefund
from tests import factories
from tests.browser.test_order_journey import fits, log_in, to_top
from tests.orders.flows import books_balance, paid_order, two_part_order
from tests.payments.conftest import fake_stripe, fake_stripe_server  # noqa: F401 - fixtures
from tests.payments.fake_stripe import FakeStripe, webhook_headers


def _card_refunds(app, fake: FakeStripe) -> tuple[OrderPart, OrderPart]:
    """Two cancelled card parts: the first's refund not sent (Stripe failed),
    the second's failed at the card after it succeeded."""
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.commit()
    session = db.session.scalars(select(StripeCheckout)).one().session_id
    fake.complete_session(session, fee_rupiah=2_600)
    client = app.test_client()

    def deliver(body: bytes) -> None:
        assert (
            client.post("/webhooks/stripe", data=body, headers=webhook_headers(body)).status_code
            == 200
        )

    deliver(fake.session_event("checkout.session.completed", session))
    db.session.expire_all()
    first, second = db.session.get(type(order), order.id).parts
    for part in (first, second):
        fulfilment.cancel_part(part=part, member=part.member, reason="Stok bahan baku habis.")
        db.session.commit()
    fake.fail_next(500)
    try:
        stripe_checkout.refund(part=first, by=first.member.user)
    except PaymentProviderError:
        pass
    stripe_checkout.refund(part=second, by=second.member.user)
    refund_id = db.session.scalars(
        select(StripeRefund.refund_id).where(StripeRefund.part_id == second.id)
    ).one()
    fake.set_refund_status(refund_id, "failed")
    deliver(fake.refund_event(refund_id, "refund.failed"))
    return first, second


def test_the_treasurer_sends_a_card_refund_through_stripe_on_a_phone(
    app,
    app_context,
    live_server,
    phone: Page,
    screenshot,
    fake_stripe,  # noqa: F811
):
    app.config.update(fake_stripe.config(STRIPE_MAX_NETWORK_RETRIES=0))
    first, second = _card_refunds(app, fake_stripe)
    transfer = paid_order()
    fulfilment.cancel_part(
        part=transfer.parts[0], member=transfer.parts[0].member, reason="Tutup sementara."
    )
    factories.UserFactory(email="wulan@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER])
    db.session.commit()

    log_in(phone, live_server, "wulan@contoh.id", "Wulan Bendahara")
    phone.goto(live_server + "/bendahara/pengembalian")
    fits(phone)
    cards = phone.locator("li.card")
    expect(cards).to_have_count(3)
    failed_id = db.session.scalars(
        select(StripeRefund.refund_id).where(StripeRefund.part_id == second.id)
    ).one()
    expect(phone.get_by_text(failed_id)).to_be_visible()
    expect(phone.get_by_role("button", name="Kembalikan lewat Stripe")).to_have_count(2)
    expect(phone.get_by_role("button", name="Sudah ditransfer kembali")).to_have_count(1)
    to_top(phone)
    screenshot("card-refund-1-owed")

    phone.get_by_role("button", name="Kembalikan lewat Stripe").first.click()
    expect(phone.locator(".alert-success")).to_contain_text("ke kartu pembeli sudah dikembalikan")
    fits(phone)
    expect(phone.get_by_role("button", name="Kembalikan lewat Stripe")).to_have_count(1)
    to_top(phone)
    screenshot("card-refund-2-sent")
    db.session.expire_all()
    assert db.session.get(OrderPart, first.id).refund_paid_at is not None
    assert books_balance()
