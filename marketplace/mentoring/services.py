"""What the admin, the mentor and the member do with a cohort. Each service
changes the session and flushes; the view commits. Whatever a mentor does
on a member's behalf is attributed: a listing they draft and a suggestion
they write carry a catalog ProductChange (who, for which member's product,
when) that the member reads on the product's edit page; a visit names its
pairing, so its mentor and member."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts import tokens
from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import grant_role, normalise_email
from marketplace.audit.models import AuditAction
from marketplace.audit.services import record
from marketplace.catalog.models import Product, ProductChange, ProductChangeKind, ProductStatus
from marketplace.catalog.photos import (
    PhotoRefused,
    checked_photos,
    create_product_with_photos,
    saving,
)
from marketplace.core.errors import DomainError
from marketplace.core.storage import LocalStorage
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit, VisitPhoto

INVITE_KIND = "mentor"
INVITE_MAX_AGE = 30 * 24 * 3600  # a month to take up the invitation
MAX_NOTE = 2000
MAX_VISIT_PHOTOS = 3
# Where visit photos are stored: not one of the folders /media serves
# (catalog.views.public.PUBLIC_FOLDERS); mentoring.views.visit_photo does.
VISIT_FOLDER = "visits"
# What the member's email says the mentor did (the ProductChange's kind).
TOLD = {
    ProductChangeKind.DRAFTED: "menyusun draf produk untuk toko Anda",
    ProductChangeKind.SUGGESTION: "memberi saran untuk produk Anda",
}


class MentoringError(DomainError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def mentor_words(mentor: Mentor) -> str:
    """How the member reads who acted on their behalf."""
    return f"Pendamping kampus {mentor.cohort.campus}"


# --- the admin -----------------------------------------------------------------


def create_cohort(
    *, campus: str, programme: str, starts_on: date, ends_on: date, by: User
) -> Cohort:
    campus, programme = campus.strip(), programme.strip()
    if not campus or not programme:
        raise MentoringError("Isi kampus dan nama program.")
    if starts_on > ends_on:
        raise MentoringError("Tanggal selesai tidak boleh sebelum tanggal mulai.")
    cohort = Cohort(
        campus=campus,
        programme=programme,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=by.id,
    )
    db.session.add(cohort)
    db.session.flush()
    record(
        actor=by,
        action=AuditAction.COHORT_CREATED,
        subject=("cohort", cohort.id),
        summary=f"{campus}: {programme} ({starts_on:%d-%m-%Y} s.d. {ends_on:%d-%m-%Y})",
    )
    return cohort


def invite_mentor(*, cohort: Cohort, email: str, name: str, by: User, secret_key: str) -> Mentor:
    """Email `email` a link to join the cohort as a mentor; whoever has no
    account yet registers through it with that email."""
    email, name = normalise_email(email), name.strip()
    if not name:
        raise MentoringError("Isi nama pendamping.")
    taken = db.session.scalar(
        select(Mentor.id).where(Mentor.cohort_id == cohort.id, Mentor.email == email)
    )
    if taken is not None:
        raise MentoringError(f"{email} sudah diundang ke angkatan ini.")
    mentor = Mentor(cohort=cohort, email=email, name=name)
    db.session.add(mentor)
    db.session.flush()
    token = tokens.make_invite_token(
        kind=INVITE_KIND, invitation_id=mentor.id, email=email, secret_key=secret_key
    )
    queue_email(
        recipient=email,
        template="mentor_invitation",
        subject=f"Undangan pendamping kampus {cohort.campus} di Pasar Aspikmas",
        name=name,
        cohort=cohort,
        invite_url=public_url("mentoring.invitation", token=token),
    )
    record(
        actor=by,
        action=AuditAction.MENTOR_INVITED,
        subject=("cohort", cohort.id),
        summary=f"{name} <{email}> diundang ke {cohort.campus}: {cohort.programme}",
    )
    return mentor


def propose_pairing(*, mentor: Mentor, member: Member, by: User) -> Pairing:
    if member.status != MemberStatus.APPROVED:
        raise MentoringError("Hanya anggota yang sudah disetujui yang bisa didampingi.")
    existing = db.session.scalar(
        select(Pairing).where(Pairing.mentor_id == mentor.id, Pairing.member_id == member.id)
    )
    if existing is not None:
        raise MentoringError(f"{mentor.name} sudah dipasangkan dengan {member.shop_name}.")
    pairing = Pairing(mentor=mentor, member=member)
    db.session.add(pairing)
    db.session.flush()
    record(
        actor=by,
        action=AuditAction.PAIRING_PROPOSED,
        subject=("member", member.id),
        summary=f"{mentor.name} ({mentor.cohort.campus}) dipasangkan dengan {member.shop_name}",
    )
    return pairing


def end_pairing(*, pairing: Pairing, by: User) -> Pairing:
    if pairing.ended_at is not None:
        raise MentoringError("Pendampingan ini sudah berakhir.")
    pairing.ended_at = _now()
    record(
        actor=by,
        action=AuditAction.PAIRING_ENDED,
        subject=("member", pairing.member_id),
        summary=f"{pairing.mentor.name} tidak lagi mendampingi {pairing.member.shop_name}",
    )
    db.session.flush()
    return pairing


# --- the invited mentor and the member ----------------------------------------------


def mentor_for_token(*, token: str, secret_key: str) -> Mentor:
    found = tokens.read_invite_token(
        kind=INVITE_KIND, token=token, secret_key=secret_key, max_age=INVITE_MAX_AGE
    )
    mentor = db.session.get(Mentor, found[0]) if found else None
    if mentor is None or found is None or mentor.email != found[1]:
        raise MentoringError("Tautan undangan ini tidak berlaku atau sudah kedaluwarsa.")
    return mentor


def accept_invitation(*, mentor: Mentor, user: User) -> Mentor:
    """The invited person, logged in with the invited email, joins."""
    if normalise_email(user.email) != mentor.email:
        raise MentoringError(
            f"Undangan ini untuk {mentor.email}. Masuk dengan akun email tersebut."
        )
    if mentor.user_id is not None and mentor.user_id != user.id:
        raise MentoringError("Undangan ini sudah dipakai.")
    if mentor.accepted_at is None:
        mentor.user_id, mentor.accepted_at = user.id, _now()
    grant_role(user=user, role=Role.MENTOR)
    db.session.flush()
    return mentor


def accept_pairing(*, pairing: Pairing, member: Member) -> Pairing:
    if pairing.member_id != member.id:
        raise MentoringError("Pendampingan tidak ditemukan.")
    if pairing.ended_at is not None:
        raise MentoringError("Pendampingan ini sudah berakhir.")
    if pairing.accepted_at is None:
        pairing.accepted_at = _now()
        db.session.flush()
    return pairing


# --- the mentor, for a paired member -------------------------------------------------


def write_note(
    product: Product, mentor: Mentor, kind: ProductChangeKind, body: str
) -> ProductChange:
    if mentor.user_id is None:  # mentoring.access lets in accepted mentors only
        raise MentoringError("Undangan pendamping belum diterima.")
    note = ProductChange(
        product_id=product.id,
        member_id=product.member_id,
        changed_by_id=mentor.user_id,
        kind=kind,
        acting_as=mentor_words(mentor),
        summary=body,
    )
    db.session.add(note)
    return note


def tell_member(product: Product, mentor: Mentor, note: ProductChange) -> None:
    """Email the member what the mentor did on their product (a draft, a
    suggestion), sent after the commit (accounts.mail_after_commit): a mail
    server that is down leaves it in the outbox and the change stands."""
    member = product.member
    queue_email(
        recipient=member.user.email,
        template="product_mentored",
        subject=f"{mentor.name} {TOLD[note.kind]}: “{product.name}”",
        member=member,
        product=product,
        mentor=mentor,
        campus=mentor.cohort.campus,
        is_draft=note.kind == ProductChangeKind.DRAFTED,
        summary=note.summary,
        link=public_url("catalog.manage.edit", product_id=product.id),
    )


def draft_product(
    *,
    pairing: Pairing,
    uploads: Sequence[bytes],
    store: LocalStorage,
    name: str,
    **details: Any,
) -> Product:
    """A listing the mentor drafts for the member: always a draft (only the
    member publishes it), owned by the member, marked as drafted by whom."""
    details.pop("status", None)
    product = create_product_with_photos(
        member=pairing.member,
        name=name,
        uploads=uploads,
        store=store,
        status=ProductStatus.DRAFT,
        **details,
    )
    note = write_note(
        product,
        pairing.mentor,
        ProductChangeKind.DRAFTED,
        "Draf disusun oleh pendamping. Periksa, ubah bila perlu, lalu tayangkan sendiri.",
    )
    db.session.flush()
    tell_member(product, pairing.mentor, note)
    return product


def suggest(*, pairing: Pairing, product: Product, body: str) -> ProductChange:
    body = body.strip()
    if product.member_id != pairing.member_id:
        raise MentoringError("Produk tidak ditemukan.")
    if not body:
        raise MentoringError("Tulis sarannya.")
    if len(body) > MAX_NOTE:
        raise MentoringError(f"Saran paling panjang {MAX_NOTE} karakter.")
    note = write_note(product, pairing.mentor, ProductChangeKind.SUGGESTION, body)
    db.session.flush()
    tell_member(product, pairing.mentor, note)
    return note


def log_visit(
    *,
    pairing: Pairing,
    visited_on: date,
    topic: str,
    notes: str,
    today: date,
    uploads: Sequence[bytes] = (),
    store: LocalStorage,
) -> Visit:
    """The visit and its photos (at most MAX_VISIT_PHOTOS, checked and
    re-encoded as product photos are, all or none): a refused photo
    (PhotoRefused) refuses the visit, leaving no row and no file."""
    cohort = pairing.mentor.cohort
    if not cohort.starts_on <= visited_on <= min(today, cohort.ends_on):
        raise MentoringError(
            "Tanggal kunjungan harus dalam masa program dan tidak boleh setelah hari ini."
        )
    topic, notes = topic.strip(), notes.strip()
    if not topic:
        raise MentoringError("Isi topik kunjungan.")
    if len(uploads) > MAX_VISIT_PHOTOS:
        raise PhotoRefused(f"Paling banyak {MAX_VISIT_PHOTOS} foto per kunjungan.")
    processed = checked_photos(uploads)
    visit = Visit(pairing=pairing, visited_on=visited_on, topic=topic, notes=notes)
    db.session.add(visit)
    with saving(store, folder=VISIT_FOLDER) as save:
        visit.photos = [
            VisitPhoto(
                thumb_key=save(image.thumb, image.suffix),
                large_key=save(image.large, image.suffix),
                position=position,
            )
            for position, image in enumerate(processed)
        ]
        db.session.flush()
    return visit


def count_pending(member_id: int) -> int:
    """Pairings the member has yet to accept (their dashboard says so)."""
    return (
        db.session.scalar(
            select(func.count(Pairing.id)).where(
                Pairing.member_id == member_id,
                Pairing.accepted_at.is_(None),
                Pairing.ended_at.is_(None),
            )
        )
        or 0
    )
