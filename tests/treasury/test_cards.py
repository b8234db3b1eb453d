"""The treasurer's "Pembayaran kartu" (/bendahara/kartu): every card order
with its Stripe ids, fee and events; the "Perlu ditinjau" filter; Stripe's
payouts; "Periksa ke Stripe" and "Coba lagi biaya Stripe"; a fixed number
of queries per page; the treasurer's alone."""

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerTransaction
from marketplace.orders.status import OrderStatus
from marketplace.payments import stripe_sync
from marketplace.payments.models import StripeCheckout, StripeEvent
from tests import factories
from tests.payments.card_orders import card_order, deliver, fresh, ledger_balanced
from tests.sql import recorded_statements

PAGE = "/bendahara/kartu"


@pytest.fixture
def stripe_app(app, fake_stripe):
    app.config.update(fake_stripe.config())
    return app


@pytest.fixture
def treasurer(login_as, stripe_app):
    return login_as(Role.TREASURER)


def paid_by_webhook(client, fake_stripe, fee: int = 2_600):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id, fee_rupiah=fee)
    body = fake_stripe.session_event("checkout.session.completed", stored.session_id)
    assert deliver(client, body).status_code == 200
    return fresh(order), db.session.get_one(StripeCheckout, stored.id)


def mismatched(client, fake_stripe):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id)
    event = json.loads(fake_stripe.session_event("checkout.session.completed", stored.session_id))
    event["data"]["object"]["amount_total"] += 100
    assert deliver(client, json.dumps(event).encode()).status_code == 200
    return order, stored


def paid_without_fee(fake_stripe):
    """Paid (a sync found it), the fee not posted yet."""
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id, fee_rupiah=1_900)
    stripe_sync.sync(order=order)
    db.session.commit()
    return order, stored


def stuck_open(fake_stripe):
    """Its session is past its expiry here and no word came from Stripe."""
    order, stored = card_order()
    stored.expires_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    return order, stored


def test_the_page_shows_each_card_order_with_its_stripe_ids(client, treasurer, fake_stripe):
    paid, paid_checkout = paid_by_webhook(client, fake_stripe)
    odd, odd_checkout = mismatched(client, fake_stripe)
    waiting, waiting_checkout = card_order()

    page = client.get(PAGE)

    assert page.status_code == 200
    text = page.text
    for order in (paid, odd, waiting):
        assert order.code in text
    for stored in (paid_checkout, odd_checkout, waiting_checkout):
        assert stored.session_id in text
    assert paid_checkout.payment_intent_id in text
    assert "Rp2.600 tercatat" in text
    assert "Sudah dibayar" in text and "Menunggu pembayaran" in text
    assert "Sesi selesai" in text and "Diterapkan" in text and "Tidak cocok" in text
    odd_detail = db.session.scalars(
        select(StripeEvent.detail).where(StripeEvent.order_id == odd.id)
    ).one()
    assert odd_detail in text and "jumlah" in odd_detail
    assert "Pembayaran di Stripe tidak cocok dengan pesanan." in text
    assert 'href="/bendahara/kartu?tinjau=1"' in text
    assert ledger_balanced()


def test_the_review_filter_shows_what_needs_a_look(client, treasurer, fake_stripe):
    fine, _ = paid_by_webhook(client, fake_stripe)
    odd, _ = mismatched(client, fake_stripe)
    no_fee, _ = paid_without_fee(fake_stripe)
    stuck, _ = stuck_open(fake_stripe)
    fresh_one, _ = card_order()

    text = client.get(f"{PAGE}?tinjau=1").text

    shown = {order.code for order in (fine, odd, no_fee, stuck, fresh_one) if order.code in text}
    assert shown == {odd.code, no_fee.code, stuck.code}
    assert "Biaya Stripe belum tercatat." in text
    assert "Sesi sudah lewat batas waktu" in text
    assert "Coba lagi biaya Stripe" in text and "Periksa ke Stripe" in text
    home = client.get("/bendahara").text
    assert re.search(r">3</p>\s*<p[^>]*>Pembayaran kartu perlu ditinjau<", home)

    # Settled by the sync, the stuck order leaves the list.
    fake_stripe.expire_session(
        db.session.scalars(
            select(StripeCheckout.session_id).where(StripeCheckout.order_id == stuck.id)
        ).one()
    )
    answer = client.post(f"/bendahara/kartu/{stuck.code}/periksa?tinjau=1")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/bendahara/kartu?tinjau=1")
    after = client.get(f"{PAGE}?tinjau=1").text
    assert f"Pesanan {stuck.code} dibatalkan" in after  # the flash
    assert f'id="kartu-{stuck.code}"' not in after
    assert fresh(stuck).status == OrderStatus.CANCELLED
    assert ledger_balanced()


def test_periksa_ke_stripe_settles_a_stuck_order_and_posts_the_fee(client, treasurer, fake_stripe):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id, fee_rupiah=2_200)

    answer = client.post(f"/bendahara/kartu/{order.code}/periksa", follow_redirects=True)

    assert answer.status_code == 200
    assert urlsplit(answer.request.url).path == PAGE
    assert f"Pesanan {order.code} lunas menurut Stripe." in answer.text
    assert "Biaya Stripe Rp2.200 dicatat" in answer.text
    assert fresh(order).status == OrderStatus.PAID
    assert balance("cash:stripe") == order.total - 2_200
    assert "Diperiksa ke Stripe" in answer.text  # the sync, among the events
    assert ledger_balanced()


