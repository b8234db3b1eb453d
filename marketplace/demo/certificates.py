"""Certificates in the demo, in every state the member and the admin see:
verified (for the shop and for products), one expiring within two weeks, one
expired, one rejected with a reason, one waiting for verification; the
products a shop's Halal covers, some verified and one still waiting for the
admin; and verified Halal (covering some products), Laik Higiene and P-IRT
certificates across other shops so that product badges, shop badges and the
`sertifikat` filter have something to show."""

import io
import random
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.catalog.certificates.rules import SCAN_FOLDER
from marketplace.catalog.models import (
    CERTIFICATE_LABELS,
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
    ProductStatus,
)
from marketplace.demo.people import LOGINS
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus

ISSUERS = {
    CertificateKind.PIRT: "Dinas Kesehatan Kabupaten Banyumas",
    CertificateKind.HALAL: "BPJPH Kementerian Agama RI",
    CertificateKind.BPOM_MD: "Badan POM RI",
    CertificateKind.BPOM_ML: "Badan POM RI",
    CertificateKind.LAIK_HIGIENE: "Dinas Kesehatan Kabupaten Banyumas",
}
REJECTION = "Nomor pada pindaian tidak terbaca; mohon unggah ulang yang lebih jelas."


def scan_image(kind: CertificateKind, number: str) -> bytes:
    """A plain page that reads as a certificate scan."""
    page = Image.new("RGB", (620, 860), (252, 250, 242))
    draw = ImageDraw.Draw(page)
    draw.rectangle((24, 24, 596, 836), outline=(25, 120, 70), width=6)
    draw.text((60, 90), "SERTIFIKAT", fill=(25, 120, 70), font_size=44)
    draw.text((60, 160), CERTIFICATE_LABELS[kind], fill=(40, 40, 40), font_size=36)
    draw.text((60, 240), f"Nomor: {number}", fill=(40, 40, 40), font_size=24)
    draw.text((60, 290), ISSUERS[kind], fill=(90, 90, 90), font_size=20)
    buffer = io.BytesIO()
    page.save(buffer, "WEBP", quality=70)
    return buffer.getvalue()


def _number(rng: random.Random, kind: CertificateKind) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(12))
    return {
        CertificateKind.PIRT: f"P-IRT {digits[:15]}-26",
        CertificateKind.HALAL: f"ID33110000{digits}",
        CertificateKind.BPOM_MD: f"MD {digits}",
        CertificateKind.BPOM_ML: f"ML {digits}",
        CertificateKind.LAIK_HIGIENE: f"440/{digits[:4]}/LH/2026",
    }[kind]


def add_certificates_demo(*, storage, now: datetime, seed: int) -> int:
    """Add the demo certificates; return how many."""
    rng = random.Random(seed)
    today = now.date()
    admin_email = next(login.email for login in LOGINS if login.role == Role.ADMIN)
    member_email = next(login.email for login in LOGINS if login.role == Role.MEMBER)
    admin = db.session.scalars(select(User).where(User.email == admin_email)).one()
    demo_member = db.session.scalars(
        select(Member).join(Member.user).where(User.email == member_email)
    ).one()

    def add(
        member: Member,
        product: Product | None,
        kind: CertificateKind,
        status: CertificateStatus,
        expires_on: date | None,
        reason: str = "",
        covers: list[Product] | None = None,
        ticks: list[Product] | None = None,
    ) -> None:
        """A certificate; a shop's covers `covers` (verified) and `ticks` (not yet)."""
        number = _number(rng, kind)
        reviewed = status != CertificateStatus.PENDING
        reviewed_at = now - timedelta(days=rng.randint(1, 60)) if reviewed else None
        covered = [
            CertificateProduct(product=p, verified_at=reviewed_at, verified_by_id=admin.id)
            for p in covers or ()
        ] + [CertificateProduct(product=p) for p in ticks or ()]
        db.session.add(
            Certificate(
                member=member,
                product=product,
                kind=kind,
                number=number,
                issuer=ISSUERS[kind],
                expires_on=expires_on,
                scan_key=storage.save(scan_image(kind, number), folder=SCAN_FOLDER, suffix=".webp"),
                status=status,
                rejection_reason=reason,
                reviewed_by_id=admin.id if reviewed else None,
                reviewed_at=reviewed_at,
                covered_products=covered,
            )
        )

    def products_of(member: Member) -> list[Product]:
        return list(
            db.session.scalars(
                select(Product)
                .where(Product.member_id == member.id, Product.status == ProductStatus.ACTIVE)
                .order_by(Product.id)
            )
        )

    own = products_of(demo_member)
    mine: list[Product | None] = [*own] or [None] * 4
    verified, pending, rejected = (
        CertificateStatus.VERIFIED,
        CertificateStatus.PENDING,
        CertificateStatus.REJECTED,
    )
    add(demo_member, None, CertificateKind.HALAL, verified, None, covers=own[:2], ticks=own[2:3])
    add(demo_member, mine[0], CertificateKind.PIRT, verified, today + timedelta(days=12))
    add(demo_member, mine[-1], CertificateKind.PIRT, verified, today - timedelta(days=20))
    add(
        demo_member,
        mine[min(1, len(mine) - 1)],
        CertificateKind.BPOM_MD,
        rejected,
        today + timedelta(days=700),
        REJECTION,
    )
    add(demo_member, None, CertificateKind.LAIK_HIGIENE, pending, today + timedelta(days=365))
    count = 5

    others = db.session.scalars(
        select(Member)
        .where(Member.status == MemberStatus.APPROVED, Member.id != demo_member.id)
        .order_by(Member.id)
    ).all()
    for index, member in enumerate(rng.sample(list(others), min(12, len(others)))):
        theirs = products_of(member)
        add(
            member,
            None,
            CertificateKind.HALAL,
            verified,
            today + timedelta(days=rng.randint(90, 1400)),
            covers=rng.sample(theirs, min(3, len(theirs))),
        )
        count += 1
        if index % 3 == 0:
            add(
                member,
                None,
                CertificateKind.LAIK_HIGIENE,
                verified,
                today + timedelta(days=rng.randint(90, 1000)),
            )
            count += 1
        for product in rng.sample(theirs, min(2, len(theirs))):
            add(
                member,
                product,
                CertificateKind.PIRT,
                verified,
                today + timedelta(days=rng.randint(60, 1800)),
            )
            count += 1
    return count
