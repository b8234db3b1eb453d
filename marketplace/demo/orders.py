"""The orders of the demo: shoppers with carts and orders in every state,
made through the real services. Checkout reserves the stock and snapshots
the lines; the demo treasurer confirms transfers and pays refunds back;
members prepare, ship or hand over their parts (taking the cash of cash
orders) or cancel them; shoppers cancel unpaid orders; the expiry job
cancels overdue transfers. So the ledger holds the postings those services
make, and `flask ledger check` balances.

Every order is a `Story`: who buys from which members, how it is paid, how
long ago it was placed, and how far each member's part gets. The stories
the demo logins need are written out (`_written_stories`); more orders, for
busier shops and histories, are drawn from a random stream of their own
(`_drawn_stories`). Times are fixed offsets back from `now`. A story whose
shops have nothing left in stock is skipped, so a small demo
(`--products 5`) has fewer orders, never an error.

Emails: the services queue an email at each step (hundreds for the whole
demo). Nobody is there to read them, and `make run` would print every one
at the next delivery, so the seed deletes the outbox rows it queued
(`_drop_queued_emails`) rather than marking them sent: they never went out.
The services' emails are tested with the services."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import OutboxEmail, Role, User, UserRole
from marketplace.catalog.models import Product, ProductStatus, ProductVariant
from marketplace.demo.people import SHOPPER_LOGIN, SHOPPERS, TREASURER_LOGIN, Shopper
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Kecamatan, Member
from marketplace.orders import fulfilment
from marketplace.orders.cart import add_to_cart, open_cart
from marketplace.orders.checkout import CheckoutRules, Contact, place_order
from marketplace.orders.models import Order
from marketplace.orders.status import DeliveryMethod, PaymentMethod

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
DRAWN_ORDERS = 34

MEMBER_CANCEL_REASONS = (
    "Maaf, stok habis dan bahan baku baru datang minggu depan.",
    "Maaf, produksi libur karena ada hajatan keluarga.",
    "Pembeli minta dibatalkan lewat WhatsApp.",
    "Maaf, kami tidak bisa mengantar minggu ini; kendaraan sedang diperbaiki.",
)
SHOPPER_CANCEL_REASONS = ("Salah pilih varian.", "Jadi beli langsung di toko.", "")
TRANSFER_NOTES = ("Mutasi BRI", "Mutasi BNI", "Mutasi BRI, transfer dari Bank Jateng", "")


class Goal(Enum):
    """How far one member's part of an order gets."""

    UNPAID = 0  # a transfer nobody confirmed (a cash part is `new` already)
    NEW = 1
    PROCESSING = 2
    DISPATCHED = 3  # shipped (delivery) or ready for pickup
    COMPLETED = 4
    CANCELLED = 5  # by the member; refunded when it was paid


class End(Enum):
    """What happens to the order as a whole."""

    LIVE = "live"  # its parts follow their goals
    SHOPPER_CANCELS = "shopper cancels"  # before paying (cash: before preparation)
    EXPIRES = "expires"  # a transfer past its deadline, cancelled by the job


@dataclass(frozen=True)
class Part:
    member: Member
    goal: Goal
    delivery: bool = False  # delivered when the member delivers there, else picked up


@dataclass(frozen=True)
class Story:
    shopper: User
    parts: tuple[Part, ...]
    age: timedelta  # placed this long before `now`
    cash: bool = False
    end: End = End.LIVE
    refund_paid: bool = False  # the treasurer has sent the refunds back


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
    ) -> Member | None:
        """A member other than the demo member's shop (and `besides`) that
        `buyer` can buy from, taking cash or delivering to them as asked."""
        fits = [
            member
            for member in self.sellers
            if member not in besides
            and (member.accepts_cash or not cash)
            and (
                self.delivers_to(member, buyer) if delivering else self.can_sell(member, buyer)
            )
        ]
        return self.rng.choice(fits) if fits else None


# --- the people and the shops ----------------------------------------------------


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
            created_at=now - timedelta(days=rng.randint(90, 400)),
        )
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


# --- the stories ------------------------------------------------------------------


