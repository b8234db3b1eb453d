import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import (
    CheckoutRules,
    InvalidCheckout,
    OrderNotSaved,
    PriceChanged,
    new_idempotency_key,
)
from marketplace.orders.fulfilment import cancel_order
from marketplace.orders.models import CartLine, Order, OrderLine
from marketplace.orders.services import OutOfStock, commission_rate
from marketplace.orders.status import InvalidTransition, OrderPartStatus, OrderStatus
from tests.orders.helpers import (
    cart_with,
    checkout,
    contact,
    count,
    deliver_to,
    nothing_written,
    shopper,
    stock_of,
    variant,
)

pytestmark = pytest.mark.usefixtures("app_context")


def test_place_order_splits_by_member_and_snapshots_lines(app):
    keripik = variant(price=15_000, stock=10)
    gula = variant(price=22_500, stock=5)
    deliver_to(gula.product.member, "sokaraja", fee=8_000)
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 3), (gula, 1))
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    order = checkout(
        buyer,
        cart,
        choices={keripik.product.member_id: "pickup", gula.product.member_id: "delivery"},
        now=now,
    )
    db.session.commit()

    assert re.fullmatch(r"PA-[2-9A-HJKMNP-Z]{6}", order.code)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.subtotal, order.delivery_total) == (67_500, 8_000)
    assert 1 <= order.unique_code <= 999
    assert order.total == 75_500 + order.unique_code
    assert order.expires_at.replace(tzinfo=UTC) == now + timedelta(hours=24)
    assert order.contact_whatsapp == "6281234567890"
    pickup, delivery = order.parts
    assert (pickup.delivery_method, pickup.delivery_fee, pickup.subtotal) == ("pickup", 0, 45_000)
    assert (delivery.delivery_method, delivery.delivery_fee) == ("delivery", 8_000)
    assert {part.status for part in order.parts} == {OrderPartStatus.AWAITING_PAYMENT}
    line = pickup.lines[0]
    assert (line.product_name, line.variant_name) == (keripik.product.name, "Standar")
    assert (line.unit_price, line.quantity, line.line_total) == (15_000, 3, 45_000)
    assert (line.commission_rate_bps, line.commission) == (500, 2_250)
    assert delivery.lines[0].commission == 1_125  # 5 % of 22.500 = 1.125
    assert (stock_of(keripik.id), stock_of(gula.id)) == (7, 4)
    assert db.session.get(Product, keripik.product_id).total_stock == 7
    assert count(CartLine) == 0
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.recipient == buyer.email and order.code in email.subject
    assert f"Rp{order.total:,}".replace(",", ".") in email.body_text


def test_line_keeps_its_snapshot_when_the_product_changes_or_the_variant_goes(app):
    keripik = variant(price=15_000)
    buyer = shopper()
    checkout(buyer, cart_with(buyer, (keripik, 1)))
    db.session.commit()
    keripik.product.name = "Nama baru"
    keripik.price = 99_000
    db.session.commit()
    db.session.delete(keripik)
    db.session.commit()
    line = db.session.scalars(select(OrderLine)).one()
    assert (line.product_name, line.unit_price, line.variant_id) != (
        "Nama baru",
        99_000,
        keripik.id,
    )
    assert line.unit_price == 15_000


def test_the_same_variant_on_two_lines_is_checked_against_the_sum(app):
    keripik = variant(stock=5)
    buyer = shopper()
    cart = carts.open_cart(user=buyer)
    cart.lines.extend(
        [
            CartLine(variant=keripik, quantity=3, price_seen=keripik.price),
            CartLine(variant=keripik, quantity=3, price_seen=keripik.price),
        ]
    )
    db.session.commit()
    with pytest.raises(OutOfStock, match="tinggal 5"):
        checkout(buyer, cart)
    db.session.rollback()
    assert stock_of(keripik.id) == 5 and nothing_written()


