"""Hygiene and food-safety certificates (P-IRT, Halal, BPOM MD/ML, Laik
Higiene): what a member records, what an admin decides, what shoppers see.

Writes are services: keyword arguments, models in and out, a
CertificateError when a rule refuses (nothing written), flush and never
commit. Every status change goes through `_move`, which checks TRANSITIONS.
Reads return a `Select`, except `badges_for`, which runs the one query that
finds the badges of a whole page of products.

A certificate is shown (as a badge, and to the `sertifikat` filter) while it
is verified and not past its expiry date; a shop-level one (no product)
counts for every product of the shop. Dates are those of Banyumas (WIB), so
a certificate stops showing at midnight there, with no job to run."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.catalog.models import (
    CERTIFICATE_LABELS,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
)
from marketplace.core.clock import WIB
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus

EXPIRY_WARNING_DAYS = 30
MAX_NUMBER_LENGTH = 80
MAX_ISSUER_LENGTH = 120
MAX_REASON_LENGTH = 500

# The state machine. A verified certificate can still be rejected (revoked)
# when an admin finds it was wrong; a rejected one goes back to pending when
# the member corrects it.
TRANSITIONS: dict[CertificateStatus, frozenset[CertificateStatus]] = {
    CertificateStatus.PENDING: frozenset({CertificateStatus.VERIFIED, CertificateStatus.REJECTED}),
    CertificateStatus.VERIFIED: frozenset({CertificateStatus.REJECTED}),
    CertificateStatus.REJECTED: frozenset({CertificateStatus.PENDING}),
}

REFUSED_MOVES = {
    CertificateStatus.VERIFIED: "Sertifikat ini tidak sedang menunggu verifikasi.",
    CertificateStatus.REJECTED: "Sertifikat ini sudah ditolak.",
    CertificateStatus.PENDING: "Sertifikat ini sudah terverifikasi; tidak bisa diubah lagi.",
}

# Scans are private: stored under this folder, served only through
# catalog.certificates.scan to their member and the admins, never by /media.
SCAN_FOLDER = "certificates"


class CertificateError(DomainError):
    """A certificate rule refused the change."""


class Standing(StrEnum):
    """Where a certificate stands today, as the member and the admin see it."""

    PENDING = "menunggu"
    VERIFIED = "terverifikasi"
    REJECTED = "ditolak"
    EXPIRED = "kedaluwarsa"


STANDING_LABELS = {
    Standing.PENDING: "Menunggu verifikasi",
    Standing.VERIFIED: "Terverifikasi",
    Standing.REJECTED: "Ditolak",
    Standing.EXPIRED: "Kedaluwarsa",
}


@dataclass(frozen=True)
class Badge:
    kind: CertificateKind
    label: str


def today() -> date:
    """Today in Banyumas."""
    return datetime.now(WIB).date()


# --- what a certificate shows --------------------------------------------------------


def standing(certificate: Certificate, on: date) -> Standing:
    if certificate.status == CertificateStatus.REJECTED:
        return Standing.REJECTED
    if certificate.expires_on is not None and certificate.expires_on < on:
        return Standing.EXPIRED
    if certificate.status == CertificateStatus.VERIFIED:
        return Standing.VERIFIED
    return Standing.PENDING


def days_left(certificate: Certificate, on: date) -> int | None:
    """Days until the expiry date (0 on the last valid day), None without one."""
    if certificate.expires_on is None:
        return None
    return (certificate.expires_on - on).days


def expiry_warning(certificate: Certificate, on: date) -> str | None:
    """The warning a member sees in the last EXPIRY_WARNING_DAYS of a
    verified or pending certificate."""
    left = days_left(certificate, on)
    if left is None or not 0 <= left <= EXPIRY_WARNING_DAYS:
        return None
    if standing(certificate, on) not in (Standing.VERIFIED, Standing.PENDING):
        return None
    if left == 0:
        return "Berlaku sampai hari ini; besok sudah kedaluwarsa. Segera perpanjang."
    return f"Akan kedaluwarsa dalam {left} hari. Segera perpanjang dan catat yang baru."


@dataclass(frozen=True)
class Summary:
    """A certificate as a list shows it on `on` (member's and admin's)."""

    certificate: Certificate
    standing: Standing
    label: str
    warning: str | None
    can_change: bool
    can_delete: bool


def summarise(certificate: Certificate, on: date) -> Summary:
    found = standing(certificate, on)
    return Summary(
        certificate=certificate,
        standing=found,
        label=STANDING_LABELS[found],
        warning=expiry_warning(certificate, on),
        can_change=can_be_changed(certificate),
        can_delete=can_be_deleted(certificate, on),
    )


def can_be_changed(certificate: Certificate) -> bool:
    """A member may correct a pending or rejected certificate."""
    return certificate.status in (CertificateStatus.PENDING, CertificateStatus.REJECTED)


def can_be_deleted(certificate: Certificate, on: date) -> bool:
    """A member may delete what is not (or no longer) a shown badge."""
    return can_be_changed(certificate) or standing(certificate, on) == Standing.EXPIRED


# --- services --------------------------------------------------------------------------


def _details(*, number: str, issuer: str, expires_on: date | None, on: date) -> tuple[str, str]:
    number, issuer = " ".join(number.split()), " ".join(issuer.split())
    if not number:
        raise CertificateError("Nomor sertifikat wajib diisi.")
    if len(number) > MAX_NUMBER_LENGTH:
        raise CertificateError(f"Nomor sertifikat paling panjang {MAX_NUMBER_LENGTH} karakter.")
    if not issuer:
        raise CertificateError("Penerbit sertifikat wajib diisi.")
    if len(issuer) > MAX_ISSUER_LENGTH:
        raise CertificateError(f"Nama penerbit paling panjang {MAX_ISSUER_LENGTH} karakter.")
    if expires_on is not None and expires_on < on:
        raise CertificateError(
            "Tanggal berlaku sudah lewat: sertifikat ini sudah kedaluwarsa. "
            "Catat sertifikat yang masih berlaku."
        )
    return number, issuer


def _locked(certificate: Certificate) -> Certificate:
    """The certificate's row, read again and locked until the commit
    (PostgreSQL), so two decisions at once cannot both pass the check."""
    db.session.refresh(certificate, with_for_update=True)
    return certificate


def _move(certificate: Certificate, to: CertificateStatus) -> None:
    if to not in TRANSITIONS[CertificateStatus(certificate.status)]:
        raise CertificateError(REFUSED_MOVES[to])
    certificate.status = to


def record_certificate(
    *,
    member: Member,
    product: Product | None,
    kind: CertificateKind,
    number: str,
    issuer: str,
    expires_on: date | None,
    scan_key: str,
) -> Certificate:
    """A new certificate of the shop (`product` None) or of one of its
    products, waiting for an admin's verification."""
    if member.status != MemberStatus.APPROVED:
        raise CertificateError("Hanya anggota yang sudah disetujui yang bisa mencatat sertifikat.")
    if product is not None and product.member_id != member.id:
        raise CertificateError("Produk ini bukan milik toko Anda.")
    try:
        kind = CertificateKind(kind)
    except ValueError as error:
        raise CertificateError("Jenis sertifikat tidak dikenal.") from error
    if not scan_key:
        raise CertificateError("Unggah pindaian sertifikat.")
    number, issuer = _details(number=number, issuer=issuer, expires_on=expires_on, on=today())
    same_target = (
        Certificate.product_id == product.id
        if product is not None
        else Certificate.product_id.is_(None)
    )
    duplicate = db.session.scalar(
        select(Certificate.id).where(
            Certificate.member_id == member.id,
            same_target,
            Certificate.kind == kind,
            func.lower(Certificate.number) == number.lower(),
            Certificate.status != CertificateStatus.REJECTED,
        )
    )
    if duplicate is not None:
        raise CertificateError("Sertifikat dengan jenis dan nomor ini sudah tercatat.")
    certificate = Certificate(
        member=member,
        product=product,
        kind=kind,
        number=number,
        issuer=issuer,
        expires_on=expires_on,
        scan_key=scan_key,
        status=CertificateStatus.PENDING,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def verify_certificate(*, certificate: Certificate, reviewer: User) -> Certificate:
    """An admin has checked the scan: the certificate shows as a badge."""
    _locked(certificate)
    if (
        certificate.status == CertificateStatus.PENDING
        and standing(certificate, today()) == Standing.EXPIRED
    ):
        raise CertificateError("Sertifikat ini sudah kedaluwarsa; tidak bisa diverifikasi.")
    before = certificate.status
    _move(certificate, CertificateStatus.VERIFIED)
    certificate.rejection_reason = ""
    certificate.reviewed_by_id = reviewer.id
    certificate.reviewed_at = datetime.now(UTC)
    _audit(certificate, reviewer, AuditAction.CERTIFICATE_VERIFIED, before, "diverifikasi")
    db.session.flush()
    return certificate


def _audit(certificate: Certificate, reviewer: User, action: AuditAction, before: str,
           done: str, reason: str = "") -> None:  # fmt: skip
    audit.record(
        actor=reviewer,
        action=action,
        subject=("certificate", certificate.id),
        summary=f"Sertifikat {certificate.label} nomor {certificate.number} {done}",
        before={"status": str(before)},
        after={"status": str(certificate.status), **({"reason": reason} if reason else {})},
    )


def reject_certificate(*, certificate: Certificate, reviewer: User, reason: str) -> Certificate:
    """An admin refuses a pending certificate, or revokes a verified one;
    the member sees `reason`."""
    reason = reason.strip()
    if not reason:
        raise CertificateError("Tuliskan alasan penolakan agar anggota bisa memperbaikinya.")
    if len(reason) > MAX_REASON_LENGTH:
        raise CertificateError(f"Alasan penolakan paling panjang {MAX_REASON_LENGTH} karakter.")
    _locked(certificate)
    before = certificate.status
    _move(certificate, CertificateStatus.REJECTED)
    certificate.rejection_reason = reason
    certificate.reviewed_by_id = reviewer.id
    certificate.reviewed_at = datetime.now(UTC)
    _audit(certificate, reviewer, AuditAction.CERTIFICATE_REJECTED, before, "ditolak", reason)
    db.session.flush()
    return certificate


def correct_certificate(
    *,
    certificate: Certificate,
    number: str,
    issuer: str,
    expires_on: date | None,
    scan_key: str | None = None,
) -> Certificate:
    """The member corrects a pending or rejected certificate (and may replace
    its scan): it waits for verification again. The caller deletes the old
    scan after the commit when `scan_key` replaced it."""
    _locked(certificate)
    if not can_be_changed(certificate):
        raise CertificateError(REFUSED_MOVES[CertificateStatus.PENDING])
    number, issuer = _details(number=number, issuer=issuer, expires_on=expires_on, on=today())
    if certificate.status == CertificateStatus.REJECTED:
        _move(certificate, CertificateStatus.PENDING)
    certificate.number, certificate.issuer, certificate.expires_on = number, issuer, expires_on
    if scan_key:
        certificate.scan_key = scan_key
    certificate.rejection_reason = ""
    db.session.flush()
    return certificate


def delete_certificate(*, certificate: Certificate) -> str:
    """Remove a pending, rejected or expired certificate; returns the key of
    its scan, for the caller to delete after the commit."""
    _locked(certificate)
    if not can_be_deleted(certificate, today()):
        raise CertificateError(
            "Sertifikat yang sudah terverifikasi dan masih berlaku tidak bisa dihapus."
        )
    scan_key = certificate.scan_key
    db.session.delete(certificate)
    db.session.flush()
    return scan_key


# --- reads -----------------------------------------------------------------------------


def certificates_of_member(member_id: int) -> Select[tuple[Certificate]]:
    """A member's certificates, newest first, with their product."""
    return (
        select(Certificate)
        .where(Certificate.member_id == member_id)
        .options(selectinload(Certificate.product))
        .order_by(Certificate.created_at.desc(), Certificate.id.desc())
    )


def certificate_of_member(member_id: int, certificate_id: int) -> Select[tuple[Certificate]]:
    """One certificate, only if it is the member's (anything else: none)."""
    return select(Certificate).where(
        Certificate.id == certificate_id, Certificate.member_id == member_id
    )


def certificates_for_review(
    status: CertificateStatus | None = None,
) -> Select[tuple[Certificate]]:
    """Certificates for the admin, with member (and kecamatan) and product:
    pending first, the oldest first within a status."""
    statement = select(Certificate).options(
        joinedload(Certificate.member), joinedload(Certificate.product)
    )
    if status is not None:
        statement = statement.where(Certificate.status == status)
    rank = case(
        {CertificateStatus.PENDING: 0, CertificateStatus.VERIFIED: 1},
        value=Certificate.status,
        else_=2,
    )
    return statement.order_by(rank, Certificate.created_at, Certificate.id)


def products_for_certificates(member_id: int) -> Select[tuple[int, str]]:
    """(id, name) of the member's products a certificate can be for."""
    return (
        select(Product.id, Product.name)
        .where(Product.member_id == member_id)
        .order_by(Product.name, Product.id)
    )


def is_shown(on: date) -> ColumnElement[bool]:
    """Certificates that show as badges on `on`: verified and not expired."""
    return and_(
        Certificate.status == CertificateStatus.VERIFIED,
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= on),
    )


