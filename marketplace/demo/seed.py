"""Turns `people` and `catalogue` into users, members, products
and photos, through the domains' own services. Deterministic: the same seed
gives the same shop (dates are counted back from today). Flushes, never
commits: the command commits once."""

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from slugify import slugify
from sqlalchemy import select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.services import register_user
from marketplace.catalog.models import Category, Product, ProductImage, ProductStatus
from marketplace.catalog.services import VariantInput, create_product
from marketplace.core.storage import LocalStorage
from marketplace.demo import images
from marketplace.demo.catalogue import EDITIONS, LINES, NOTES, Item, Line
from marketplace.demo.certificates import add_certificates_demo
from marketplace.demo.chapters import add_chapters_demo
from marketplace.demo.membership import add_membership_demo, new_member
from marketplace.demo.mentoring import add_mentoring_demo
from marketplace.demo.orders import add_orders_demo
from marketplace.demo.payouts import add_payouts_demo
from marketplace.demo.people import (
    APPLICANTS,
    LOGINS,
    MEMBER_LOGIN,
    MOBILE_PREFIXES,
    SHOPS,
    Shop,
)
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.orders.checkout import CheckoutRules

SEED = 3302  # the Kemendagri code of Kabupaten Banyumas
DEMO_DOMAIN = "demo.aspikmas.id"
DEFAULT_PRODUCTS = 300


@dataclass
class DemoSummary:
    members: int = 0
    kecamatan: int = 0
    products: int = 0
    public_products: int = 0
    images: int = 0
    certificates: int = 0
    orders: int = 0
    payout_lines: int = 0
    pairings: int = 0


@dataclass
class RecordingStorage:
    """Saves through the real storage and remembers what it saved, so that a
    failed seed can remove its files again."""

    storage: LocalStorage
    saved_keys: list[str] = field(default_factory=list)

    def save(self, data: bytes, *, folder: str, suffix: str) -> str:
        key = self.storage.save(data, folder=folder, suffix=suffix)
        self.saved_keys.append(key)
        return key

    def delete_saved(self) -> None:
        for key in self.saved_keys:
            self.storage.delete(key)
        self.saved_keys.clear()


def whatsapp_number(rng: random.Random) -> str:
    return f"62{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}"


def _price(rng: random.Random, base: int) -> int:
    step = 5000 if base >= 100_000 else 500
    return max(step, round(base * rng.uniform(0.92, 1.1) / step) * step)


def _stock(rng: random.Random) -> int:
    return 0 if rng.random() < 0.1 else rng.choice((rng.randint(3, 25), rng.randint(20, 150)))


def _description(rng: random.Random, item: Item, line: Line, shop: Shop) -> str:
    paragraphs = [item.blurb]
    if item.details:
        paragraphs.append(item.details)
    if line.food:
        facts = [
            (
                f"P-IRT No. {rng.randint(1, 5)}{rng.randint(1, 16):02d}3302"
                f"{rng.randint(1, 9):02d}{rng.randint(1, 2999):04d}-{rng.randint(27, 31)}"
            )
        ]
        if rng.random() < 0.6:
            facts.append("Bersertifikat halal")
        paragraphs.append("\n".join(facts))
    paragraphs.append(
        f"Dibuat oleh {shop.name} di {shop.place} {shop.desa}, Kecamatan {shop.kecamatan}. "
        + rng.choice(NOTES)
    )
    return "\n\n".join(paragraphs)


def _logins(now: datetime) -> dict[str, User]:
    """The demo logins, through the accounts service: each password hashed
    once (argon2 is slow on purpose), each email verified."""
    return {
        login.email: register_user(
            email=login.email,
            name=login.name,
            password=login.password,
            whatsapp=login.whatsapp,
            roles=[login.role],
            verified_at=now,
        )
        for login in LOGINS
    }


def _owner(rng: random.Random, shop: Shop, role: Role, password_hash: str, now: datetime) -> User:
    user = User(
        email=f"{slugify(shop.name)}@{DEMO_DOMAIN}",
        name=shop.owner,
        whatsapp=whatsapp_number(rng),
        password_hash=password_hash,
        role_rows=[UserRole(role=role)],
        created_at=now - timedelta(days=rng.randint(200, 720)),
    )
    user.email_verified_at = user.created_at
    db.session.add(user)
    return user


