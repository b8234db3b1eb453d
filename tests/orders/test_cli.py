"""`flask orders expire-unpaid` and `flask orders release-payables`, run as
cron runs them: what they print, what they change, and that a second run
changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.accounts.mail import deliver_outbox
from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.orders import fulfilment
from marketplace.orders.settlement import available_account, pending_account
from marketplace.orders.status import OrderPartStatus, OrderStatus
from marketplace.payments import bank_transfer
from marketplace.payments import cash as cash_payment
from tests.orders.flows import books_balance, count, member, treasurer, walk_to_dispatched
from tests.orders.helpers import cart_with, checkout, shopper, stock_of, variant

pytestmark = pytest.mark.usefixtures("app_context")


def placed(keripik, *, hours_ago: float, **changes):
    buyer = shopper()
    return checkout(
        buyer,
        cart_with(buyer, (keripik, 2)),
        now=datetime.now(UTC) - timedelta(hours=hours_ago),
        **changes,
    )


def test_expire_unpaid_cancels_the_due_transfers_and_tells_their_shoppers(app):
    seller = member(accepts_cash=True)
    keripik = variant(price=15_000, stock=20, member=seller)
    due = [placed(keripik, hours_ago=25), placed(keripik, hours_ago=24 * 3)]
    fresh = placed(keripik, hours_ago=23)
    cash = placed(keripik, hours_ago=24 * 3, payment_method="cash")
    paid = placed(keripik, hours_ago=24 * 3)
    bank_transfer.confirm(order=paid, amount=paid.total, by=treasurer())
    db.session.commit()
    deliver_outbox()  # the emails of placing and paying are sent already
    assert stock_of(keripik.id) == 10

    result = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 pesanan dibatalkan karena lewat batas pembayaran.\n")
    assert result.output.count("--- email ---") == 2  # sent as the command ends, after the commits
    for order in due:
        assert f"To: {order.buyer.email}\nSubject: Pesanan {order.code} dibatalkan" in (
            result.output
        )
        assert order.status == OrderStatus.CANCELLED
        assert order.cancel_reason == "Batas waktu pembayaran lewat."
        assert {part.status for part in order.parts} == {OrderPartStatus.CANCELLED}
    assert (fresh.status, cash.status, paid.status) == (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
    )
    assert stock_of(keripik.id) == 14
    assert count(OutboxEmail) == db.session.scalar(
        db.select(db.func.count()).where(OutboxEmail.sent_at.is_not(None))
    )

    again = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])

    assert again.exit_code == 0
    assert again.output == "0 pesanan dibatalkan karena lewat batas pembayaran.\n"
    assert stock_of(keripik.id) == 14


def test_expire_unpaid_with_nothing_due_says_so(app):
    placed(variant(stock=5), hours_ago=1)
    db.session.commit()
    deliver_outbox()
    result = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])
    assert (result.exit_code, result.output) == (
        0,
        "0 pesanan dibatalkan karena lewat batas pembayaran.\n",
    )


def _completed(seller, *, days_ago: float, hold_days: int):
    keripik = variant(price=15_000, stock=5, member=seller)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 1)))
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    part = order.parts[0]
    walk_to_dispatched(part)
    fulfilment.complete(
        part=part,
        member=seller,
        hold_days=hold_days,
        now=datetime.now(UTC) - timedelta(days=days_ago),
    )
    db.session.commit()
    return part


@pytest.mark.parametrize(("hold_days", "released"), [(2, 1), (0, 2)])
def test_release_payables_moves_the_shares_past_the_hold(make_app, hold_days, released):
    app = make_app(PAYOUT_HOLD_DAYS=hold_days)
    with app.app_context():
        old_hand, newcomer = member(), member()
        held_long = _completed(old_hand, days_ago=3, hold_days=2)
        held_short = _completed(newcomer, days_ago=1, hold_days=2)
        share = held_long.member_share
        assert balance(pending_account(old_hand.id)) == share

        result = app.test_cli_runner().invoke(args=["orders", "release-payables"])

        assert result.exit_code == 0, result.output
        assert result.output == f"{released} bagian pesanan siap dibayarkan ke anggota.\n"
        assert balance(available_account(old_hand.id)) == share
        assert balance(pending_account(old_hand.id)) == 0
        short_released = hold_days == 0
        assert (held_short.payable_released_at is not None) is short_released
        assert balance(available_account(newcomer.id)) == (share if short_released else 0)
        assert balance(pending_account(newcomer.id)) == (0 if short_released else share)

        again = app.test_cli_runner().invoke(args=["orders", "release-payables"])

        assert again.output == "0 bagian pesanan siap dibayarkan ke anggota.\n"
        assert balance(available_account(old_hand.id)) == share
        assert books_balance()


def test_release_payables_leaves_cash_parts_alone(app):
    seller = member(accepts_cash=True)
    keripik = variant(price=15_000, stock=5, member=seller)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 1)), payment_method="cash")
    part = order.parts[0]
    walk_to_dispatched(part)
    cash_payment.confirm(order=part.order, part=part, amount=15_000, by=seller.user)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["orders", "release-payables"])

    assert result.output == "0 bagian pesanan siap dibayarkan ke anggota.\n"
    assert balance(available_account(seller.id)) == -part.commission_total
    assert part.payable_released_at is None