def test_out_of_stock_on_the_second_variant_takes_nothing(app):
    first, second = variant(stock=10), variant(stock=1)
    buyer = shopper()
    cart = cart_with(buyer, (first, 2), (second, 1))
    db.session.commit()
    second.stock = 0
    db.session.commit()
    with pytest.raises(OutOfStock, match="habis"):
        checkout(buyer, cart)
    db.session.rollback()
    assert (stock_of(first.id), stock_of(second.id)) == (10, 0)
    assert nothing_written() and count(CartLine) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda: {"contact": contact(whatsapp="12")}, "WhatsApp"),
        (lambda: {"contact": contact(name="  ")}, "nama penerima"),
        (lambda: {"contact": contact(address="")}, "alamat"),
        (lambda: {"contact": contact(desa="")}, "desa"),
        (lambda: {"contact": contact(kecamatan=None)}, "kecamatan"),
        (lambda: {"payment_method": "cash"}, "transfer bank"),
        (lambda: {"payment_method": "bitcoin"}, "transfer bank"),
        (lambda: {"choices": {}}, "Pilih cara pengiriman"),
        (lambda: {"idempotency_key": "short"}, "Muat ulang"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(app, change, message):
    keripik = variant()
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 2))
    db.session.commit()
    with pytest.raises(InvalidCheckout, match=message):
        checkout(buyer, cart, **change())
    db.session.rollback()
    assert nothing_written() and stock_of(keripik.id) == 10 and count(CartLine) == 1


def test_delivery_where_the_member_does_not_deliver_is_refused(app):
    keripik = variant()
    deliver_to(keripik.product.member, "sokaraja")
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 1))
    db.session.commit()
    with pytest.raises(InvalidCheckout, match="tidak mengantar ke Kecamatan Wangon"):
        checkout(
            buyer, cart, choices={keripik.product.member_id: "delivery"}, contact=contact("wangon")
        )
    db.session.rollback()
    assert nothing_written() and stock_of(keripik.id) == 10


def test_pickup_from_a_member_without_pickup_is_refused(app):
    keripik = variant()
    keripik.product.member.offers_pickup = False
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 1))
    db.session.commit()
    with pytest.raises(InvalidCheckout, match="tidak melayani ambil sendiri"):
        checkout(buyer, cart)
    db.session.rollback()
    assert nothing_written()


def test_a_price_changed_since_added_is_refused_until_accepted(app):
    keripik = variant(price=15_000)
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 1))
    db.session.commit()
    keripik.price = 17_000
    db.session.commit()
    summary = carts.summarise(carts.cart_items(cart))
    assert summary.rows[0].problems == ["Harga berubah dari Rp15.000 menjadi Rp17.000."]
    with pytest.raises(PriceChanged):
        checkout(buyer, cart)
    db.session.rollback()
    assert nothing_written()
    carts.accept_prices(cart=cart)
    order = checkout(buyer, cart)
    assert order.subtotal == 17_000


def test_a_resubmitted_form_returns_the_order_already_placed(app):
    keripik = variant(stock=10)
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 2))
    key = new_idempotency_key()
    first = checkout(buyer, cart, idempotency_key=key)
    db.session.commit()
    again = checkout(buyer, cart, idempotency_key=key)
    db.session.commit()
    assert again.id == first.id and count(Order) == 1 and stock_of(keripik.id) == 8


def test_an_order_a_constraint_refuses_is_an_order_not_saved(app, monkeypatch):
    """Two checkouts picking the same free transfer amount at the same moment:
    the partial UNIQUE index refuses the second, as a domain error."""
    keripik = variant(price=10_000, stock=10)
    first_buyer, buyer = shopper(), shopper()
    first = checkout(first_buyer, cart_with(first_buyer, (keripik, 1)))
    db.session.commit()
    monkeypatch.setattr("marketplace.orders.checkout._unique_code", lambda base: first.unique_code)
    cart = cart_with(buyer, (keripik, 1))
    db.session.commit()
    with pytest.raises(OrderNotSaved, match="Pesanan belum tersimpan. Silakan coba lagi."):
        checkout(buyer, cart)
    db.session.rollback()
    assert count(Order) == 1 and stock_of(keripik.id) == 9 and count(CartLine) == 1