def _members(
    rng: random.Random,
    shops: tuple[Shop, ...],
    applicants: tuple[Shop, ...],
    now: datetime,
    unusable: str,
) -> list[Member]:
    """The approved members, the member login owning the first shop; the
    other owners share `unusable`, the hash of a random password nobody
    knows: they exist to own shops, not to log in. Applicants stay pending."""
    logins = _logins(now)
    kecamatan = {k.name: k for k in db.session.scalars(select(Kecamatan))}
    members = []
    for index, shop in enumerate(shops + applicants):
        approved = index < len(shops)
        if index == 0:
            user = logins[MEMBER_LOGIN.email]
        else:
            role = Role.MEMBER if approved else Role.SHOPPER
            user = _owner(rng, shop, role, unusable, now)
        joined = now - timedelta(days=rng.randint(180, 700) if approved else rng.randint(1, 6))
        member = new_member(
            rng,
            shop,
            kecamatan[shop.kecamatan],
            user=user,
            joined=joined,
            status=MemberStatus.APPROVED if approved else MemberStatus.PENDING,
        )
        if approved:
            member.approved_at = joined + timedelta(days=rng.randint(1, 10))
        if approved:
            members.append(member)
    db.session.flush()
    return members


def _owners(rng: random.Random, members: list[Member], count: int) -> list[Member]:
    """Which member lists each product: every member at least one, the rest
    weighted so that some shops are busier than others."""
    owners = members[:count]
    weights = [3] + [rng.choice((1, 1, 2, 3)) for _ in members[1:]]
    owners += rng.choices(members, weights=weights, k=max(0, count - len(members)))
    return owners


def _items_of(rng: random.Random, shop: Shop) -> Iterator[tuple[Line, Item, str]]:
    """The shop's items in a shuffled order, again with an edition name when
    the shop lists more products than it has items."""
    pool = [(LINES[key], item) for key in shop.lines for item in LINES[key].items]
    rng.shuffle(pool)
    round_ = 0
    while True:
        for line, item in pool:
            name = (
                item.name
                if round_ == 0
                else f"{item.name} {EDITIONS[(round_ - 1) % len(EDITIONS)]}"
            )
            yield line, item, name
        round_ += 1


def _status(rng: random.Random) -> ProductStatus:
    draw = rng.random()
    if draw < 0.025:
        return ProductStatus.DRAFT
    if draw < 0.04:
        return ProductStatus.ARCHIVED
    return ProductStatus.ACTIVE


def _add_images(
    rng: random.Random, product: Product, line: Line, shop: Shop, store: RecordingStorage
) -> int:
    count = rng.choice((1, 2, 2, 3))
    for view in range(count):
        image = images.draw_product(
            title=product.name,
            shop=shop.name,
            shape=line.shape,
            colours=line.colours,
            view=view,
            seed=rng.randrange(2**32),
        )
        thumb, large = images.encode(image)
        product.images.append(
            ProductImage(
                position=view,
                thumb_key=store.save(thumb, folder="products", suffix=".jpg"),
                large_key=store.save(large, folder="products", suffix=".jpg"),
                alt=(
                    product.name
                    if view == 0
                    else f"{product.name}, {('kemasan', 'detail')[view - 1]}"
                ),
            )
        )
    return count


