"""`payout.paid` and `payout.failed`: Stripe paying its balance out to the
association's bank, in the books (cash:stripe -> cash:bank), once per
payout; a failure after the payment reversed; a payout in another currency
or mode recorded as a mismatch and moving nothing."""

import json

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerTransaction
from marketplace.payments.models import StripeEvent, StripePayout
from tests.payments.card_orders import deliver, events, ledger_balanced

pytestmark = pytest.mark.usefixtures("app_context")


def postings() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(LedgerTransaction.idempotency_key, LedgerTransaction.kind).order_by(
            LedgerTransaction.id
        )
    )
    return [(key, kind) for key, kind in rows]


def test_a_payout_paid_twice_moves_the_money_to_the_bank_once(client, fake_stripe):
    payout = fake_stripe.create_payout(1_250_000)
    body = fake_stripe.payout_event(payout["id"])

    assert deliver(client, body).status_code == 200
    assert deliver(client, body).status_code == 200  # the same event again
    other = fake_stripe.payout_event(payout["id"])  # another event about it
    assert deliver(client, other).status_code == 200

    assert balance("cash:bank") == 1_250_000
    assert balance("cash:stripe") == -1_250_000  # no sales in this test: only the payout
    assert postings() == [(f"stripe-payout:{payout['id']}:paid", "adjustment")]
    stored = db.session.scalars(select(StripePayout)).one()
    assert (stored.payout_id, stored.amount, stored.status) == (payout["id"], 1_250_000, "paid")
    assert int(stored.arrival_at.timestamp()) == payout["arrival_date"]
    assert events() == [("payout.paid", "applied"), ("payout.paid", "ignored")]
    assert ledger_balanced()


def test_a_payout_that_fails_after_it_was_paid_is_reversed(client, fake_stripe):
    payout = fake_stripe.create_payout(400_000)
    assert deliver(client, fake_stripe.payout_event(payout["id"])).status_code == 200
    payout["status"] = "failed"
    failed = fake_stripe.payout_event(payout["id"], type="payout.failed")

    assert deliver(client, failed).status_code == 200
    assert deliver(client, failed).status_code == 200

    assert balance("cash:bank") == 0 and balance("cash:stripe") == 0
    keys = [key for key, _ in postings()]
    assert keys == [f"stripe-payout:{payout['id']}:paid", f"stripe-payout:{payout['id']}:failed"]
    paid, reversal = db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id))
    assert reversal.reverses_id == paid.id
    assert db.session.scalars(select(StripePayout.status)).one() == "failed"
    assert events() == [("payout.paid", "applied"), ("payout.failed", "applied")]
    assert ledger_balanced()


def test_a_payout_that_failed_first_moves_nothing_even_when_paid_arrives_late(client, fake_stripe):
    payout = fake_stripe.create_payout(90_000, status="failed")
    paid = json.loads(fake_stripe.payout_event(payout["id"]))
    paid["data"]["object"]["status"] = "paid"
    assert (
        deliver(client, fake_stripe.payout_event(payout["id"], type="payout.failed")).status_code
        == 200
    )
    assert deliver(client, json.dumps(paid).encode()).status_code == 200

    assert postings() == []
    assert balance("cash:bank") == 0
    assert events() == [("payout.failed", "applied"), ("payout.paid", "ignored")]
    assert db.session.scalars(select(StripePayout.status)).one() == "failed"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"currency": "usd"}, "bukan rupiah"),
        ({"amount": 125_000_050}, "bukan rupiah bulat"),
        ({"livemode": True}, "mode live/test"),
    ],
)
def test_a_payout_that_does_not_fit_is_a_mismatch_and_moves_nothing(
    client, fake_stripe, change, words
):
    payout = fake_stripe.create_payout(1_250_000)
    payout.update(change)
    assert deliver(client, fake_stripe.payout_event(payout["id"])).status_code == 200

    assert postings() == [] and balance("cash:bank") == 0
    assert db.session.scalar(select(func.count(StripePayout.id))) == 0
    assert events() == [("payout.paid", "mismatch")]
    assert ledger_balanced()
    detail = db.session.scalars(select(StripeEvent.detail)).one()
    assert words in detail and payout["id"] in detail
