"""Appointing and removing chapter officers, who an officer is, and an
officer's word on a membership application. Each change is recorded in the
audit log in the caller's transaction; the caller commits once."""

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.chapters.models import (
    VERDICT_LABELS,
    ChapterOfficer,
    ChapterRecommendation,
    Verdict,
)
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.members import services as member_services
from marketplace.members.models import Kecamatan, Member, MemberStatus

REASON_LIMIT = 2000


class ChapterError(DomainError):
    """A chapter rule refused the change."""


# --- who is an officer --------------------------------------------------------


def live_appointments(user_id: int):
    """The statement for `user_id`'s appointments not removed, by kecamatan name."""
    return (
        select(ChapterOfficer)
        .join(Kecamatan, Kecamatan.id == ChapterOfficer.kecamatan_id)
        .where(ChapterOfficer.user_id == user_id, ChapterOfficer.removed_at.is_(None))
        .order_by(Kecamatan.name)
    )


def chapters_of(user: User) -> list[Kecamatan]:
    """The kecamatan `user` is an officer of now (none for everyone else)."""
    return [row.kecamatan for row in db.session.scalars(live_appointments(user.id))]


def is_officer_of(user: User, kecamatan_id: int) -> bool:
    return (
        db.session.scalar(
            select(ChapterOfficer.id).where(
                ChapterOfficer.user_id == user.id,
                ChapterOfficer.kecamatan_id == kecamatan_id,
                ChapterOfficer.removed_at.is_(None),
            )
        )
        is not None
    )


# --- appointments -------------------------------------------------------------


def appoint(*, user: User, kecamatan: Kecamatan, by: User) -> ChapterOfficer:
    """Make `user` an officer of `kecamatan`; refused if they already are."""
    if not user.is_active:
        raise ChapterError("Akun ini tidak aktif, jadi tidak bisa diangkat menjadi pengurus.")
    if is_officer_of(user, kecamatan.id):
        raise ChapterError(f"{user.name} sudah menjadi pengurus Kecamatan {kecamatan.name}.")
    appointment = ChapterOfficer(user=user, kecamatan=kecamatan, appointed_by=by)
    db.session.add(appointment)
    db.session.flush()
    audit.record(
        actor=by,
        action=AuditAction.OFFICER_APPOINTED,
        subject=("chapter_officer", appointment.id),
        summary=f"{user.name} diangkat menjadi pengurus Kecamatan {kecamatan.name}",
        after={"user_id": user.id, "kecamatan": kecamatan.slug},
    )
    return appointment


def remove(*, appointment: ChapterOfficer, by: User) -> ChapterOfficer:
    """End an appointment (kept as history); every right it gave ends with it."""
    if appointment.removed_at is not None:
        raise ChapterError("Pengurus ini sudah diberhentikan.")
    appointment.removed_at = datetime.now(UTC)
    appointment.removed_by = by
    audit.record(
        actor=by,
        action=AuditAction.OFFICER_REMOVED,
        subject=("chapter_officer", appointment.id),
        summary=(
            f"{appointment.user.name} diberhentikan dari pengurus "
            f"Kecamatan {appointment.kecamatan.name}"
        ),
        before={"user_id": appointment.user_id, "kecamatan": appointment.kecamatan.slug},
    )
    db.session.flush()
    return appointment


# --- applications -------------------------------------------------------------


def _checked(member: Member, officer: User, reason: str) -> str:
    if not is_officer_of(officer, member.kecamatan_id):
        raise ChapterError("Pengajuan ini bukan dari kecamatan Anda.")
    if member.status != MemberStatus.PENDING:
        raise ChapterError("Hanya pengajuan yang menunggu persetujuan yang bisa dinilai.")
    reason = (reason or "").strip()
    if not reason:
        raise ChapterError("Tuliskan alasannya; pengurus kabupaten akan membacanya.")
    if len(reason) > REASON_LIMIT:
        raise ChapterError(f"Alasan paling panjang {REASON_LIMIT} karakter.")
    return reason


def recommend(
    *, member: Member, officer: User, verdict: Verdict, reason: str
) -> ChapterRecommendation:
    """Record the officer's advice on a pending application of their kecamatan."""
    reason = _checked(member, officer, reason)
    recommendation = ChapterRecommendation(
        member=member, officer=officer, verdict=verdict, reason=reason
    )
    db.session.add(recommendation)
    db.session.flush()
    audit.record(
        actor=officer,
        action=AuditAction.MEMBER_RECOMMENDED,
        subject=("member", member.id),
        summary=f"{VERDICT_LABELS[verdict]}: {member.shop_name}",
        after={"verdict": verdict.value, "reason": reason},
    )
    return recommendation


def decide(*, member: Member, officer: User, verdict: Verdict, reason: str) -> Member:
    """The officer decides the application directly (CHAPTER_CAN_APPROVE on),
    through the admin's own member services: the same decision, email and
    audit event as when the regency admin decides."""
    if not current_app.config["CHAPTER_CAN_APPROVE"]:
        raise ChapterError("Keputusan pengajuan ada di pengurus kabupaten.")
    reason = _checked(member, officer, reason)
    if verdict == Verdict.APPROVE:
        return member_services.approve_member(member=member, admin=officer, reason=reason)
    return member_services.reject_member(member=member, admin=officer, reason=reason)


# --- assisted selling ---------------------------------------------------------


def ensure_can_help(officer: User, member: Member) -> None:
    """An officer helps the approved members of their own kecamatan only."""
    if not is_officer_of(officer, member.kecamatan_id):
        raise ChapterError("Anggota ini bukan dari kecamatan Anda.")
    if member.status != MemberStatus.APPROVED:
        raise ChapterError("Hanya anggota aktif yang bisa dibantu mengurus produknya.")
