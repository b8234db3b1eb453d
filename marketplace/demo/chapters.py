"""Kecamatan chapters in the demo, through the chapters' own services: an
officer of Sokaraja and one of Cilongok, appointed by the demo admin; the
Cilongok officer's recommendation on the application waiting there, and in
each chapter a stock update an officer made for a member ("dibantu oleh")."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import register_user
from marketplace.catalog import assisted
from marketplace.chapters import services
from marketplace.chapters.models import Verdict
from marketplace.demo.orders import drop_queued_emails, last_email_id
from marketplace.demo.people import LOGINS
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member, MemberStatus


@dataclass(frozen=True)
class OfficerLogin:
    email: str
    password: str
    name: str
    whatsapp: str
    kecamatan: str  # slug


# Printed by `flask seed-demo` after the other logins.
OFFICER_LOGINS = (
    OfficerLogin(
        "cabang-sokaraja@demo.aspikmas.id", "demo-cabang", "Teguh Santoso", "6281228803141",
        "sokaraja",
    ),
    OfficerLogin(
        "cabang-cilongok@demo.aspikmas.id", "demo-cabang", "Wahyuni Lestari", "6285712294410",
        "cilongok",
    ),
)  # fmt: skip
RECOMMENDATION = "Sudah kami kunjungi: dapur bersih, produksi rutin tiap minggu. Layak disetujui."


def add_chapters_demo(*, now: datetime) -> int:
    """Appoint the demo officers; the number appointed."""
    emails_before = last_email_id()
    admin_email = next(login.email for login in LOGINS if login.role == Role.ADMIN)
    admin = db.session.scalars(select(User).where(User.email == admin_email)).one()
    for login in OFFICER_LOGINS:
        officer = register_user(
            email=login.email,
            name=login.name,
            password=login.password,
            whatsapp=login.whatsapp,
            roles=[Role.SHOPPER],
            verified_at=now,
        )
        kecamatan = db.session.scalars(
            select(Kecamatan).where(Kecamatan.slug == login.kecamatan)
        ).one()
        services.appoint(user=officer, kecamatan=kecamatan, by=admin)
        members = db.session.scalars(
            select(Member).where(Member.kecamatan_id == kecamatan.id).order_by(Member.id)
        ).all()
        for member in members:
            if member.status == MemberStatus.PENDING:
                services.recommend(
                    member=member, officer=officer, verdict=Verdict.APPROVE, reason=RECOMMENDATION
                )
        # The officer updates the stock of the first listing they find in
        # their kecamatan, on its member's behalf.
        for member in members:
            if member.status != MemberStatus.APPROVED:
                continue
            products = db.session.scalars(assisted.member_products(member.id)).all()
            if products and products[0].variants:
                variant = products[0].variants[0]
                assisted.set_stock_for(
                    member=member, helper=officer, variant_id=variant.id, stock=variant.stock + 10
                )
                break
    db.session.flush()
    drop_queued_emails(emails_before)
    return len(OFFICER_LOGINS)
