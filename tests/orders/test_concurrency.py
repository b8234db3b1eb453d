"""No oversell and no deadlock under concurrent checkouts, on PostgreSQL
where row locks are real: buyers in threads, one session each, released
together by a barrier."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductVariant
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import (
    CheckoutRules,
    lock_cart,
    new_idempotency_key,
    place_order,
)
from marketplace.orders.models import Order, OrderLine
from marketplace.orders.services import OutOfStock
from marketplace.orders.status import OrderError
from tests.orders.helpers import contact, shopper, variant

BUYERS = 200
STOCK = 50
# Threads wait for a connection after the barrier: 200 at once is more than
# the server allows (max_connections 100), 40 keep the rows busy enough.
POOL = {"pool_size": 30, "max_overflow": 10, "pool_timeout": 120, "pool_pre_ping": True}

pytestmark = pytest.mark.postgres


def _hammer(app, buyer_ids, *, keys=None):
    barrier = threading.Barrier(len(buyer_ids))
    keys = keys or [new_idempotency_key() for _ in buyer_ids]

    def buy(buyer_id: int, key: str) -> str:
        with app.app_context():
            try:
                barrier.wait()
                buyer = db.session.get(User, buyer_id)
                members = {line.variant.product.member_id for line in carts.cart_of(buyer).lines}
                address = contact()
                place_order(
                    buyer=buyer,
                    cart=lock_cart(buyer=buyer, kecamatan=address.kecamatan),
                    contact=address,
                    choices={member: "pickup" for member in members},
                    payment_method="bank_transfer",
                    idempotency_key=key,
                    rules=CheckoutRules.from_config(app.config),
                )
                db.session.commit()
                return "placed"
            except OutOfStock:
                db.session.rollback()
                return "out of stock"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(buyer_ids)) as pool:
        return list(pool.map(buy, buyer_ids, keys))


def _buyers_with(variants, *, shuffle=False):
    ids = []
    for _ in range(BUYERS):
        buyer = shopper()
        cart = carts.open_cart(user=buyer)
        chosen = list(variants)
        if shuffle:
            random.shuffle(chosen)
        for chosen_variant in chosen:
            carts.add_to_cart(cart=cart, variant=chosen_variant, quantity=1)
        ids.append(buyer.id)
    db.session.commit()
    return ids


def _stock(variant_id):
    return db.session.scalar(select(ProductVariant.stock).where(ProductVariant.id == variant_id))


@pytest.mark.parametrize("round_", range(3))
def test_200_buyers_of_50_in_stock_make_exactly_50_orders(make_app, round_):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        keripik = variant(stock=STOCK)
        buyer_ids = _buyers_with([keripik])
        variant_id, product_id = keripik.id, keripik.product_id
        db.session.remove()

    outcomes = _hammer(app, buyer_ids)

    with app.app_context():
        assert outcomes.count("placed") == STOCK
        assert outcomes.count("out of stock") == BUYERS - STOCK
        assert db.session.scalar(select(func.count(Order.id))) == STOCK
        assert db.session.scalar(select(func.sum(OrderLine.quantity))) == STOCK
        assert _stock(variant_id) == 0
        assert db.session.get(Product, product_id).total_stock == 0
        totals = db.session.scalars(select(Order.total)).all()
        assert len(set(totals)) == STOCK  # every open transfer has its own amount


@pytest.mark.parametrize("round_", range(3))
def test_two_variant_carts_in_random_order_never_deadlock(make_app, round_):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        first = variant(stock=STOCK)
        second = variant(stock=STOCK)  # another member: two parts per order
        buyer_ids = _buyers_with([first, second], shuffle=True)
        ids = (first.id, second.id)
        db.session.remove()

    outcomes = _hammer(app, buyer_ids)  # a deadlock would surface here as an error

    with app.app_context():
        assert outcomes.count("placed") == STOCK
        assert db.session.scalar(select(func.count(Order.id))) == STOCK
        assert (_stock(ids[0]), _stock(ids[1])) == (0, 0)
        assert (
            db.session.scalar(
                select(func.count()).select_from(ProductVariant).where(ProductVariant.stock < 0)
            )
            == 0
        )


def test_a_double_submit_at_the_same_moment_places_one_order(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        keripik = variant(stock=10)
        buyer = shopper()
        carts.add_to_cart(cart=carts.open_cart(user=buyer), variant=keripik, quantity=2)
        db.session.commit()
        buyer_id, variant_id = buyer.id, keripik.id
        db.session.remove()

    key = new_idempotency_key()
    barrier = threading.Barrier(2)
    results = []

    def submit():
        with app.app_context():
            try:
                me = db.session.get(User, buyer_id)
                barrier.wait()
                address = contact()
                order = place_order(
                    buyer=me,
                    # The second waits here for the first, then gets its order.
                    cart=lock_cart(buyer=me, kecamatan=address.kecamatan),
                    contact=address,
                    choices={keripik_member: "pickup"},
                    payment_method="bank_transfer",
                    idempotency_key=key,
                    rules=CheckoutRules.from_config(app.config),
                )
                db.session.commit()
                results.append(order.code)
            finally:
                db.session.remove()

    with app.app_context():
        keripik_member = db.session.get(ProductVariant, variant_id).product.member_id
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with app.app_context():
        assert len(results) == 2 and results[0] == results[1]
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert _stock(variant_id) == 8


def test_two_tabs_checking_out_at_once_place_one_order(make_app):
    """The same cart checked out from two tabs (two forms, two keys) at the
    same moment: the second waits for the first and finds the cart empty."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        keripik = variant(stock=10)
        buyer = shopper()
        carts.add_to_cart(cart=carts.open_cart(user=buyer), variant=keripik, quantity=2)
        db.session.commit()
        buyer_id, variant_id = buyer.id, keripik.id
        member_id = keripik.product.member_id
        db.session.remove()

    barrier = threading.Barrier(2)
    results = []

    def submit():
        with app.app_context():
            try:
                me = db.session.get(User, buyer_id)
                cart = carts.cart_of(me)
                assert len(cart.lines) == 1  # both tabs see the full cart
                barrier.wait()
                address = contact()
                place_order(
                    buyer=me,
                    cart=lock_cart(buyer=me, kecamatan=address.kecamatan),
                    contact=address,
                    choices={member_id: "pickup"},
                    payment_method="bank_transfer",
                    idempotency_key=new_idempotency_key(),
                    rules=CheckoutRules.from_config(app.config),
                )
                db.session.commit()
                results.append("placed")
            except OrderError as refused:
                db.session.rollback()
                results.append(refused.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with app.app_context():
        assert sorted(results) == ["Keranjang Anda kosong.", "placed"]
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert _stock(variant_id) == 8
