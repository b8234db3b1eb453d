"""Commission at checkout and on the sale posting (orders.checkout and
orders.settlement): exact to the rupiah on each line, split into the funds
without losing one, by the member's rate else the category's else the
default, to the member's own chapter, and never changed by later edits of
the rates or the shares."""

from fractions import Fraction
from math import floor

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.orders import fulfilment
from marketplace.orders.models import OrderLine
from marketplace.orders.settlement import available_account, pending_account
from marketplace.payments import bank_transfer
from tests import factories
from tests.orders.flows import (
    books_balance,
    entries,
    member,
    paid_order,
    treasurer,
    two_part_order,
    walk_to_dispatched,
)
from tests.orders.helpers import cart_with, checkout, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")

# The keripik member of two_part_order: 45_000 at the default 5 %.
KERIPIK_COMMISSION = 2_250


def half_up(amount: int, bps: int) -> int:
    """bps basis points of amount, rounded half up: worked out in fractions,
    apart from core.money."""
    return floor(Fraction(amount * bps, 10_000) + Fraction(1, 2))


@pytest.mark.parametrize(
    ("price", "quantity", "bps"),
    [
        (333, 3, 333),
        (12_345, 7, 250),
        (1, 1, 5_000),
        (99_999, 2, 1),
        (10, 3, 10_000),
        (4_999, 1, 0),
        (7, 11, 4_545),
    ],
)
def test_commission_and_member_share_add_up_to_each_line_exactly(app, price, quantity, bps):
    first = member(commission_bps=bps)
    second = member(kecamatan="wangon")  # the default rate, another chapter
    priced = variant(price=price, stock=50, member=first)
    plain = variant(price=price + 1, stock=50, member=second)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (priced, quantity), (plain, quantity)))
    db.session.commit()
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    db.session.commit()

    sale = entries(f"order:{order.id}:sale")
    for part in order.parts:  # one line each: the part's postings are the line's
        (line,) = part.lines
        rate = bps if part.member_id == first.id else 500
        assert line.commission_rate_bps == rate
        assert line.commission == half_up(line.line_total, rate)
        assert 0 <= line.commission <= line.line_total
        member_share = -sale.get(pending_account(part.member_id), 0) - part.delivery_fee
        assert line.commission + member_share == line.line_total
    commission = -sum(v for code, v in sale.items() if code.startswith("income:commission:"))
    assert commission == sum(line.commission for line in db.session.scalars(select(OrderLine)))
    assert sale["cash:bank"] == order.total
    assert -sale.get("income:transfer-code", 0) == order.unique_code
    assert books_balance()


@pytest.mark.parametrize(
    "shares",
    [
        {"empowerment": 50, "central": 30, "kecamatan": 20},
        {"empowerment": 1, "central": 1, "kecamatan": 1},
        {"empowerment": 33, "central": 33, "kecamatan": 34},
        {"empowerment": 70, "central": 0, "kecamatan": 30},
    ],
)
@pytest.mark.parametrize("commission", [1, 2, 999, 1_001, 12_347])
def test_the_fund_split_adds_up_to_the_commission_exactly(make_app, shares, commission):
    app = make_app(COMMISSION_SHARES=shares, COMMISSION_DEFAULT_BPS=10_000)
    with app.app_context():
        seller = member(kecamatan="kembaran")
        # at 100 % the commission is the price
        sold = variant(price=commission, stock=3, member=seller)
        buyer = shopper()
        order = checkout(buyer, cart_with(buyer, (sold, 1)))
        db.session.commit()
        bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
        db.session.commit()

        sale = entries(f"order:{order.id}:sale")
        funds = {
            "empowerment": -sale.get("income:commission:empowerment", 0),
            "central": -sale.get("income:commission:central", 0),
            "kecamatan": -sale.get("income:commission:kecamatan:kembaran", 0),
        }
        assert sum(funds.values()) == commission == order.parts[0].commission_total
        total_share = sum(shares.values())
        for fund, amount in funds.items():  # each within a rupiah of its exact share
            assert abs(Fraction(amount) - Fraction(commission * shares[fund], total_share)) < 1
        assert books_balance()


def test_the_kecamatan_fund_is_the_members_chapter(app):
    order = paid_order(
        first=member(kecamatan="wangon"), second=member(kecamatan="purwokerto-barat")
    )
    _keripik, gula = order.parts
    assert balances("income:commission:kecamatan") == {
        "income:commission:kecamatan:wangon": 450,
        "income:commission:kecamatan:purwokerto-barat": 225,
    }
    # the shopper's own kecamatan (Sokaraja) earns nothing from it
    assert balance("income:commission:kecamatan:sokaraja") == 0
    fulfilment.cancel_part(part=gula, member=gula.member, reason="Habis")
    db.session.commit()
    assert balances("income:commission:kecamatan") == {
        "income:commission:kecamatan:wangon": 450,
        "income:commission:kecamatan:purwokerto-barat": 0,
    }


def test_commission_rate_is_the_members_else_the_categorys_else_the_default(app):
    kerajinan = factories.category("kerajinan")
    kerajinan.commission_bps = 300
    own_rate = member(commission_bps=1_000)
    plain = member()
    rated_craft = variant(price=10_000, stock=5, member=own_rate)
    rated_craft.product.category = kerajinan
    craft = variant(price=10_000, stock=5, member=plain)
    craft.product.category = kerajinan
    food = variant(price=10_000, stock=5, member=plain)  # makanan-minuman: no rate of its own
    buyer = shopper()
    checkout(buyer, cart_with(buyer, (rated_craft, 1), (craft, 1), (food, 1)))
    db.session.commit()

    rates = {
        line.variant_id: (line.commission_rate_bps, line.commission)
        for line in db.session.scalars(select(OrderLine))
    }
    assert rates == {
        rated_craft.id: (1_000, 1_000),  # the member's own rate wins over the category's
        craft.id: (300, 300),  # the category's rate
        food.id: (500, 500),  # the default (COMMISSION_DEFAULT_BPS)
    }


def test_rates_and_shares_changed_after_checkout_change_nothing(app):
    order = two_part_order()
    keripik, gula = order.parts
    # The admin raises every rate, and the shares change, before the shopper pays.
    keripik.member.commission_bps = 2_000
    factories.category("makanan-minuman").commission_bps = 1_500
    current_app.config["COMMISSION_DEFAULT_BPS"] = 900
    current_app.config["COMMISSION_SHARES"] = {"empowerment": 10, "central": 10, "kecamatan": 80}
    db.session.commit()

    bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    walk_to_dispatched(keripik)
    fulfilment.complete(part=keripik, member=keripik.member)
    fulfilment.cancel_part(part=gula, member=gula.member, reason="Habis")
    db.session.commit()

    assert keripik.commission_total == KERIPIK_COMMISSION
    assert balances("income:commission") == {
        "income:commission:empowerment": 1_125,
        "income:commission:central": 675,
        "income:commission:kecamatan:sokaraja": 450,
    }
    assert balance(available_account(keripik.member_id)) == 45_000 - KERIPIK_COMMISSION
    assert gula.refund_amount == 30_500
    assert books_balance()
