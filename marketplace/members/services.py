"""Writes to membership: apply, the decisions on an application or a member,
and a member's own commission rate (the shop profile is members/shop.py).
Services flush, never commit; the caller commits once and delivers the
queued emails after."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import grant_role, revoke_role
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.core.errors import DomainError
from marketplace.core.money import is_rate
from marketplace.core.whatsapp import InvalidWhatsapp, normalise_whatsapp
from marketplace.extensions import db
from marketplace.members.models import (
    Kecamatan,
    Member,
    MemberDecision,
    MemberStatus,
)

NIB_PATTERN = re.compile(r"[0-9]{13}")  # the NIB issued by OSS has 13 digits
ACCOUNT_NUMBER_PATTERN = re.compile(r"[0-9]{6,20}")
_NUMBER_SEPARATORS = re.compile(r"[\s\-.]")
SLUG_LENGTH = 120  # the column holds 140: room for "-2", "-3"...

STATUS_LABELS = {
    MemberStatus.PENDING: "Menunggu persetujuan",
    MemberStatus.APPROVED: "Aktif",
    MemberStatus.REJECTED: "Ditolak",
    MemberStatus.SUSPENDED: "Dibekukan",
}


class MemberError(DomainError):
    """A membership rule refused the change."""


class MemberAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    RESUBMIT = "resubmit"  # the applicant corrects a rejected application


# The state machine: each action moves a membership from one status to another.
TRANSITIONS: dict[MemberAction, tuple[MemberStatus, MemberStatus]] = {
    MemberAction.APPROVE: (MemberStatus.PENDING, MemberStatus.APPROVED),
    MemberAction.REJECT: (MemberStatus.PENDING, MemberStatus.REJECTED),
    MemberAction.SUSPEND: (MemberStatus.APPROVED, MemberStatus.SUSPENDED),
    MemberAction.REINSTATE: (MemberStatus.SUSPENDED, MemberStatus.APPROVED),
    MemberAction.RESUBMIT: (MemberStatus.REJECTED, MemberStatus.PENDING),
}
ADMIN_ACTIONS = (
    MemberAction.APPROVE,
    MemberAction.REJECT,
    MemberAction.SUSPEND,
    MemberAction.REINSTATE,
)
REFUSALS = {
    MemberAction.APPROVE: "Hanya pengajuan yang menunggu persetujuan yang bisa disetujui.",
    MemberAction.REJECT: "Hanya pengajuan yang menunggu persetujuan yang bisa ditolak.",
    MemberAction.SUSPEND: "Hanya anggota yang aktif yang bisa dibekukan.",
    MemberAction.REINSTATE: "Hanya anggota yang sedang dibekukan yang bisa diaktifkan kembali.",
    MemberAction.RESUBMIT: "Pengajuan hanya bisa diperbaiki dan dikirim ulang setelah ditolak.",
}
REASON_NEEDED = {
    MemberAction.REJECT: (
        "Tuliskan alasan penolakan, supaya pemohon tahu apa yang perlu diperbaiki."
    ),
    MemberAction.SUSPEND: "Tuliskan alasan pembekuan; anggota akan membacanya.",
}
EMAILS = {  # action -> (template, subject)
    MemberAction.APPROVE: (
        "member_approved",
        "Selamat, {shop} sudah menjadi anggota Pasar Aspikmas",
    ),
    MemberAction.REJECT: ("member_rejected", "Pengajuan anggota {shop} perlu diperbaiki"),
    MemberAction.SUSPEND: ("member_suspended", "Keanggotaan {shop} dibekukan sementara"),
    MemberAction.REINSTATE: ("member_reinstated", "Keanggotaan {shop} aktif kembali"),
}
AUDITED = {  # action -> (audit action, summary)
    MemberAction.APPROVE: (AuditAction.MEMBER_APPROVED, "{shop} disetujui menjadi anggota"),
    MemberAction.REJECT: (AuditAction.MEMBER_REJECTED, "Pengajuan {shop} ditolak"),
    MemberAction.SUSPEND: (AuditAction.MEMBER_SUSPENDED, "Keanggotaan {shop} dibekukan"),
    MemberAction.REINSTATE: (
        AuditAction.MEMBER_REINSTATED,
        "Keanggotaan {shop} diaktifkan kembali",
    ),
}


@dataclass(frozen=True)
class ApplicationDetails:
    """What an applicant tells us about their UMKM."""

    shop_name: str
    owner_name: str
    kecamatan_id: int
    desa: str
    address: str
    whatsapp: str
    description: str
    bank_name: str
    bank_account_number: str
    bank_account_holder: str
    nib: str | None = None


def allowed_actions(status: MemberStatus) -> list[MemberAction]:
    """What an admin may do with a membership in `status`."""
    return [action for action in ADMIN_ACTIONS if TRANSITIONS[action][0] == status]


# --- applying -------------------------------------------------------------


def checked_whatsapp(number: str) -> str:
    """The number as stored (628…), or a MemberError that says why not."""
    try:
        return normalise_whatsapp(number)
    except InvalidWhatsapp as error:
        raise MemberError(error.message) from error


def normalise_nib(nib: str | None) -> str | None:
    """`1234 5678 9012 3` -> `1234567890123`; empty -> None."""
    digits = _NUMBER_SEPARATORS.sub("", nib or "")
    if not digits:
        return None
    if not NIB_PATTERN.fullmatch(digits):
        raise MemberError(
            "NIB terdiri dari 13 angka, seperti tertulis di dokumen OSS. "
            "Kosongkan jika belum punya."
        )
    return digits


def normalise_account_number(number: str) -> str:
    digits = _NUMBER_SEPARATORS.sub("", number or "")
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(digits):
        raise MemberError("Nomor rekening berisi 6 sampai 20 angka.")
    return digits


def required_text(value: str, message: str) -> str:
    """`value` without its surrounding spaces; empty: a MemberError with `message`."""
    value = (value or "").strip()
    if not value:
        raise MemberError(message)
    return value


def _application_values(details: ApplicationDetails) -> dict:
    """The application checked and tidied, as Member column values."""
    kecamatan = db.session.get(Kecamatan, details.kecamatan_id)
    if kecamatan is None:
        raise MemberError("Pilih kecamatan tempat usaha Anda.")
    return {
        "shop_name": required_text(details.shop_name, "Isi nama toko atau usaha Anda."),
        "owner_name": required_text(details.owner_name, "Isi nama pemilik usaha."),
        "kecamatan": kecamatan,
        "desa": required_text(details.desa, "Isi desa atau kelurahan tempat usaha Anda."),
        "address": required_text(details.address, "Isi alamat usaha Anda."),
        "whatsapp": checked_whatsapp(details.whatsapp),
        "nib": normalise_nib(details.nib),
        "description": (details.description or "").strip(),
        "bank_name": required_text(
            details.bank_name, "Isi nama bank untuk pembayaran hasil penjualan."
        ),
        "bank_account_number": normalise_account_number(details.bank_account_number),
        "bank_account_holder": required_text(
            details.bank_account_holder, "Isi nama pemilik rekening."
        ),
    }


def unique_slug(shop_name: str, *, exclude_member_id: int | None = None) -> str:
    """A slug for the shop's address `/toko/<slug>`, made unique with -2, -3..."""
    base = slugify(shop_name, max_length=SLUG_LENGTH, word_boundary=True) or "toko"
    statement = select(Member.slug).where((Member.slug == base) | Member.slug.like(f"{base}-%"))
    if exclude_member_id is not None:
        statement = statement.where(Member.id != exclude_member_id)
    taken = set(db.session.scalars(statement))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _flush_member() -> None:
    """Flush; the UNIQUE constraints decide a race the checks before could not see."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise MemberError(
            "Pengajuan tidak dapat disimpan karena ada data yang baru saja berubah. "
            "Silakan kirim sekali lagi."
        ) from error


def apply_for_membership(*, user: User, details: ApplicationDetails) -> Member:
    """A user applies to become a member: one membership per user, pending."""
    if db.session.scalar(select(func.count(Member.id)).where(Member.user_id == user.id)):
        raise MemberError(
            "Anda sudah pernah mengajukan keanggotaan. Lihat statusnya di halaman Keanggotaan."
        )
    values = _application_values(details)
    member = Member(
        user=user,
        slug=unique_slug(values["shop_name"]),
        status=MemberStatus.PENDING,
        **values,
    )
    db.session.add(member)
    _flush_member()
    return member


# --- decisions ------------------------------------------------------------


def _lock(member: Member) -> Member:
    """Hold the member's row until commit, and read its status afresh."""
    return db.session.scalars(
        select(Member)
        .where(Member.id == member.id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    ).one()


def set_status(
    *, member: Member, action: MemberAction, by: User, reason: str = ""
) -> MemberDecision:
    """Move `member` through `action` if the state machine allows it from its
    current status, and record the decision. Everything else is refused."""
    if action in ADMIN_ACTIONS and by.id == member.user_id:
        raise MemberError(
            "Anda tidak bisa memutuskan keanggotaan toko Anda sendiri. Minta pengurus lain."
        )
    member = _lock(member)
    source, target = TRANSITIONS[action]
    if member.status != source:
        label = STATUS_LABELS[MemberStatus(member.status)].lower()
        raise MemberError(f"{REFUSALS[action]} Status {member.shop_name} sekarang: {label}.")
    reason = (reason or "").strip()
    if action in REASON_NEEDED and not reason:
        raise MemberError(REASON_NEEDED[action])
    decision = MemberDecision(
        member=member, decided_by=by, from_status=source, to_status=target, reason=reason
    )
    member.status = target
    db.session.add(decision)
    if action in AUDITED:
        audited, summary = AUDITED[action]
        audit.record(
            actor=by,
            action=audited,
            subject=("member", member.id),
            summary=summary.format(shop=member.shop_name),
            before={"status": source.value},
            after={"status": target.value, "reason": reason},
        )
    db.session.flush()
    return decision


def _notify(member: Member, action: MemberAction, reason: str) -> None:
    template, subject = EMAILS[action]
    queue_email(
        recipient=member.user.email,
        template=template,
        subject=subject.format(shop=member.shop_name),
        member=member,
        reason=reason.strip(),
    )


def approve_member(*, member: Member, admin: User, reason: str = "") -> Member:
    """Pending -> approved: the user becomes a member and their shop goes public.
    `reason` is an optional note for the applicant."""
    set_status(member=member, action=MemberAction.APPROVE, by=admin, reason=reason)
    member.approved_at = datetime.now(UTC)
    member.rejection_reason = ""
    grant_role(user=member.user, role=Role.MEMBER)
    _notify(member, MemberAction.APPROVE, reason)
    return member


def reject_member(*, member: Member, admin: User, reason: str) -> Member:
    """Pending -> rejected, with the reason the applicant reads and can act on."""
    set_status(member=member, action=MemberAction.REJECT, by=admin, reason=reason)
    member.rejection_reason = reason.strip()
    _notify(member, MemberAction.REJECT, reason)
    return member


def suspend_member(*, member: Member, admin: User, reason: str) -> Member:
    """Approved -> suspended: the shop and its products leave the public
    pages at once (they show approved members only); the data stays."""
    set_status(member=member, action=MemberAction.SUSPEND, by=admin, reason=reason)
    revoke_role(user=member.user, role=Role.MEMBER)
    _notify(member, MemberAction.SUSPEND, reason)
    return member


def reinstate_member(*, member: Member, admin: User, reason: str = "") -> Member:
    """Suspended -> approved: the shop is public again."""
    set_status(member=member, action=MemberAction.REINSTATE, by=admin, reason=reason)
    grant_role(user=member.user, role=Role.MEMBER)
    _notify(member, MemberAction.REINSTATE, reason)
    return member


def resubmit_application(*, member: Member, details: ApplicationDetails) -> Member:
    """Rejected -> pending: the applicant corrects the application and sends it again."""
    values = _application_values(details)
    set_status(
        member=member,
        action=MemberAction.RESUBMIT,
        by=member.user,
        reason="Pengajuan diperbaiki dan dikirim ulang.",
    )
    if values["shop_name"] != member.shop_name:  # never public yet: the address may follow
        member.slug = unique_slug(values["shop_name"], exclude_member_id=member.id)
    for name, value in values.items():
        setattr(member, name, value)
    member.rejection_reason = ""
    _flush_member()
    return member


# --- the commission rate --------------------------------------------------


def set_member_commission(*, member: Member, rate_bps: int | None, by: User) -> Member:
    """The admin's own commission rate for `member`'s sales, in basis points
    (250 = 2,5 %); None clears it, so the category's rate or the default
    applies. Past orders keep the rate they were sold at."""
    if rate_bps is not None and not is_rate(rate_bps):
        raise MemberError("Komisi harus antara 0 % dan 100 %.")
    before = member.commission_bps
    member.commission_bps = rate_bps
    if before != rate_bps:
        audit.record(
            actor=by,
            action=AuditAction.COMMISSION_CHANGED,
            subject=("member", member.id),
            summary=f"Komisi khusus {member.shop_name} diubah",
            before={"commission_bps": before},
            after={"commission_bps": rate_bps},
        )
    db.session.flush()
    return member