def has_certificate(kind: CertificateKind, on: date) -> ColumnElement[bool]:
    """Products with a shown certificate of `kind`, their own or their shop's
    (two subqueries on the certificates table: no join, no extra query)."""
    shown = and_(Certificate.kind == kind, is_shown(on))
    return or_(
        Product.id.in_(
            select(Certificate.product_id).where(shown, Certificate.product_id.is_not(None))
        ),
        Product.member_id.in_(
            select(Certificate.member_id).where(shown, Certificate.product_id.is_(None))
        ),
    )


def badge_rows(
    product_ids: Iterable[int], member_ids: Iterable[int], on: date
) -> Select[tuple[int | None, int, str]]:
    """(product id or None for the shop, member id, kind) of the certificates
    shown for these products and shops."""
    return (
        select(Certificate.product_id, Certificate.member_id, Certificate.kind)
        .where(
            is_shown(on),
            or_(
                Certificate.product_id.in_(list(product_ids)),
                and_(
                    Certificate.product_id.is_(None),
                    Certificate.member_id.in_(list(member_ids)),
                ),
            ),
        )
        .distinct()
    )


KIND_ORDER = {kind: position for position, kind in enumerate(CertificateKind)}


def badges_for(products: Sequence[Product]) -> dict[int, list[Badge]]:
    """The badges of each of `products` (by product id; none: absent), in one
    query whatever their number, and none for no products."""
    if not products:
        return {}
    rows = db.session.execute(
        badge_rows({p.id for p in products}, {p.member_id for p in products}, today())
    ).tuples()
    of_shop: defaultdict[int, set[CertificateKind]] = defaultdict(set)
    of_product: defaultdict[int, set[CertificateKind]] = defaultdict(set)
    for product_id, member_id, kind in rows:
        if product_id is None:
            of_shop[member_id].add(CertificateKind(kind))
        else:
            of_product[product_id].add(CertificateKind(kind))
    badges: dict[int, list[Badge]] = {}
    for product in products:
        kinds = of_shop[product.member_id] | of_product[product.id]
        if kinds:
            badges[product.id] = [
                Badge(kind=kind, label=CERTIFICATE_LABELS[kind])
                for kind in sorted(kinds, key=KIND_ORDER.__getitem__)
            ]
    return badges
