"""The membership side of the demo: shop profiles (bank account, opening
hours, pickup and delivery fees), one rejected application and one
suspended member, with the decisions behind them. Its own random stream,
so the rest of the demo stays the same."""

import random
from datetime import datetime, timedelta

from slugify import slugify
from sqlalchemy import select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.demo.people import (
    BANKS,
    LOGINS,
    OPENING_HOURS,
    REJECTED_APPLICANT,
    REJECTION_REASON,
    SUSPENDED_SHOP,
    SUSPENSION_REASON,
    Shop,
)
from marketplace.extensions import db
from marketplace.members.models import (
    DeliveryRate,
    Kecamatan,
    Member,
    MemberDecision,
    MemberStatus,
)

DELIVERY_FEES = (0, 5_000, 7_500, 10_000)
FARTHER_FEES = (10_000, 12_500, 15_000, 20_000, 25_000)


def _shop_profile(rng: random.Random, member: Member, kecamatan: list[Kecamatan]) -> None:
    member.bank_name = rng.choice(BANKS)
    digits = rng.choice((10, 13, 15))
    member.bank_account_number = "".join(str(rng.randrange(10)) for _ in range(digits))
    member.bank_account_holder = member.owner_name
    member.opening_hours = rng.choice(OPENING_HOURS)
    member.offers_pickup = rng.random() < 0.85
    delivers = not member.offers_pickup or rng.random() < 0.6
    if not delivers:
        return
    home = member.kecamatan.id
    member.delivery_rates.append(DeliveryRate(kecamatan_id=home, fee=rng.choice(DELIVERY_FEES)))
    others = [k for k in kecamatan if k.id != home]
    for farther in rng.sample(others, rng.randint(1, 4)):
        member.delivery_rates.append(
            DeliveryRate(kecamatan_id=farther.id, fee=rng.choice(FARTHER_FEES))
        )


def _decision(
    member: Member, admin: User, to: MemberStatus, at: datetime, reason: str = ""
) -> None:
    db.session.add(
        MemberDecision(
            member=member,
            decided_by=admin,
            from_status=member.status,
            to_status=to,
            reason=reason,
            decided_at=at,
        )
    )
    member.status = to


def _member(
    shop: Shop,
    kecamatan: dict[str, Kecamatan],
    rng: random.Random,
    now: datetime,
    *,
    joined_days_ago: int,
    password_hash: str,
) -> Member:
    """A pending membership of `shop`, its owner a shopper nobody logs in as."""
    joined = now - timedelta(days=joined_days_ago)
    user = User(
        email=f"{slugify(shop.name)}@demo.aspikmas.id",
        name=shop.owner,
        whatsapp=f"62857{rng.randrange(10**7, 10**8)}",
        password_hash=password_hash,
        role_rows=[UserRole(role=Role.SHOPPER)],
        created_at=joined - timedelta(days=2),
        email_verified_at=joined - timedelta(days=2),
    )
    member = new_member(
        rng, shop, kecamatan[shop.kecamatan], user=user, joined=joined, status=MemberStatus.PENDING
    )
    member.bank_name = rng.choice(BANKS)
    member.bank_account_number = f"{rng.randrange(10**12, 10**13)}"
    member.bank_account_holder = shop.owner
    return member


def new_member(
    rng: random.Random,
    shop: Shop,
    kecamatan: Kecamatan,
    *,
    user: User,
    joined: datetime,
    status: MemberStatus,
) -> Member:
    """The member of demo `shop`, owned by `user` (the demo's one Member
    builder), added to the session; its street address drawn from `rng`."""
    member = Member(
        user=user,
        kecamatan=kecamatan,
        shop_name=shop.name,
        slug=slugify(shop.name),
        owner_name=shop.owner,
        desa=shop.desa,
        address=f"RT {rng.randint(1, 8):02d}/RW {rng.randint(1, 5):02d}, "
        f"{shop.place} {shop.desa}, Kec. {shop.kecamatan}",
        whatsapp=user.whatsapp,
        description=shop.about,
        status=status,
        created_at=joined,
    )
    db.session.add(member)
    return member


def add_membership_demo(
    *, approved: list[Member], now: datetime, seed: int, password_hash: str
) -> None:
    """Bank accounts for the applicants, profiles and approvals for the
    approved shops; a suspended member and a rejected application, whose
    owners' `password_hash` is of a password nobody knows."""
    rng = random.Random(seed)
    kecamatan = list(db.session.scalars(select(Kecamatan).order_by(Kecamatan.id)))
    admin_email = next(login.email for login in LOGINS if login.role == Role.ADMIN)
    admin = db.session.scalars(select(User).where(User.email == admin_email)).one()
    pending = db.session.scalars(select(Member).where(Member.status == MemberStatus.PENDING))
    for member in pending:
        member.bank_name = rng.choice(BANKS)
        member.bank_account_number = f"{rng.randrange(10**9, 10**10)}"
        member.bank_account_holder = member.owner_name
    for member in approved:
        _shop_profile(rng, member, kecamatan)
        if member.approved_at is not None:
            db.session.add(
                MemberDecision(
                    member=member,
                    decided_by=admin,
                    from_status=MemberStatus.PENDING,
                    to_status=MemberStatus.APPROVED,
                    decided_at=member.approved_at,
                )
            )

    kecamatan_named = {k.name: k for k in kecamatan}
    suspended = _member(
        SUSPENDED_SHOP,
        kecamatan_named,
        rng,
        now,
        joined_days_ago=300,
        password_hash=password_hash,
    )
    _shop_profile(rng, suspended, kecamatan)
    _decision(suspended, admin, MemberStatus.APPROVED, now - timedelta(days=290))
    suspended.approved_at = now - timedelta(days=290)
    _decision(suspended, admin, MemberStatus.SUSPENDED, now - timedelta(days=3), SUSPENSION_REASON)

    rejected = _member(
        REJECTED_APPLICANT,
        kecamatan_named,
        rng,
        now,
        joined_days_ago=10,
        password_hash=password_hash,
    )
    rejected.bank_name, rejected.bank_account_holder = "BRI", "Siti Maesaroh"
    _decision(rejected, admin, MemberStatus.REJECTED, now - timedelta(days=8), REJECTION_REASON)
    rejected.rejection_reason = REJECTION_REASON
    db.session.flush()
