"""A member's share released for payout (orders.payables): after the
payout hold, once, and only for completed bank-transfer parts."""

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.orders import fulfilment, payables
from marketplace.orders.settlement import available_account, pending_account
from marketplace.payments import cash as cash_payment
from tests.orders.flows import (
    MONDAY,
    books_balance,
    is_posted,
    paid_order,
    two_part_order,
    walk_to_dispatched,
)

pytestmark = pytest.mark.usefixtures("app_context")

# The keripik member of two_part_order: 45_000 at the default 5 %.
KERIPIK_COMMISSION = 2_250


def test_release_waits_for_the_payout_hold(app):
    order = paid_order()
    part = order.parts[0]
    walk_to_dispatched(part)
    fulfilment.complete(part=part, member=part.member, hold_days=3, now=MONDAY)
    db.session.commit()
    share = 45_000 - KERIPIK_COMMISSION
    assert part.payable_released_at is None
    assert balance(pending_account(part.member_id)) == share

    assert payables.release_due(hold_days=3, now=MONDAY + timedelta(days=2, hours=23)) == 0
    assert not is_posted(f"seller-order:{part.id}:release")
    assert payables.release_due(hold_days=3, now=MONDAY + timedelta(days=3)) == 1
    db.session.commit()
    assert balances(f"payable:member:{part.member_id}") == {
        pending_account(part.member_id): 0,
        available_account(part.member_id): share,
    }
    assert payables.release_due(hold_days=3, now=MONDAY + timedelta(days=9)) == 0
    assert payables.release_payable(part=part) is False
    assert books_balance()


def test_release_due_leaves_cash_and_unfinished_parts_alone(app):
    cash = two_part_order(payment_method="cash")
    walk_to_dispatched(cash.parts[0])
    cash_payment.confirm(
        order=cash, part=cash.parts[0], amount=45_000, by=cash.parts[0].member.user
    )
    paid = paid_order()
    walk_to_dispatched(paid.parts[1])  # shipped, not completed
    db.session.commit()

    assert payables.release_due(hold_days=0, now=MONDAY + timedelta(days=30)) == 0
    assert cash.parts[0].payable_released_at is None