def test_open_transfers_of_the_same_amount_get_different_unique_codes(app):
    keripik = variant(stock=100)
    totals = set()
    for _ in range(20):
        buyer = shopper()
        order = checkout(buyer, cart_with(buyer, (keripik, 1)))
        db.session.commit()
        totals.add(order.total)
    assert len(totals) == 20


def test_cancel_releases_the_stock_once(app):
    keripik, gula = variant(stock=10), variant(stock=4)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 3), (gula, 4)))
    db.session.commit()
    assert db.session.get(Product, gula.product_id).total_stock == 0

    cancel_order(order=order, by=buyer)
    db.session.commit()
    assert order.status == OrderStatus.CANCELLED
    assert {part.status for part in order.parts} == {OrderPartStatus.CANCELLED}
    assert (stock_of(keripik.id), stock_of(gula.id)) == (10, 4)
    assert db.session.get(Product, gula.product_id).total_stock == 4

    with pytest.raises(InvalidTransition):
        cancel_order(order=order, by=buyer)
    db.session.rollback()
    assert stock_of(keripik.id) == 10


def test_only_the_buyer_may_cancel(app):
    keripik = variant()
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 1)))
    db.session.commit()
    with pytest.raises(Exception, match="bukan milik Anda"):
        cancel_order(order=order, by=shopper())
    db.session.rollback()
    assert order.status == OrderStatus.PENDING_PAYMENT and stock_of(keripik.id) == 9


def test_a_paid_order_cannot_be_cancelled_by_the_shopper(app):
    keripik = variant()
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (keripik, 1)))
    order.set_status(OrderStatus.PAID, by=None, at=datetime.now(UTC))
    db.session.commit()
    with pytest.raises(InvalidTransition):
        cancel_order(order=order, by=buyer)
    db.session.rollback()
    assert stock_of(keripik.id) == 9


def test_commission_rate_is_the_configured_default(make_app):
    app = make_app(COMMISSION_DEFAULT_BPS=750)
    with app.app_context():
        keripik = variant()
        rules = CheckoutRules.from_config(app.config)
        rate = commission_rate(
            keripik.product.member,
            keripik.product.category,
            default_bps=rules.default_commission_bps,
        )
        assert rate == 750


def test_cart_refuses_more_than_the_stock_and_merges_a_guest_cart(app):
    keripik, gula = variant(stock=3), variant(stock=10)
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 2))
    with pytest.raises(carts.CartError, match="tinggal 3"):
        carts.add_to_cart(cart=cart, variant=keripik, quantity=2)
    guest = carts.guest_add({}, variant=gula, quantity=2)
    guest = carts.guest_add(guest, variant=keripik, quantity=3)
    carts.merge_guest_cart(cart=cart, items=carts.guest_items(guest))
    db.session.commit()
    quantities = {line.variant_id: line.quantity for line in cart.lines}
    assert quantities == {keripik.id: 3, gula.id: 2}  # capped at the stock


def test_cart_summary_groups_by_member_with_fee_and_warns(app):
    keripik = variant(stock=5)
    tempe = variant(stock=5, member=keripik.product.member)
    gula = variant(stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=7_000)
    buyer = shopper()
    cart = cart_with(buyer, (keripik, 2), (gula, 1), (tempe, 1))
    db.session.commit()
    keripik.stock, gula.stock = 1, 0
    db.session.commit()
    summary = carts.summarise(carts.cart_items(cart), contact().kecamatan)
    first, second = summary.groups
    assert [row.variant.id for row in first.rows] == [keripik.id, tempe.id]
    assert (first.delivery_fee, second.delivery_fee) == (7_000, None)
    assert first.rows[0].problems == ["Stok tinggal 1. Kurangi jumlahnya."]
    assert second.rows[0].problems == ["Stok habis."]
    assert summary.has_problems
