"""The people and the shops the demo's orders are told with: the shoppers
(the demo shopper and the others), the members' shops set up for cash on
handover and delivery, and what each shop has in stock, gathered in a
`Cast` with the random stream the stories are drawn from."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Role, User, UserRole
from marketplace.catalog.models import Product, ProductStatus, ProductVariant
from marketplace.core.clock import as_utc
from marketplace.demo.people import SHOPPER_LOGIN, SHOPPERS, TREASURER_LOGIN, Shopper
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Kecamatan, Member
from marketplace.orders.checkout import CheckoutRules

# The demo member's shop (Purwokerto Barat) delivers around Purwokerto, so
# its fulfilment page can show a part on its way as well as one to pick up.
MEMBER_DELIVERY_FEES = {
    "Purwokerto Barat": 5_000,
    "Purwokerto Timur": 8_000,
    "Purwokerto Selatan": 8_000,
    "Purwokerto Utara": 10_000,
    "Karanglewas": 12_500,
}
CASH_SHARE = 0.35  # of the other members take cash on handover


@dataclass
class Cast:
    """The people and shops the stories are told with."""

    rng: random.Random
    now: datetime
    rules: CheckoutRules
    hold_days: int
    treasurer: User
    shoppers: list[User]
    homes: dict[int, Shopper]  # user id -> where they live
    kecamatan: dict[str, Kecamatan]
    member: Member  # the demo member's shop
    sellers: list[Member]  # the other members with something to sell
    stock: dict[int, list[ProductVariant]]  # member id -> their buyable variants

    @property
    def demo_shopper(self) -> User:
        return self.shoppers[0]

    def others(self) -> list[User]:
        return self.shoppers[1:]

    def delivers_to(self, member: Member, shopper: User) -> bool:
        home = self.kecamatan[self.homes[shopper.id].kecamatan]
        return any(rate.kecamatan_id == home.id for rate in member.delivery_rates)

    def can_sell(self, member: Member, buyer: User) -> bool:
        return member.offers_pickup or self.delivers_to(member, buyer)

    def seller(
        self,
        buyer: User,
        *,
        cash: bool = False,
        delivering: bool = False,
        besides: tuple[Member | None, ...] = (),
        at: datetime | None = None,
    ) -> Member | None:
        """A member other than the demo member's shop (and `besides`) that
        `buyer` can buy from, taking cash or delivering to them as asked;
        approved by `at` when given."""
        fits = [
            member
            for member in self.sellers
            if member not in besides
            and (at is None or (member.approved_at and as_utc(member.approved_at) <= at))
            and (member.accepts_cash or not cash)
            and (self.delivers_to(member, buyer) if delivering else self.can_sell(member, buyer))
        ]
        return self.rng.choice(fits) if fits else None


def gather_cast(
    *,
    rng: random.Random,
    members: list[Member],
    now: datetime,
    rules: CheckoutRules,
    hold_days: int,
    password_hash: str,
) -> Cast:
    """The cast for `members` (the first is the demo member's shop): the
    shoppers besides the demo shopper are made here, with `password_hash`
    (of a password nobody knows); the shops are set up for cash and
    delivery; their stock and the demo treasurer are looked up."""
    kecamatan = {k.name: k for k in db.session.scalars(select(Kecamatan))}
    shoppers = _shoppers(now, rng, password_hash)
    homes_by_email = {shopper.email: shopper for shopper in SHOPPERS}
    _set_up_shops(rng, members, kecamatan)
    stock = _stock(members)
    return Cast(
        rng=rng,
        now=now,
        rules=rules,
        hold_days=hold_days,
        treasurer=db.session.scalars(select(User).where(User.email == TREASURER_LOGIN.email)).one(),
        shoppers=shoppers,
        homes={user.id: homes_by_email[user.email] for user in shoppers},
        kecamatan=kecamatan,
        member=members[0],
        sellers=[member for member in members[1:] if stock.get(member.id)],
        stock=stock,
    )


def _shoppers(now: datetime, rng: random.Random, unusable: str) -> list[User]:
    """The demo shopper (made with the logins) and the other shoppers, whose
    `unusable` hash is of a password nobody knows."""
    demo = db.session.scalars(select(User).where(User.email == SHOPPER_LOGIN.email)).one()
    users = [demo]
    for shopper in SHOPPERS:
        if shopper.email == demo.email:
            continue
        user = User(
            email=shopper.email,
            name=shopper.name,
            whatsapp=shopper.whatsapp,
            password_hash=unusable,
            role_rows=[UserRole(role=Role.SHOPPER)],
            created_at=now - timedelta(days=rng.randint(430, 700)),
        )
        user.email_verified_at = user.created_at
        db.session.add(user)
        users.append(user)
    db.session.flush()
    return users


def _set_up_shops(
    rng: random.Random, members: list[Member], kecamatan: dict[str, Kecamatan]
) -> None:
    """Cash on handover for the demo member's shop and about a third of the
    others; delivery around Purwokerto for the demo member's shop."""
    demo_shop = members[0]
    demo_shop.accepts_cash = True
    for member in members[1:]:
        member.accepts_cash = rng.random() < CASH_SHARE
    if not demo_shop.delivery_rates:
        for name, fee in MEMBER_DELIVERY_FEES.items():
            demo_shop.delivery_rates.append(DeliveryRate(kecamatan_id=kecamatan[name].id, fee=fee))
    db.session.flush()


def _stock(members: list[Member]) -> dict[int, list[ProductVariant]]:
    """Each member's variants of active products with stock, by id."""
    variants = db.session.scalars(
        select(ProductVariant)
        .join(Product)
        .where(
            Product.member_id.in_([member.id for member in members]),
            Product.status == ProductStatus.ACTIVE,
            ProductVariant.stock > 0,
        )
        .options(joinedload(ProductVariant.product))
        .order_by(ProductVariant.id)
    ).all()
    found: dict[int, list[ProductVariant]] = {}
    for variant in variants:
        found.setdefault(variant.product.member_id, []).append(variant)
    return found
