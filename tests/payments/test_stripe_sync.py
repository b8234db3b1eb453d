"""Settling a stuck card order by asking Stripe (`stripe_sync`, the
treasurer's "Periksa ke Stripe" and `flask payments sync-stripe`): the
webhook's own decision on the session as Stripe tells it now, recorded like
an event, once; a failing Stripe changes nothing; the fee follows a payment
the sync found, with a retry when Stripe cannot tell it yet."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerTransaction
from marketplace.orders.status import OrderStatus
from marketplace.payments import stripe_sync
from marketplace.payments.models import PaymentReceipt, StripeCheckout, StripeEvent
from tests.orders.flows import two_part_order
from tests.payments.card_orders import (
    card_order,
    deliver,
    events,
    fresh,
    ledger_balanced,
    reserved,
    stocks,
)

pytestmark = pytest.mark.usefixtures("app_context")


def kinds() -> list[str]:
    return list(db.session.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def test_a_sync_pays_an_order_whose_webhook_never_came_once(client, fake_stripe):
    order, stored = card_order()
    before = stocks(order)
    fake_stripe.complete_session(stored.session_id, fee_rupiah=2_600)  # no webhook

    first = stripe_sync.sync_committed(order)
    again = stripe_sync.sync_committed(fresh(order))
    late = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    assert deliver(client, late).status_code == 200  # the webhook, at last

    assert first.level == "success"
    assert f"Pesanan {order.code} lunas menurut Stripe." in first.message
    assert "Biaya Stripe Rp2.600 dicatat" in first.message
    assert again.level == "info" and "Sudah lunas." in again.message
    order = fresh(order)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert count(PaymentReceipt) == 1
    assert kinds() == ["sale", "fee"]
    assert balance("cash:stripe") == order.total - 2_600
    assert balance("expense:payment-fees") == 2_600
    assert ledger_balanced()
    assert stocks(order) == before
    assert events() == [
        ("sync", "applied"),
        ("sync", "ignored"),
        ("checkout.session.completed", "ignored"),
    ]
    ids = db.session.scalars(select(StripeEvent.event_id).where(StripeEvent.type == "sync"))
    assert sorted(ids) == [f"sync:{stored.session_id}:1", f"sync:{stored.session_id}:2"]
    checkout = db.session.get_one(StripeCheckout, stored.id)
    assert checkout.status == "complete" and checkout.payment_intent_id is not None
    path = f"/v1/checkout/sessions/{stored.session_id}"
    assert len(fake_stripe.requests_to("GET", path)) == 2
    assert (
        len(fake_stripe.requests_to("GET", f"/v1/payment_intents/{checkout.payment_intent_id}"))
        == 1
    )


def test_a_sync_of_an_expired_session_cancels_and_gives_the_stock_back_once(client, fake_stripe):
    order, stored = card_order()
    before = stocks(order)
    fake_stripe.expire_session(stored.session_id)

    first = stripe_sync.sync_committed(order)
    again = stripe_sync.sync_committed(fresh(order))
    late = fake_stripe.session_event("checkout.session.expired", stored.session_id)
    assert deliver(client, late).status_code == 200

    assert first.level == "success" and "dibatalkan" in first.message
    assert again.level == "info"
    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED
    assert stocks(order) == [b + q for b, q in zip(before, reserved(order), strict=True)]
    assert db.session.get_one(StripeCheckout, stored.id).status == "expired"
    assert events() == [
        ("sync", "applied"),
        ("sync", "ignored"),
        ("checkout.session.expired", "ignored"),
    ]
    assert count(LedgerTransaction) == 0 and ledger_balanced()


def test_a_sync_that_finds_another_amount_records_it_and_does_not_pay(fake_stripe):
    order, stored = card_order()
    before = stocks(order)
    fake_stripe.complete_session(stored.session_id)
    fake_stripe.objects[stored.session_id]["amount_total"] += 100  # Rp1 more at Stripe

    report = stripe_sync.sync_committed(order)

    assert report.level == "warning" and report.ok
    assert "tidak cocok" in report.message and "jumlah" in report.message
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert count(PaymentReceipt) == 0 and count(LedgerTransaction) == 0
    assert events() == [("sync", "mismatch")]
    assert db.session.scalars(select(StripeEvent.order_id)).one() == order.id
    assert stocks(order) == before and ledger_balanced()


def test_stripe_failing_during_a_sync_changes_nothing_and_a_later_sync_works(app, fake_stripe):
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id)
    fake_stripe.fail_next(500)

    report = stripe_sync.sync_committed(order)

    assert report.level == "danger" and not report.ok
    assert report.message == (
        "Stripe tidak bisa dihubungi saat membaca status pembayaran kartu. "
        "Silakan coba lagi sebentar lagi. Tidak ada yang diubah."
    )
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert events() == [] and count(LedgerTransaction) == 0

    assert stripe_sync.sync_committed(fresh(order)).level == "success"
    assert fresh(order).status == OrderStatus.PAID
    assert ledger_balanced()


def test_a_sync_of_an_open_session_waits(fake_stripe):
    order, _ = card_order()
    report = stripe_sync.sync_committed(order)
    assert report.level == "info"
    assert "masih terbuka" in report.message and "Tidak ada yang diubah." in report.message
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert events() == [("sync", "ignored")]


def test_the_fee_stripe_cannot_tell_yet_is_posted_by_the_retry(fake_stripe):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id, fee_rupiah=3_100)
    intent = fake_stripe.objects[fake_stripe.objects[stored.session_id]["payment_intent"]]
    charge = fake_stripe.objects[intent["latest_charge"]]
    settled, charge["balance_transaction"] = charge["balance_transaction"], None

    paid = stripe_sync.sync_committed(order)

    assert paid.level == "warning" and "Biaya Stripe belum tercatat" in paid.message
    assert fresh(order).status == OrderStatus.PAID  # the payment stands
    assert kinds() == ["sale"] and stripe_sync.posted_fee(fresh(order)) is None

    charge["balance_transaction"] = settled
    retried = stripe_sync.retry_fee_committed(fresh(order))
    assert retried.level == "success" and "Rp3.100" in retried.message
    assert stripe_sync.posted_fee(fresh(order)) == 3_100
    again = stripe_sync.retry_fee_committed(fresh(order))
    assert again.level == "info" and "sudah tercatat: Rp3.100" in again.message
    assert kinds() == ["sale", "fee"]
    assert balance("cash:stripe") == order.total - 3_100 and ledger_balanced()


def test_no_fee_retry_for_an_unpaid_or_transfer_order(fake_stripe):
    order, _ = card_order()
    assert stripe_sync.retry_fee_committed(order).level == "danger"
    transfer = two_part_order()
    report = stripe_sync.retry_fee_committed(transfer)
    assert report.message == f"Pesanan {transfer.code} tidak dibayar dengan kartu (Stripe)."
    assert len(fake_stripe.requests) == 1  # the session's creation only
    assert count(LedgerTransaction) == 0


def test_the_command_syncs_and_says_what_it_did(app, fake_stripe):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id, fee_rupiah=2_000)

    result = app.test_cli_runner().invoke(args=["payments", "sync-stripe", order.code.lower()])

    assert result.exit_code == 0, result.output
    assert f"Pesanan {order.code} lunas menurut Stripe." in result.output
    assert "Biaya Stripe Rp2.000 dicatat" in result.output
    assert fresh(order).status == OrderStatus.PAID
    assert events() == [("sync", "applied")] and ledger_balanced()


def test_the_command_refuses_an_unknown_or_transfer_order(app, fake_stripe):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["payments", "sync-stripe", "PA-000000-0000"])
    assert unknown.exit_code == 1
    assert "Pesanan PA-000000-0000 tidak ditemukan." in unknown.output

    transfer = two_part_order()
    refused = runner.invoke(args=["payments", "sync-stripe", transfer.code])
    assert refused.exit_code == 1
    assert (
        "tidak dibayar dengan kartu" in refused.output
        and "Tidak ada yang diubah." in refused.output
    )
    assert events() == [] and fake_stripe.requests == []
