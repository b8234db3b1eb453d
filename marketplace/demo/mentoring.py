"""Campus mentoring in the demo: a running Unsoed cohort whose mentor is the
demo mentor login, paired with the demo member and two more members (one
pairing still waiting for the member), a draft listing and a suggestion
from the mentor and logged visits; and a UMP cohort that ended three weeks
ago, whose impact report has the demo's orders to compare."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.accounts.models import Role, User, UserRole
from marketplace.catalog.models import (
    Category,
    Product,
    ProductChange,
    ProductChangeKind,
    ProductStatus,
)
from marketplace.catalog.services import VariantInput
from marketplace.core.clock import WIB
from marketplace.core.storage import LocalStorage
from marketplace.demo.orders import drop_queued_emails, last_email_id
from marketplace.demo.people import MEMBER_LOGIN, MENTOR_LOGIN
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.mentoring import services
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit

VISITS = (
    ("Foto produk dengan cahaya pagi", "Latihan memotret di dekat jendela, latar kain polos."),
    ("Menulis deskripsi produk", "Bahan, rasa, berat bersih dan cara simpan di paragraf pertama."),
    ("Harga dan ongkos kirim", "Menghitung harga pokok per bungkus; ongkir ke Purwokerto."),
)


def _user(email: str, name: str, password_hash: str, now: datetime) -> User:
    user = User(
        email=email,
        name=name,
        whatsapp="",
        password_hash=password_hash,
        role_rows=[UserRole(role=Role.MENTOR)],
        email_verified_at=now,
    )
    db.session.add(user)
    return user


def add_mentoring_demo(
    *, members: list[Member], now: datetime, seed: int, password_hash: str, store: LocalStorage
) -> int:
    """The two cohorts; the number of pairings they hold."""
    rng = random.Random(seed)
    today = now.astimezone(WIB).date()
    admin_id = db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == Role.ADMIN))
    mentor_user = db.session.scalars(select(User).where(User.email == MENTOR_LOGIN.email)).one()
    demo_member = next(m for m in members if m.user.email == MEMBER_LOGIN.email)
    others = [m for m in members if m.id != demo_member.id]
    rng.shuffle(others)

    running = Cohort(
        campus="Unsoed",
        programme="KKN Tematik Digitalisasi UMKM",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        created_by_id=admin_id,
    )
    mentor = Mentor(
        cohort=running,
        email=mentor_user.email,
        name=mentor_user.name,
        user=mentor_user,
        invited_at=now - timedelta(days=32),
        accepted_at=now - timedelta(days=31),
    )
    invited = Mentor(cohort=running, email="fajar.nugroho@mhs.unsoed.ac.id", name="Fajar Nugroho")
    db.session.add_all([running, mentor, invited])
    accepted_at = now - timedelta(days=28)
    pairings = [
        Pairing(mentor=mentor, member=member, proposed_at=accepted_at, accepted_at=accepted_at)
        for member in (demo_member, *others[:2])
    ]
    pairings.append(Pairing(mentor=mentor, member=others[2], proposed_at=now))  # waiting
    db.session.add_all(pairings)
    for days_ago, (topic, notes) in zip((21, 14, 5), VISITS, strict=True):
        db.session.add(
            Visit(
                pairing=pairings[0],
                visited_on=today - timedelta(days=days_ago),
                topic=topic,
                notes=notes,
            )
        )
    db.session.flush()
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    if category is not None:
        emails_before = last_email_id()
        draft = services.draft_product(
            pairing=pairings[0],
            uploads=[],
            store=store,
            name="Nopia Bawang Merah Isi 10 (draf pendamping)",
            category=category,
            description=(
                "Nopia khas Banyumas isi bawang merah goreng, dipanggang di tungku tanah liat. "
                "Tahan 2 minggu di wadah tertutup."
            ),
            unit="bungkus",
            variants=[VariantInput(name="", price=12_500, stock=20)],
        )
        draft.created_at = now - timedelta(days=3)
        drop_queued_emails(emails_before)  # the member's notice of a draft made long ago
    listed = next(iter(demo_member_products(demo_member.id)), None)
    if listed is not None:
        db.session.add(
            ProductChange(
                product_id=listed,
                member_id=demo_member.id,
                changed_by_id=mentor_user.id,
                kind=ProductChangeKind.SUGGESTION,
                acting_as=services.mentor_words(mentor),
                summary="Foto sampulnya agak gelap: coba foto ulang di dekat jendela pagi hari.",
            )
        )

    ended = Cohort(
        campus="UMP",
        programme="Magang Kewirausahaan Mahasiswa",
        starts_on=today - timedelta(days=110),
        ends_on=today - timedelta(days=20),
        created_by_id=admin_id,
    )
    alumnus = _user("rizky.pratama@demo.aspikmas.id", "Rizky Pratama", password_hash, now)
    past = Mentor(
        cohort=ended,
        email=alumnus.email,
        name=alumnus.name,
        user=alumnus,
        invited_at=now - timedelta(days=115),
        accepted_at=now - timedelta(days=112),
    )
    db.session.add_all([ended, past])
    start = datetime.combine(ended.starts_on, datetime.min.time(), WIB).astimezone(UTC)
    for member in others[3:7]:
        db.session.add(Pairing(mentor=past, member=member, proposed_at=start, accepted_at=start))
    db.session.flush()
    return len(pairings) + 4


def demo_member_products(member_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Product.id)
            .where(Product.member_id == member_id, Product.status == ProductStatus.ACTIVE)
            .order_by(Product.id)
        )
    )
