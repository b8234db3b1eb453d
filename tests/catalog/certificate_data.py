"""Certificates for tests, made straight in the database (the services have
their own tests) and flushed; the test commits."""

from datetime import date, timedelta

from marketplace.catalog.certificates.rules import today
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus, Product
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
) -> Certificate:
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
    )
    db.session.add(made)
    db.session.flush()
    return made


def certificate_count() -> int:
    return db.session.scalar(db.select(db.func.count(Certificate.id))) or 0