def _written_stories(cast: Cast) -> list[Story]:
    """The orders the demo logins need: the demo shopper's in several
    states; the demo member's parts in every tab of their fulfilment page;
    transfers awaiting the treasurer and refunds owed; every status of an
    order and of a part."""
    hours = cast.rules.payment_hours
    me, shop = cast.demo_shopper, cast.member
    seller = cast.seller
    # The goals, short, for the table below.
    U, N, P, D, C, X = (
        Goal.UNPAID, Goal.NEW, Goal.PROCESSING, Goal.DISPATCHED, Goal.COMPLETED, Goal.CANCELLED
    )
    stories: list[Story] = []

    def add(
        buyer: User,
        parts: list[tuple[Member | None, Goal, bool]],
        age: timedelta,
        *,
        cash: bool = False,
        end: End = End.LIVE,
        refund_paid: bool = False,
    ) -> None:
        """One story; parts without a member (no shop fits) are left out."""
        found = tuple(Part(m, goal, delivery) for m, goal, delivery in parts if m is not None)
        if found:
            stories.append(Story(buyer, found, age, cash, end, refund_paid))

    def anyone(near: Member | None = None) -> User:
        """Another shopper; one `near` delivers to, when there is one."""
        others = cast.others()
        if near is not None:
            others = [o for o in others if cast.delivers_to(near, o)] or others
        return cast.rng.choice(others)

    # fmt: off
    # The demo shopper: awaiting a transfer (fresh and overdue), on its way,
    # finished (transfer and cash), cancelled, expired, partly refunded, cash.
    add(me, [(shop, U, False), (seller(me), U, False)], timedelta(hours=hours * 0.1))
    add(me, [(seller(me), U, False)], timedelta(hours=hours + 5))
    add(me, [(shop, D, True)], timedelta(days=2, hours=3))
    add(me, [(shop, C, False), (seller(me, delivering=True), C, True)], timedelta(days=19))
    add(me, [(seller(me, cash=True), C, False)], timedelta(days=41), cash=True)
    add(me, [(seller(me), U, False)], timedelta(days=9, hours=2), end=End.SHOPPER_CANCELS)
    add(me, [(seller(me), U, False)], timedelta(days=14, hours=5), end=End.EXPIRES)
    add(me, [(shop, P, False), (seller(me), X, False)], timedelta(days=4, hours=1))
    add(me, [(shop, N, False)], timedelta(hours=20), cash=True)

    # The demo member's shop: parts in every tab (new, processing, shipped,
    # ready for pickup, finished, cancelled), paid by transfer and in cash.
    add(anyone(), [(shop, N, False)], timedelta(hours=hours * 0.6))
    buyer = anyone()
    add(buyer, [(shop, N, True), (seller(buyer), P, False)], timedelta(days=1, hours=2))
    add(anyone(), [(shop, D, False)], timedelta(days=1, hours=8))
    add(anyone(), [(shop, P, False)], timedelta(days=2, hours=4), cash=True)
    add(anyone(near=shop), [(shop, D, True)], timedelta(days=3), cash=True)
    add(anyone(), [(shop, X, False)], timedelta(days=8), refund_paid=True)
    add(anyone(near=shop), [(shop, C, True)], timedelta(days=12), cash=True)
    add(anyone(), [(shop, C, False)], timedelta(days=26))
    buyer = anyone()
    add(buyer, [(shop, C, False), (seller(buyer), C, False)], timedelta(days=33))

    # The treasurer: transfers to confirm (one more overdue, for `flask
    # orders expire-unpaid`), refunds owed and refunds paid back.
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(hours=hours * 0.25))
    buyer = anyone()
    first = seller(buyer)
    add(buyer, [(first, U, False), (seller(buyer, besides=(first,)), U, False)],
        timedelta(hours=hours * 0.4))
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(hours=hours + 2))
    buyer = anyone()
    add(buyer, [(seller(buyer), X, False)], timedelta(days=5, hours=4))
    buyer = anyone()
    first = seller(buyer)
    add(buyer, [(first, X, False), (seller(buyer, besides=(first,)), D, False)],
        timedelta(days=6), refund_paid=True)
    buyer = anyone()
    add(buyer, [(seller(buyer), X, False)], timedelta(days=16), refund_paid=True)

    # Cash orders a member turns back or the shopper cancels; an old expiry.
    buyer = anyone()
    add(buyer, [(seller(buyer, cash=True), X, False)], timedelta(days=3, hours=5), cash=True)
    buyer = anyone()
    add(buyer, [(seller(buyer, cash=True), N, False)], timedelta(days=2), cash=True,
        end=End.SHOPPER_CANCELS)
    buyer = anyone()
    add(buyer, [(seller(buyer), U, False)], timedelta(days=21), end=End.EXPIRES)
    # fmt: on
    return stories