def test_stripe_failing_on_the_button_says_so_and_changes_nothing(
    client, treasurer, fake_stripe, stripe_app
):
    stripe_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id)
    fake_stripe.fail_next(500)

    answer = client.post(f"/bendahara/kartu/{order.code}/periksa", follow_redirects=True)

    assert "Stripe tidak bisa dihubungi saat membaca status pembayaran kartu." in answer.text
    assert "Tidak ada yang diubah." in answer.text
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0


def test_coba_lagi_biaya_stripe_posts_the_missing_fee_once(client, treasurer, fake_stripe):
    order, _ = paid_without_fee(fake_stripe)
    url = f"/bendahara/kartu/{order.code}/biaya"

    first = client.post(url, follow_redirects=True)
    again = client.post(url, follow_redirects=True)

    assert "Biaya Stripe Rp1.900 dicatat" in first.text
    assert f"Biaya Stripe pesanan {order.code} sudah tercatat: Rp1.900." in again.text
    assert balance("expense:payment-fees") == 1_900
    assert ledger_balanced()


def test_the_buttons_know_only_card_orders(client, treasurer, fake_stripe):
    transfer = factories.UserFactory()  # anything not a card order's code
    for action in ("periksa", "biaya"):
        assert client.post(f"/bendahara/kartu/PA-TIDAKADA/{action}").status_code == 404
    assert transfer.id and fake_stripe.requests == []


def test_the_payouts_are_listed_with_their_mismatches(client, treasurer, fake_stripe):
    payout = fake_stripe.create_payout(1_250_000)
    assert deliver(client, fake_stripe.payout_event(payout["id"])).status_code == 200
    odd = fake_stripe.create_payout(70_000)
    odd["currency"] = "usd"
    assert deliver(client, fake_stripe.payout_event(odd["id"])).status_code == 200

    text = client.get(PAGE).text

    assert payout["id"] in text and "Rp1.250.000" in text and "Cair ke bank" in text
    assert "Tiba " in text
    assert re.search(r"Kas di rekening bank</dt><dd[^>]*>Rp1\.250\.000<", text)
    assert "Kabar Stripe yang tidak cocok" in text and odd["id"] in text
    assert balance("cash:bank") == 1_250_000 and ledger_balanced()


def test_a_page_costs_the_same_queries_however_many_orders(client, treasurer, fake_stripe):
    paid_by_webhook(client, fake_stripe)
    mismatched(client, fake_stripe)
    client.get(PAGE)  # warm up: the session's user, the templates

    def cost(url: str) -> int:
        db.session.expire_all()
        with recorded_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = cost(PAGE), cost(f"{PAGE}?tinjau=1")
    for _ in range(3):
        paid_by_webhook(client, fake_stripe)
        mismatched(client, fake_stripe)
    paid_without_fee(fake_stripe)
    assert (cost(PAGE), cost(f"{PAGE}?tinjau=1")) == few


@pytest.mark.parametrize("who", [None, Role.SHOPPER, Role.MEMBER, Role.ADMIN])
def test_only_the_treasurer_gets_in(client, login_as, stripe_app, fake_stripe, who):
    order, stored = card_order()
    fake_stripe.complete_session(stored.session_id)
    if who is not None:
        login_as(who)
    for method, url in (
        ("GET", PAGE),
        ("POST", f"/bendahara/kartu/{order.code}/periksa"),
        ("POST", f"/bendahara/kartu/{order.code}/biaya"),
    ):
        answer = client.open(url, method=method)
        if who is None:
            assert answer.status_code == 302
            assert urlsplit(answer.headers["Location"]).path == "/akun/masuk"
        else:
            assert answer.status_code == 403
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0
    assert len(fake_stripe.requests) == 1  # the session's creation only


def test_the_buttons_need_the_csrf_token(make_app, fake_stripe):
    app = make_app(WTF_CSRF_ENABLED=True, **fake_stripe.config())
    with app.app_context():
        order, stored = card_order()
        fake_stripe.complete_session(stored.session_id)
        client = app.test_client()
        factories.log_in(client, factories.UserFactory(roles=[Role.TREASURER]))
        answer = client.post(f"/bendahara/kartu/{order.code}/periksa")
        assert answer.status_code == 400
        assert "Formulir ini sudah kedaluwarsa" in answer.text
        assert fresh(order).status == OrderStatus.PENDING_PAYMENT
        assert len(fake_stripe.requests) == 1


def test_a_payout_and_its_failure_read_in_words_in_the_books(client, treasurer, fake_stripe):
    payout = fake_stripe.create_payout(300_000)
    assert deliver(client, fake_stripe.payout_event(payout["id"])).status_code == 200
    failed = fake_stripe.payout_event(payout["id"], type="payout.failed")
    assert deliver(client, failed).status_code == 200
    paid = db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id)).first()

    text = client.get(f"/bendahara/transaksi/{paid.id}").text

    assert "Pencairan Stripe #" in text and "stripe_payout" not in text
    assert f"Pencairan saldo Stripe {payout['id']} ke rekening bank" in text
    assert f"Pencairan saldo Stripe {payout['id']} gagal" in text
    assert "Gagal, dibalik" in client.get(PAGE).text
    assert balance("cash:bank") == 0 and ledger_balanced()
