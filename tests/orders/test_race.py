"""Order state changes racing each other, on PostgreSQL where row locks are
real: each side in its own thread, with its own app context (so its own
session and connection), released together by a barrier.

- the treasurer confirms a transfer as the expiry job cancels it: exactly
  one of them wins, and the ledger, receipts, stock and emails follow it;
- two expiry jobs over the same due orders: each order cancelled once;
- two members completing their parts of one order: the order completes;
- two payout releases at once: each part released once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, User
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.orders import fulfilment, payables
from marketplace.orders.cli import expire_unpaid
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.settlement import available_account, pending_account
from marketplace.orders.status import OrderError, OrderPartStatus, OrderStatus
from marketplace.payments import bank_transfer
from marketplace.payments import cash as cash_payment
from marketplace.payments.models import PaymentReceipt
from tests.orders.flows import (
    DEADLINE,
    MONDAY,
    books_balance,
    emails,
    is_posted,
    member,
    paid_order,
    treasurer,
    two_part_order,
    walk_to_dispatched,
)
from tests.orders.helpers import cart_with, checkout, shopper, stock_of, variant

pytestmark = pytest.mark.postgres

POOL = {"pool_size": 4, "max_overflow": 2, "pool_timeout": 60, "pool_pre_ping": True}
ROUNDS = 12
AFTER_DEADLINE = DEADLINE + timedelta(minutes=1)


def together(app, *jobs):
    """Run each `job(barrier)` in a thread of its own, in an app context of
    its own; a job loads what it needs, waits at the barrier, then acts.
    Returns what each job returned, in order."""
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job):
        with app.app_context():
            try:
                return job(barrier)
            finally:
                db.session.rollback()
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def due_orders(how_many: int, *lines) -> list[int]:
    """`how_many` unpaid transfers of `lines` ((variant, quantity) pairs),
    each from its own shopper, placed on MONDAY and due at DEADLINE."""
    ids = []
    for _ in range(how_many):
        buyer = shopper()
        ids.append(checkout(buyer, cart_with(buyer, *lines), now=MONDAY).id)
    db.session.commit()
    return ids


def test_confirm_racing_the_expiry_ends_paid_or_cancelled_never_both(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        keripik = variant(price=15_000, stock=100)
        order_ids = due_orders(ROUNDS, (keripik, 2))
        totals = dict(db.session.execute(select(Order.id, Order.total)).all())
        treasurer_id = treasurer().id
        db.session.commit()
        variant_id = keripik.id

    outcomes = {}
    for order_id in order_ids:

        def confirm(barrier, order_id=order_id):
            order = db.session.get(Order, order_id)
            by = db.session.get(User, treasurer_id)
            barrier.wait()
            try:
                bank_transfer.confirm(
                    order=order, amount=totals[order_id], by=by, now=AFTER_DEADLINE
                )
            except OrderError:
                db.session.rollback()
                return "refused"
            db.session.commit()
            return "paid"

        def expire(barrier, order_id=order_id):
            order = db.session.get(Order, order_id)
            barrier.wait()
            expired = fulfilment.expire_order(order=order, now=AFTER_DEADLINE)
            db.session.commit()
            return "expired" if expired else "no longer due"

        outcomes[order_id] = tuple(together(app, confirm, expire))

    with app.app_context():
        paid = 0
        for order_id, outcome in outcomes.items():
            order = db.session.get(Order, order_id)
            assert outcome in {("paid", "no longer due"), ("refused", "expired")}
            is_paid = outcome[0] == "paid"
            paid += is_paid
            assert order.status == (OrderStatus.PAID if is_paid else OrderStatus.CANCELLED)
            assert {part.status for part in order.parts} == {
                OrderPartStatus.NEW if is_paid else OrderPartStatus.CANCELLED
            }
            assert is_posted(f"order:{order_id}:sale") is is_paid  # a sale iff paid
            receipts = db.session.scalar(
                select(func.count()).where(PaymentReceipt.order_id == order_id)
            )
            assert receipts == int(is_paid)
            subjects = [subject for _, subject in emails()]
            assert subjects.count(f"Pembayaran {order.code} diterima") == int(is_paid)
            assert subjects.count(f"Pesanan {order.code} dibatalkan") == int(not is_paid)
        # stock released iff cancelled: only the paid orders still hold theirs
        assert stock_of(variant_id) == 100 - 2 * paid
        assert balance("cash:bank") == sum(
            totals[order_id] for order_id, outcome in outcomes.items() if outcome[0] == "paid"
        )
        assert books_balance()


@pytest.mark.parametrize("round_", range(3))
def test_two_expiry_jobs_at_once_cancel_each_order_once(make_app, round_):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        keripik = variant(price=15_000, stock=50)
        gula = variant(price=22_500, stock=50)  # another member: two parts an order
        order_ids = due_orders(20, (keripik, 1), (gula, 2))
        ids = (keripik.id, gula.id)

    def job(barrier):
        barrier.wait()
        return expire_unpaid(now=AFTER_DEADLINE)

    cancelled = together(app, job, job)

    with app.app_context():
        assert sum(cancelled) == 20
        orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids))).all()
        assert {order.status for order in orders} == {OrderStatus.CANCELLED}
        assert (stock_of(ids[0]), stock_of(ids[1])) == (50, 50)  # released once, not twice
        subjects = db.session.scalars(select(OutboxEmail.subject)).all()
        for order in orders:
            assert subjects.count(f"Pesanan {order.code} dibatalkan") == 1
        assert len(subjects) == 20 + 20  # placed, then cancelled: one each


@pytest.mark.parametrize("payment_method", ["bank_transfer", "cash"])
def test_two_members_completing_at_once_complete_the_order(make_app, payment_method):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    cash = payment_method == "cash"
    with app.app_context():
        parts = []
        for _ in range(ROUNDS):
            order = paid_order() if not cash else two_part_order(payment_method="cash")
            for part in order.parts:
                walk_to_dispatched(part)
            parts.append([(part.id, part.total) for part in order.parts])
        order_ids = [order_id for (order_id,) in db.session.execute(select(Order.id))]

    def completing(part_id, total):
        def job(barrier):
            part = db.session.get(OrderPart, part_id)
            seller = part.member
            assert len(part.order.parts) == 2  # seen before the other completes
            barrier.wait()
            if cash:
                cash_payment.confirm(
                    order=part.order, part=part, amount=total, by=seller.user, now=MONDAY
                )
            else:
                fulfilment.complete(part=part, member=seller, now=MONDAY)
            db.session.commit()
            return part_id

        return job

    for first, second in parts:
        together(app, completing(*first), completing(*second))

    with app.app_context():
        for order_id in order_ids:
            order = db.session.get(Order, order_id)
            assert order.status == OrderStatus.COMPLETED
            assert order.completed_at is not None and order.paid_at is not None
            for part in order.parts:
                assert part.status == OrderPartStatus.COMPLETED
                if cash:
                    assert is_posted(f"seller-order:{part.id}:cash-sale")
                    assert balance(available_account(part.member_id)) == -part.commission_total
                else:
                    assert is_posted(f"seller-order:{part.id}:release")
                    assert balance(pending_account(part.member_id)) == 0
                    assert balance(available_account(part.member_id)) == part.member_share
        assert books_balance()


def test_two_payout_releases_at_once_release_each_part_once(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        seller = member()
        part_ids = []
        for _ in range(10):
            keripik = variant(price=15_000, stock=5, member=seller)
            buyer = shopper()
            order = checkout(buyer, cart_with(buyer, (keripik, 1)), now=MONDAY)
            bank_transfer.confirm(order=order, amount=order.total, by=treasurer())
            part = order.parts[0]
            walk_to_dispatched(part)
            fulfilment.complete(part=part, member=seller, hold_days=2, now=MONDAY)
            db.session.commit()
            part_ids.append(part.id)
        share = part.member_share
        seller_id = seller.id

    def job(barrier):
        barrier.wait()
        released = payables.release_due(hold_days=2, now=MONDAY + timedelta(days=2))
        db.session.commit()
        return released

    released = together(app, job, job)

    with app.app_context():
        assert sum(released) == 10
        assert balance(pending_account(seller_id)) == 0
        assert balance(available_account(seller_id)) == 10 * share
        assert all(is_posted(f"seller-order:{part_id}:release") for part_id in part_ids)
        assert books_balance()