def _drawn_stories(cast: Cast, count: int) -> list[Story]:
    """More orders over the last ten weeks, for the histories and the busier
    shops: older ones mostly finished, recent ones still on their way."""
    rng = cast.rng
    stories = []
    for _ in range(count):
        buyer = cast.demo_shopper if rng.random() < 0.08 else rng.choice(cast.others())
        age = timedelta(days=rng.uniform(2, 70), hours=rng.uniform(0, 23))
        cash = rng.random() < 0.25
        first = cast.member if rng.random() < 0.15 else cast.seller(buyer, cash=cash)
        members = [first]
        if rng.random() < 0.3:
            members.append(cast.seller(buyer, cash=cash, besides=(first,)))
        found = [m for m in members if m is not None]
        if not found:
            continue
        draw = rng.random()
        end = End.LIVE
        if age > timedelta(days=7):
            goals = [Goal.COMPLETED] * len(found)
            if draw < 0.06:
                end = End.SHOPPER_CANCELS
            elif draw < 0.13 and not cash:
                end = End.EXPIRES
            elif draw < 0.18:
                goals[0] = Goal.CANCELLED
        else:
            goals = [
                rng.choice((Goal.NEW, Goal.PROCESSING, Goal.DISPATCHED, Goal.COMPLETED))
                for _ in found
            ]
        stories.append(
            Story(
                shopper=buyer,
                parts=tuple(
                    Part(m, goal, delivery=rng.random() < 0.5) for m, goal in zip(found, goals)
                ),
                age=age,
                cash=cash,
                end=end,
                refund_paid=rng.random() < 0.7,
            )
        )
    return stories


# --- telling a story through the services ----------------------------------------------


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


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


def _place(cast: Cast, story: Story, placed: datetime) -> Order | None:
    members = [part.member for part in story.parts]
    choices = _choices(cast, story)
    if choices is None or len(set(members)) < len(members):
        return None
    if story.cash and not all(member.accepts_cash for member in members):
        return None
    if not _fill_cart(cast, story.shopper, members):
        return None
    home = cast.homes[story.shopper.id]
    return place_order(
        buyer=story.shopper,
        cart=open_cart(user=story.shopper),
        contact=Contact(
            name=story.shopper.name,
            whatsapp=home.whatsapp,
            address=home.street,
            kecamatan=cast.kecamatan[home.kecamatan],
            desa=home.desa,
        ),
        choices=choices,
        payment_method=PaymentMethod.CASH if story.cash else PaymentMethod.BANK_TRANSFER,
        idempotency_key=f"demo-{cast.rng.getrandbits(96):024x}",
        rules=cast.rules,
        now=placed,
    )