def _products(
    rng: random.Random,
    members: list[Member],
    count: int,
    now: datetime,
    store: RecordingStorage | None,
    summary: DemoSummary,
) -> None:
    """`count` products of `members`; with photos unless `store` is None."""
    shops = {shop.name: shop for shop in SHOPS}
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    catalogues: dict[int, Iterator[tuple[Line, Item, str]]] = {}
    listed: dict[int, int] = {}
    for member in _owners(rng, members, count):
        shop = shops[member.shop_name]
        if member.id not in catalogues:
            catalogues[member.id] = _items_of(random.Random(rng.random()), shop)
        line, item, name = next(catalogues[member.id])
        listed[member.id] = listed.get(member.id, 0) + 1
        choices = min(len(item.options), rng.choice((1, 2, 2, 3)))
        options = sorted(rng.sample(range(len(item.options)), choices))
        status = _status(rng)
        if member is members[0] and listed[member.id] == 2:
            status = ProductStatus.DRAFT  # the member login has a draft on its dashboard
        product = create_product(
            member=member,
            category=categories[line.category],
            name=name,
            description=_description(rng, item, line, shop),
            unit=item.unit,
            weight_grams=item.weight_grams,
            status=status,
            variants=[
                VariantInput(
                    name=item.options[i][0],
                    price=_price(rng, item.options[i][1]),
                    stock=_stock(rng),
                )
                for i in options
            ],
        )
        listed_at = member.approved_at or now
        age = (now - listed_at) * rng.random() ** 0.8
        product.created_at = now - age
        product.updated_at = product.created_at + (age * rng.random() * 0.5)
        if status != ProductStatus.DRAFT:
            popularity = (rng.paretovariate(1.3) - 1) * 25 * (age / timedelta(days=365))
            product.sold_count = min(1200, int(popularity))
        if store is not None:
            summary.images += _add_images(rng, product, line, shop, store)
        summary.products += 1
        summary.public_products += status == ProductStatus.ACTIVE


def seed_catalogue(
    *,
    storage: RecordingStorage | None,
    members: int = len(SHOPS),
    products: int = DEFAULT_PRODUCTS,
    seed: int = SEED,
    now: datetime | None = None,
    password_hash: str | None = None,
) -> tuple[list[Member], DemoSummary]:
    """The demo's members and products only (the first part of
    `seed_demo_data`, the same for the same seed); without photos when
    `storage` is None, as the search quality test uses it."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC).replace(microsecond=0)
    summary = DemoSummary()
    shops = SHOPS[: max(1, min(members, len(SHOPS)))]
    unusable = password_hash or hash_password(secrets.token_urlsafe(32))
    approved = _members(rng, shops, APPLICANTS, now, unusable)
    summary.members = len(approved)
    summary.kecamatan = len({member.kecamatan_id for member in approved})
    _products(rng, approved, products, now, storage, summary)
    return approved, summary


def seed_demo_data(
    *,
    storage: RecordingStorage,
    members: int = len(SHOPS),
    products: int = DEFAULT_PRODUCTS,
    seed: int = SEED,
    rules: CheckoutRules | None = None,
    hold_days: int | None = None,
) -> DemoSummary:
    """Add the demo logins, `members` approved members (plus two applicants
    waiting for approval, one turned back, and one member suspended),
    `products` products with their photos, and shoppers with orders in
    every state. `rules` and `hold_days` (days before a finished part's
    money can be paid out) default to the app's configuration."""
    if rules is None:
        rules = CheckoutRules.from_config(current_app.config)
    if hold_days is None:
        hold_days = current_app.config["PAYOUT_HOLD_DAYS"]
    now = datetime.now(UTC).replace(microsecond=0)
    # One hash (argon2 is slow on purpose) for every demo user nobody logs in as.
    unusable = hash_password(secrets.token_urlsafe(32))
    approved, summary = seed_catalogue(
        storage=storage,
        members=members,
        products=products,
        seed=seed,
        now=now,
        password_hash=unusable,
    )
    add_membership_demo(approved=approved, now=now, seed=seed + 1, password_hash=unusable)
    db.session.flush()
    summary.certificates = add_certificates_demo(storage=storage, now=now, seed=seed + 2)
    db.session.flush()
    summary.orders = add_orders_demo(
        members=approved,
        now=now,
        seed=seed + 3,
        rules=rules,
        hold_days=hold_days,
        password_hash=unusable,
    )
    summary.payout_lines = add_payouts_demo()
    add_chapters_demo(now=now)
    summary.pairings = add_mentoring_demo(
        members=approved, now=now, seed=seed + 4, password_hash=unusable, store=storage.storage
    )
    return summary
