"""Shops with products, a shopper with a cart, and checkout in one call."""

from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.catalog.models import ProductVariant
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate
from marketplace.orders import cart as carts
from marketplace.orders.checkout import (
    CheckoutRules,
    Contact,
    lock_cart,
    new_idempotency_key,
    place_order,
)
from marketplace.orders.models import Order, OrderLine, OrderPart
from tests import factories


def variant(price: int = 15_000, stock: int = 10, member=None, name: str = "Standar"):
    kwargs = {"member": member} if member is not None else {}
    product = factories.ProductFactory(
        variants=[factories.VariantFactory.build(price=price, stock=stock, name=name)], **kwargs
    )
    return product.variants[0]


def deliver_to(member, slug: str = "sokaraja", fee: int = 8_000) -> None:
    db.session.add(DeliveryRate(member=member, kecamatan=factories.kecamatan(slug), fee=fee))
    db.session.flush()


def shopper():
    return factories.UserFactory(roles=[Role.SHOPPER])


def cart_with(user, *lines):
    """`lines`: (variant, quantity) pairs, added as the shopper would."""
    cart = carts.open_cart(user=user)
    for variant_row, quantity in lines:
        carts.add_to_cart(cart=cart, variant=variant_row, quantity=quantity)
    return cart


def contact(slug: str = "sokaraja", **changes) -> Contact:
    values = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Jenderal Soedirman 12, RT 02/RW 03",
        "kecamatan": factories.kecamatan(slug),
        "desa": "Karangrau",
    }
    return Contact(**(values | changes))


def checkout(user, cart, choices=None, **changes) -> Order:
    """Place `user`'s order as the checkout view does: their cart locked and
    read with the fees to the contact's kecamatan, then placed."""
    members = {line.variant.product.member_id for line in cart.lines}
    arguments = {
        "buyer": user,
        "contact": contact(),
        "choices": choices if choices is not None else {m: "pickup" for m in members},
        "payment_method": "bank_transfer",
        "idempotency_key": new_idempotency_key(),
        "rules": CheckoutRules.from_config(current_app.config),
    } | changes
    locked = lock_cart(buyer=cart.user, kecamatan=arguments["contact"].kecamatan)
    return place_order(cart=locked, **arguments)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_written() -> bool:
    return count(Order) == count(OrderPart) == count(OrderLine) == count(OutboxEmail) == 0


def stock_of(variant_id: int) -> int:
    return db.session.scalar(select(ProductVariant.stock).where(ProductVariant.id == variant_id))
