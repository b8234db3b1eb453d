"""The rules of a certificate: its state machine, where it stands on a
day, what a member and an admin see of it, and the CertificateError every
refusal raises. Pure: no queries, no writes."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.core.clock import WIB
from marketplace.core.errors import DomainError

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
