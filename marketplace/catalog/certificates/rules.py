"""The rules of a certificate: its state machine, where it stands on a
day, what a member and an admin see of it, and the CertificateError every
refusal raises. Pure: no queries, no writes."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from marketplace.catalog.models import (
    CERTIFICATE_LABELS,
    Certificate,
    CertificateKind,
    CertificateStatus,
)
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

SHOP_ONLY_REFUSED = (
    "Sertifikat Laik Higiene berlaku untuk tempat produksi, bukan untuk satu produk: "
    "catat untuk seluruh toko."
)

# What each kind certifies, as the shopper reads it when they tap a badge.
CERTIFICATE_MEANINGS = {
    CertificateKind.PIRT: (
        "Sertifikat Produksi Pangan Industri Rumah Tangga: izin edar pangan olahan rumahan "
        "yang terbit setelah penyuluhan keamanan pangan dan pemeriksaan tempat produksi."
    ),
    CertificateKind.HALAL: (
        "Sertifikat halal dari BPJPH Kementerian Agama: bahan dan cara membuatnya sudah "
        "diperiksa dan dinyatakan halal."
    ),
    CertificateKind.BPOM_MD: (
        "Nomor izin edar Badan POM untuk pangan olahan buatan dalam negeri: komposisi, label, "
        "dan cara produksinya sudah dinilai Badan POM."
    ),
    CertificateKind.BPOM_ML: (
        "Nomor izin edar Badan POM untuk pangan olahan dari luar negeri: sudah dinilai "
        "Badan POM sebelum boleh dijual di Indonesia."
    ),
    CertificateKind.LAIK_HIGIENE: (
        "Sertifikat Laik Higiene Sanitasi dari Dinas Kesehatan: tempat produksinya sudah "
        "diperiksa dan memenuhi syarat kebersihan dan sanitasi."
    ),
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
    """A shown certificate as a shopper sees it: its kind, and what a tap on
    it tells (what it is, its number, issuer and expiry date)."""

    kind: CertificateKind
    number: str
    issuer: str
    expires_on: date | None

    @property
    def label(self) -> str:
        return CERTIFICATE_LABELS[self.kind]

    @property
    def meaning(self) -> str:
        return CERTIFICATE_MEANINGS[self.kind]


@dataclass(frozen=True)
class Badges:
    """The badges of a page: of each product (by product id: the
    certificates that name it or cover it, verified) and of each shop (by
    member id: its own certificates, "Toko bersertifikat ..."). None: absent."""

    products: dict[int, list[Badge]]
    shops: dict[int, list[Badge]]


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
    can_cover: bool


def summarise(certificate: Certificate, on: date) -> Summary:
    found = standing(certificate, on)
    return Summary(
        certificate=certificate,
        standing=found,
        label=STANDING_LABELS[found],
        warning=expiry_warning(certificate, on),
        can_change=can_be_changed(certificate),
        can_delete=can_be_deleted(certificate, on),
        can_cover=can_cover_products(certificate, on),
    )


def can_be_changed(certificate: Certificate) -> bool:
    """A member may correct a pending or rejected certificate."""
    return certificate.status in (CertificateStatus.PENDING, CertificateStatus.REJECTED)


def cover_refusal(certificate: Certificate, on: date) -> str | None:
    """Why the member may not tick the products this certificate covers, or
    None: only a shop's certificate waiting or shown, and never Laik
    Higiene (it covers the place of production, not products)."""
    if certificate.product_id is not None:
        return (
            "Sertifikat ini atas nama satu produk. Untuk produk lain, catat sertifikatnya sendiri."
        )
    if certificate.is_shop_only:
        return (
            "Sertifikat Laik Higiene berlaku untuk tempat produksi: tampil sebagai lencana toko, "
            "bukan lencana produk."
        )
    if standing(certificate, on) not in (Standing.PENDING, Standing.VERIFIED):
        return "Sertifikat yang ditolak atau kedaluwarsa tidak bisa dipakai untuk produk."
    return None


def can_cover_products(certificate: Certificate, on: date) -> bool:
    return cover_refusal(certificate, on) is None


def can_be_deleted(certificate: Certificate, on: date) -> bool:
    """A member may delete what is not (or no longer) a shown badge."""
    return can_be_changed(certificate) or standing(certificate, on) == Standing.EXPIRED