def _tell(cast: Cast, story: Story) -> Order | None:
    """Place the story's order and take it as far as the story goes, each
    step at its time; None when its shops cannot sell it (out of stock)."""
    rng, now = cast.rng, cast.now
    placed = _seconds(now - story.age)
    order = _place(cast, story, placed)
    if order is None:
        return None
    span = now - placed
    if story.end == End.EXPIRES:
        fulfilment.expire_order(
            order=order, now=order.expires_at + timedelta(minutes=rng.randint(3, 40))
        )
        return order
    if story.end == End.SHOPPER_CANCELS:
        fulfilment.cancel_order(
            order=order,
            by=story.shopper,
            reason=rng.choice(SHOPPER_CANCEL_REASONS),
            now=_seconds(placed + min(timedelta(minutes=rng.randint(10, 90)), span / 2)),
        )
        return order

    paid = _seconds(placed + min(timedelta(hours=rng.uniform(0.5, 6)), span / 5))
    done = _seconds(paid + min(timedelta(days=rng.uniform(0.5, 4)), (now - paid) * 0.7))
    cancelled = _seconds(paid + (done - paid) * rng.uniform(0.2, 0.6))
    refunded = _seconds(cancelled + (now - cancelled) * rng.uniform(0.3, 0.8))
    if not story.cash and any(part.goal != Goal.UNPAID for part in story.parts):
        fulfilment.confirm_transfer(
            order=order,
            amount=order.total,
            by=cast.treasurer,
            note=rng.choice(TRANSFER_NOTES),
            now=paid,
        )
    parts = {part.member_id: part for part in order.seller_orders}
    # Cancellations first: a part refunded while another is still open
    # leaves the order partially refunded.
    for step in sorted(story.parts, key=lambda part: part.goal != Goal.CANCELLED):
        part = parts[step.member.id]
        if step.goal == Goal.CANCELLED:
            fulfilment.cancel_part(
                part=part,
                member=step.member,
                reason=rng.choice(MEMBER_CANCEL_REASONS),
                restock=rng.random() < 0.7,
                now=cancelled,
            )
            if story.refund_paid and part.refund_amount:
                fulfilment.mark_refund_paid(part=part, by=cast.treasurer, now=refunded)
            continue
        if step.goal.value >= Goal.PROCESSING.value:
            fulfilment.start_processing(part=part, member=step.member)
        if step.goal.value >= Goal.DISPATCHED.value:
            fulfilment.dispatch(part=part, member=step.member)
        if step.goal == Goal.COMPLETED:
            fulfilment.complete(
                part=part,
                member=step.member,
                hold_days=cast.hold_days,
                cash_received=part.total if story.cash else None,
                now=done,
            )
    return order


def _leave_carts(cast: Cast) -> None:
    """Something waiting in the carts of the demo shopper (from two shops
    that take cash, so that both ways to pay can be tried) and two others."""
    other = cast.seller(cast.demo_shopper, cash=True)
    _fill_cart(cast, cast.demo_shopper, [cast.member] + ([other] if other else []))
    for buyer in cast.rng.sample(cast.others(), 2):
        seller = cast.seller(buyer)
        if seller is not None:
            _fill_cart(cast, buyer, [seller])
    db.session.flush()


def _drop_queued_emails(after_id: int) -> None:
    db.session.execute(
        delete(OutboxEmail)
        .where(OutboxEmail.id > after_id)
        .execution_options(synchronize_session=False)
    )


def add_orders_demo(
    *,
    members: list[Member],
    now: datetime,
    seed: int,
    rules: CheckoutRules,
    hold_days: int,
    password_hash: str,
) -> int:
    """Shoppers, their carts and orders in every state with `members` (the
    first is the demo member's shop); how many orders were placed. The
    shoppers besides the demo shopper get `password_hash`, of a password
    nobody knows."""
    rng = random.Random(seed)
    emails_before = db.session.scalar(select(func.coalesce(func.max(OutboxEmail.id), 0)))
    kecamatan = {k.name: k for k in db.session.scalars(select(Kecamatan))}
    shoppers = _shoppers(now, rng, password_hash)
    homes_by_email = {shopper.email: shopper for shopper in SHOPPERS}
    _set_up_shops(rng, members, kecamatan)
    stock = _stock(members)
    cast = Cast(
        rng=rng,
        now=now,
        rules=rules,
        hold_days=hold_days,
        treasurer=db.session.scalars(
            select(User).where(User.email == TREASURER_LOGIN.email)
        ).one(),
        shoppers=shoppers,
        homes={user.id: homes_by_email[user.email] for user in shoppers},
        kecamatan=kecamatan,
        member=members[0],
        sellers=[member for member in members[1:] if stock.get(member.id)],
        stock=stock,
    )
    stories = _written_stories(cast) + _drawn_stories(cast, DRAWN_ORDERS)
    # Oldest first, as they happened: unique codes and stock follow the days.
    stories.sort(key=lambda story: story.age, reverse=True)
    placed = sum(_tell(cast, story) is not None for story in stories)
    fulfilment.release_due(hold_days=hold_days, now=now)
    _leave_carts(cast)
    _drop_queued_emails(emails_before)
    db.session.flush()
    return placed

