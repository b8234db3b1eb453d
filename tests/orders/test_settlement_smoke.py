"""The money path end to end, at the service level: transfer paid, shipped,
completed; a part cancelled after payment; cash taken by the member."""

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.ledger.models import LedgerEntry
from marketplace.orders import fulfilment
from marketplace.orders.models import OrderStatus, SellerOrderStatus
from tests import factories
from tests.orders.helpers import cart_with, checkout, deliver_to, shopper, stock_of, variant


def treasurer():
    return factories.UserFactory(roles=[Role.TREASURER])


def ledger_sum() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))))


def test_transfer_paid_shipped_completed(app):
    keripik = variant(price=15_000, stock=10)
    gula = variant(price=22_500, stock=5)
    deliver_to(gula.product.member, "sokaraja", fee=8_000)
    buyer = shopper()
    order = checkout(
        buyer,
        cart_with(buyer, (keripik, 3), (gula, 1)),
        choices={keripik.product.member_id: "pickup", gula.product.member_id: "delivery"},
    )
    db.session.commit()
    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    assert order.status == OrderStatus.PAID
    cash = balances("cash")
    assert cash == {"cash:bank": order.total}
    a, b = order.seller_orders
    assert balances(f"payable:member:{a.member_id}")[f"payable:member:{a.member_id}:pending"] == (
        45_000 - a.commission_total
    )
    for part in order.seller_orders:
        fulfilment.start_processing(part=part, member=part.member)
        fulfilment.dispatch(part=part, member=part.member)
        fulfilment.complete(part=part, member=part.member)
        db.session.commit()
    assert order.status == OrderStatus.COMPLETED
    assert balances(f"payable:member:{b.member_id}") == {
        f"payable:member:{b.member_id}:pending": 0,
        f"payable:member:{b.member_id}:available": 22_500 - b.commission_total + 8_000,
    }
    income = balances("income")
    assert sum(income.values()) == a.commission_total + b.commission_total + order.unique_code
    assert ledger_sum() == 0


def test_cancel_after_payment_refunds(app):
    keripik = variant(price=15_000, stock=10)
    gula = variant(price=22_500, stock=5)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 2), (gula, 1)))
    db.session.commit()
    fulfilment.confirm_transfer(order=order, amount=order.total, by=treasurer())
    db.session.commit()
    first, second = order.seller_orders
    fulfilment.cancel_part(part=first, member=first.member, reason="Stok habis")
    db.session.commit()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert first.refund_amount == 30_000
    assert stock_of(keripik.id) == 10
    fulfilment.cancel_part(part=second, member=second.member, reason="Tutup")
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED
    assert second.refund_amount == 22_500 + order.unique_code
    assert balances("payable:shopper-refunds") == {"payable:shopper-refunds": order.total}
    assert all(amount == 0 for amount in balances("income").values())
    fulfilment.mark_refund_paid(part=first, by=treasurer())
    fulfilment.mark_refund_paid(part=second, by=treasurer())
    db.session.commit()
    assert balances("cash") == {"cash:bank": 0}
    assert ledger_sum() == 0


def test_cash_order(app):
    member = factories.MemberFactory(accepts_cash=True)
    keripik = variant(price=15_000, stock=10, member=member)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 2)), payment_method="cash")
    db.session.commit()
    part = order.seller_orders[0]
    assert part.status == SellerOrderStatus.NEW and order.unique_code == 0
    fulfilment.start_processing(part=part, member=member)
    fulfilment.dispatch(part=part, member=member)
    fulfilment.complete(part=part, member=member, cash_received=30_000)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED
    assert balances(f"payable:member:{member.id}") == {
        f"payable:member:{member.id}:available": -part.commission_total
    }
    assert ledger_sum() == 0
