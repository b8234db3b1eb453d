"""Carts and checkout for the demo: a story's order placed through the real
cart and checkout services (checkout reserves the stock and snapshots the
lines), and the carts left waiting for the demo shopper and two others."""

from datetime import datetime

from marketplace.accounts.models import User
from marketplace.demo.orders.cast import Cast
from marketplace.demo.orders.stories import Story
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders.cart import add_to_cart, open_cart
from marketplace.orders.checkout import Contact, lock_cart, place_order
from marketplace.orders.models import Order
from marketplace.orders.status import DeliveryMethod, PaymentMethod


def place(cast: Cast, story: Story, placed: datetime) -> Order | None:
    """The story's order, placed at `placed`; None when its shops cannot
    sell it: one neither delivers to the shopper nor offers pickup, one
    comes twice, one does not take the cash of a cash order, or one has
    nothing left in stock."""
    members = [part.member for part in story.parts]
    choices = _choices(cast, story)
    if choices is None or len(set(members)) < len(members):
        return None
    if story.cash and not all(member.accepts_cash for member in members):
        return None
    if not _fill_cart(cast, story.shopper, members):
        return None
    home = cast.homes[story.shopper.id]
    kecamatan = cast.kecamatan[home.kecamatan]
    cart = lock_cart(buyer=story.shopper, kecamatan=kecamatan)
    assert cart is not None  # _fill_cart opened it
    return place_order(
        buyer=story.shopper,
        cart=cart,
        contact=Contact(
            name=story.shopper.name,
            whatsapp=home.whatsapp,
            address=home.street,
            kecamatan=kecamatan,
            desa=home.desa,
        ),
        choices=choices,
        payment_method=(
            PaymentMethod.CASH
            if story.cash
            else PaymentMethod.STRIPE
            if story.card
            else PaymentMethod.BANK_TRANSFER
        ),
        idempotency_key=f"demo-{cast.rng.getrandbits(96):024x}",
        rules=cast.rules,
        now=placed,
    )


def leave_carts(cast: Cast) -> None:
    """Something waiting in the carts of the demo shopper (from two shops
    that take cash, so that both ways to pay can be tried) and two others."""
    other = cast.seller(cast.demo_shopper, cash=True)
    _fill_cart(cast, cast.demo_shopper, [cast.member] + ([other] if other else []))
    for buyer in cast.rng.sample(cast.others(), 2):
        seller = cast.seller(buyer)
        if seller is not None:
            _fill_cart(cast, buyer, [seller])
    db.session.flush()


def _fill_cart(cast: Cast, buyer: User, members: list[Member]) -> bool:
    """Put one to three of each member's products in the buyer's cart;
    False (and the cart left as it was) when a member has nothing in stock."""
    rng = cast.rng
    picks = []
    for member in members:
        pool = cast.stock.get(member.id, [])
        wanted = rng.choice((1, 1, 2, 3))
        chosen = []
        for variant in rng.sample(pool, len(pool)):
            if variant.stock > 0:  # read one by one: each may be reloaded
                chosen.append(variant)
                if len(chosen) == wanted:
                    break
        if not chosen:
            return False
        picks += [(v, min(v.stock, rng.choice((1, 1, 2, 2, 3, 5)))) for v in chosen]
    cart = open_cart(user=buyer)
    for variant, quantity in picks:
        add_to_cart(cart=cart, variant=variant, quantity=quantity)
    return True


def _choices(cast: Cast, story: Story) -> dict[int, str] | None:
    """Delivery or pickup for each part, as the story and the shop allow;
    None when the shopper cannot buy from one of the members."""
    choices = {}
    for part in story.parts:
        delivers = cast.delivers_to(part.member, story.shopper)
        if delivers and (part.delivery or not part.member.offers_pickup):
            choices[part.member.id] = DeliveryMethod.DELIVERY.value
        elif part.member.offers_pickup:
            choices[part.member.id] = DeliveryMethod.PICKUP.value
        else:
            return None  # neither: this shopper cannot buy from this member
    return choices
