"""Certificates for tests, made straight in the database (the services have
their own tests) and flushed; the test commits."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from marketplace.catalog.certificates.rules import today
from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
)
from marketplace.extensions import db
from marketplace.members.models import Member


def days_from_today(days: int) -> date:
    return today() + timedelta(days=days)


def certificate(
    member: Member,
    *,
    product: Product | None = None,
    kind: CertificateKind = CertificateKind.HALAL,
    status: CertificateStatus = CertificateStatus.VERIFIED,
    expires_on: date | None = None,
    number: str | None = None,
    scan_key: str = "certificates/contoh.pdf",
    rejection_reason: str = "",
    covers: Iterable[Product] = (),
    ticks: Iterable[Product] = (),
) -> Certificate:
    """A certificate of `member`'s shop, or naming `product`; a shop's covers
    `covers` (verified by an admin) and `ticks` (ticked, not yet verified)."""
    verified_at = datetime.now(UTC)
    made = Certificate(
        member=member,
        product=product,
        kind=kind,
        number=number or f"{kind.value.upper()}-{member.id}-{product.id if product else 0}",
        issuer="Dinas Kesehatan Kabupaten Banyumas",
        expires_on=expires_on,
        scan_key=scan_key,
        status=status,
        rejection_reason=rejection_reason,
        covered_products=[
            CertificateProduct(product=covered, verified_at=verified_at) for covered in covers
        ]
        + [CertificateProduct(product=ticked) for ticked in ticks],
    )
    db.session.add(made)
    db.session.flush()
    return made


def certificate_count() -> int:
    return db.session.scalar(db.select(db.func.count(Certificate.id))) or 0
