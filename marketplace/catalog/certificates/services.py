"""What a member records and an admin decides about a certificate. Keyword
arguments, models in and out, a CertificateError when a rule refuses
(nothing written), flush and never commit. Every status change goes through
`_move`, which checks TRANSITIONS.

The products a shop's certificate covers: the member ticks them
(`cover_products`), the admin verifies each against the scan
(`verify_covered_products`, or with the certificate in `verify_certificate`).
A new tick, or a correction of the certificate, waits for the admin again;
a tick kept as it was keeps its verification."""

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.catalog.certificates.rules import (
    MAX_ISSUER_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_REASON_LENGTH,
    REFUSED_MOVES,
    SHOP_ONLY_REFUSED,
    TRANSITIONS,
    CertificateError,
    Standing,
    can_be_changed,
    can_be_deleted,
    cover_refusal,
    standing,
    today,
)
from marketplace.catalog.models import (
    SHOP_ONLY_KINDS,
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
)
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus


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
    if product is not None and kind in SHOP_ONLY_KINDS:
        raise CertificateError(SHOP_ONLY_REFUSED)
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


def verify_certificate(
    *, certificate: Certificate, reviewer: User, covered: Collection[int] = ()
) -> Certificate:
    """An admin has checked the scan: the certificate shows as a badge, and
    so, for the products it covers, on the ones of `covered` (product ids)."""
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
    if certificate.covered_products or covered:
        _decide_covered(certificate, reviewer, covered)
    db.session.flush()
    return certificate


def verify_covered_products(
    *, certificate: Certificate, reviewer: User, covered: Collection[int]
) -> Certificate:
    """An admin has read on the scan which of the products the member ticked
    it covers: those of `covered` (product ids) are verified, the others not
    (a verification taken back)."""
    _locked(certificate)
    if certificate.status == CertificateStatus.REJECTED:
        raise CertificateError(REFUSED_MOVES[CertificateStatus.REJECTED])
    _decide_covered(certificate, reviewer, covered)
    db.session.flush()
    return certificate


def _decide_covered(certificate: Certificate, reviewer: User, covered: Collection[int]) -> None:
    ticked = {link.product_id: link for link in certificate.covered_products}
    if not set(covered) <= set(ticked):
        raise CertificateError("Produk itu tidak dicentang anggota untuk sertifikat ini.")
    before = sorted(id_ for id_, link in ticked.items() if link.is_verified)
    now = datetime.now(UTC)
    for product_id, link in ticked.items():
        if product_id not in covered:
            link.verified_at, link.verified_by_id = None, None
        elif not link.is_verified:
            link.verified_at, link.verified_by_id = now, reviewer.id
    after = sorted(covered)
    if before != after:
        names = ", ".join(sorted(ticked[id_].product.name for id_ in after)) or "tidak ada"
        audit.record(
            actor=reviewer,
            action=AuditAction.CERTIFICATE_PRODUCTS_VERIFIED,
            subject=("certificate", certificate.id),
            summary=(
                f"Produk bersertifikat {certificate.label} nomor {certificate.number}: {names}"
            ),
            before={"products": before},
            after={"products": after},
        )


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
    for link in certificate.covered_products:  # the admin reads the new details again
        link.verified_at, link.verified_by_id = None, None
    db.session.flush()
    return certificate


def cover_products(*, certificate: Certificate, products: Sequence[Product]) -> Certificate:
    """The member ticks the products a shop certificate covers. A product
    newly ticked waits for an admin's verification; one left unticked is
    no longer covered; one kept keeps its verification."""
    _locked(certificate)
    refusal = cover_refusal(certificate, today())
    if refusal is not None:
        raise CertificateError(refusal)
    if any(product.member_id != certificate.member_id for product in products):
        raise CertificateError("Produk ini bukan milik toko Anda.")
    chosen = {product.id: product for product in products}
    for link in list(certificate.covered_products):
        if link.product_id not in chosen:
            certificate.covered_products.remove(link)
    kept = {link.product_id for link in certificate.covered_products}
    for product_id, product in chosen.items():
        if product_id not in kept:
            certificate.covered_products.append(CertificateProduct(product=product))
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
