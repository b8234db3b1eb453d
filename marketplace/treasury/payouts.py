"""Paying members (issue 14, DESIGN.md Ledger: payout postings): prepare a
batch, approve or reject it, record each line transferred or failed. Each
service locks what it changes, checks the rule, posts through the rules
below, records its audit event and flushes; the caller commits once.

The postings (debit positive, credit negative), one transaction per line
and event, keyed by the line so that a second recording posts nothing:

    prepared (held)   payable:member:<id>:available  +amount
                      payable:member:<id>:in-payout  -amount
    transferred       payable:member:<id>:in-payout  +amount
                      cash:bank                      -amount
    failed/rejected   payable:member:<id>:in-payout  +amount
                      payable:member:<id>:available  -amount

A line's amount is what the member may be paid: the natural balance of
their available payable, which already nets the commission they owe on
cash sales (that commission is debited to it). A payout never exceeds it,
even when two treasurers prepare at once: the members' rows are locked
(SELECT ... FOR UPDATE, in id order) before their balances are read, so a
second preparation waits and then reads what the first one held."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.core.money import format_rupiah
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.ledger.errors import LedgerError
from marketplace.ledger.models import LedgerTransaction, TransactionKind
from marketplace.ledger.services import post
from marketplace.members.models import Member
from marketplace.orders.settlement import CASH_BANK, account_names, available_account
from marketplace.treasury.models import BatchStatus, LineStatus, PayoutBatch, PayoutLine
from marketplace.treasury.services import REASON_MAX, REASON_MIN, TreasuryError

MEMBER_PREFIX = "payable:member"
REFERENCE_MAX = 100
# The batch moves only along these; anything else is refused.
TRANSITIONS = {
    BatchStatus.PREPARED: {BatchStatus.APPROVED, BatchStatus.REJECTED, BatchStatus.DONE},
    BatchStatus.APPROVED: {BatchStatus.DONE},
}


class PayoutError(TreasuryError):
    """A payout action was refused; nothing of it is written."""


def in_payout_account(member_id: int) -> str:
    return f"payable:member:{member_id}:in-payout"


def has_bank_details(member: Member) -> bool:
    return all(
        value.strip()
        for value in (member.bank_name, member.bank_account_number, member.bank_account_holder)
    )


def available_balances(member_ids: Sequence[int]) -> dict[int, int]:
    """{member id: available balance} (natural sign: what the association owes)."""
    found = balances(MEMBER_PREFIX)
    return {member_id: found.get(available_account(member_id), 0) for member_id in member_ids}


# --- postings ------------------------------------------------------------------------


def _post(
    *, line: PayoutLine, event: str, entries: list[tuple[str, int]], memo: str, by: User
) -> LedgerTransaction:
    try:
        return post(
            key=f"payout-line:{line.id}:{event}",
            kind=TransactionKind.PAYOUT,
            entries=entries,
            names=account_names(code for code, _ in entries),
            subject=("payout", line.batch_id),
            memo=memo,
            recorded_by=by,
        )
    except LedgerError as refused:
        raise PayoutError(f"Buku besar menolak pencatatan: {refused.message}") from refused


def post_hold(*, line: PayoutLine, by: User) -> LedgerTransaction:
    """The line's money leaves available, so no other batch can take it."""
    member_id = line.member_id
    return _post(
        line=line,
        event="hold",
        entries=[
            (available_account(member_id), line.amount),
            (in_payout_account(member_id), -line.amount),
        ],
        memo=f"Batch BP-{line.batch_id}: pembayaran {line.member.shop_name} disiapkan",
        by=by,
    )


def post_transfer(*, line: PayoutLine, by: User) -> LedgerTransaction:
    """The bank paid the line: the association owes the member that much less."""
    return _post(
        line=line,
        event="transferred",
        entries=[(in_payout_account(line.member_id), line.amount), (CASH_BANK, -line.amount)],
        memo=(
            f"Batch BP-{line.batch_id}: transfer ke {line.member.shop_name} "
            f"(ref. {line.bank_reference})"
        ),
        by=by,
    )


def post_return(*, line: PayoutLine, by: User, why: str) -> LedgerTransaction:
    """The line was not paid (it failed, or its batch was rejected): its money
    is available again."""
    member_id = line.member_id
    return _post(
        line=line,
        event="returned",
        entries=[
            (in_payout_account(member_id), line.amount),
            (available_account(member_id), -line.amount),
        ],
        memo=f"Batch BP-{line.batch_id}: {why}; dana {line.member.shop_name} tersedia kembali",
        by=by,
    )


# --- the batch ------------------------------------------------------------------------


def _locked_members(member_ids: Sequence[int]) -> list[Member]:
    """The members, their rows locked in id order (PostgreSQL; SQLite has one writer)."""
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.id.in_(sorted(set(member_ids))))
            .order_by(Member.id)
            .with_for_update(of=Member)
            .execution_options(populate_existing=True)
        )
    )


def _line_amount(member: Member, available: int, requested: int | None) -> int:
    minimum = current_app.config["PAYOUT_MINIMUM"]
    shop = member.shop_name
    if not has_bank_details(member):
        raise PayoutError(
            f"Data rekening {shop} belum lengkap (nama bank, nomor rekening, dan nama pemilik "
            "rekening). Minta anggota melengkapinya di profil toko, lalu siapkan lagi."
        )
    amount = available if requested is None else requested
    if type(amount) is not int or amount <= 0:
        raise PayoutError(f"Jumlah pembayaran untuk {shop} harus lebih dari Rp0.")
    if amount > available:
        raise PayoutError(
            f"Saldo tersedia {shop} hanya {format_rupiah(max(available, 0))}, "
            f"tidak cukup untuk {format_rupiah(amount)}."
        )
    if amount < minimum:
        raise PayoutError(
            f"Pembayaran untuk {shop} ({format_rupiah(amount)}) di bawah batas minimum "
            f"{format_rupiah(minimum)}."
        )
    return amount


def prepare_batch(
    *, member_ids: Sequence[int], by: User, amounts: Mapping[int, int] | None = None
) -> PayoutBatch:
    """A batch with one line per member, each for `amounts[member id]` or, by
    default, the member's whole available balance; each line's money is held.
    Refused, with nothing written, when a member is unknown, lacks bank
    details, or has less available than asked or than PAYOUT_MINIMUM."""
    if not member_ids:
        raise PayoutError("Pilih paling sedikit satu anggota untuk dibayar.")
    amounts = amounts or {}
    members = _locked_members(member_ids)
    if len(members) != len(set(member_ids)):
        raise PayoutError("Ada anggota yang tidak ditemukan. Muat ulang halaman, lalu coba lagi.")
    available = available_balances([member.id for member in members])
    batch = PayoutBatch(status=BatchStatus.PREPARED, prepared_by_id=by.id)
    for member in members:
        amount = _line_amount(member, available[member.id], amounts.get(member.id))
        batch.lines.append(
            PayoutLine(
                member=member,
                amount=amount,
                bank_name=member.bank_name.strip(),
                bank_account_number=member.bank_account_number.strip(),
                bank_account_holder=member.bank_account_holder.strip(),
                status=LineStatus.HELD,
            )
        )
    db.session.add(batch)
    db.session.flush()
    for line in batch.lines:
        post_hold(line=line, by=by)
    audit.record(
        actor=by,
        action=AuditAction.PAYOUT_PREPARED,
        subject=("payout", batch.id),
        summary=(
            f"Batch {batch.code} disiapkan: {len(batch.lines)} anggota, "
            f"{format_rupiah(batch.total)}"
        ),
        after={
            "lines": [
                {"member": line.member_id, "amount": line.amount, "line": line.id}
                for line in batch.lines
            ]
        },
    )
    return batch


def locked_batch(batch_id: int) -> PayoutBatch | None:
    """The batch, its row locked and read afresh, with its lines: every
    change to a batch or its lines takes this first, so two officers act on
    it one after the other."""
    return db.session.scalars(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .with_for_update(of=PayoutBatch)
        .options(selectinload(PayoutBatch.lines).selectinload(PayoutLine.member))
        .execution_options(populate_existing=True)
    ).one_or_none()


def _move(batch: PayoutBatch, to: BatchStatus) -> None:
    if to not in TRANSITIONS.get(BatchStatus(batch.status), set()):
        raise PayoutError(
            f"Batch {batch.code} sudah berstatus “{BatchStatus(batch.status).label}”; "
            f"tidak dapat menjadi “{to.label}”."
        )
    batch.status = to


def _check_second_officer(batch: PayoutBatch, by: User, verb: str) -> None:
    if not by.has_role(Role.ADMIN):
        raise PayoutError(f"Hanya pengurus yang dapat {verb} batch pembayaran.")
    if by.id == batch.prepared_by_id:
        raise PayoutError(
            f"Anda menyiapkan batch {batch.code}, jadi tidak dapat {verb}nya sendiri. "
            "Minta pengurus lain memeriksanya."
        )


def approve_batch(*, batch: PayoutBatch, by: User) -> PayoutBatch:
    """A second officer (an admin who did not prepare it) approves the batch."""
    batch = _fresh(batch)
    _check_second_officer(batch, by, "menyetujui")
    _move(batch, BatchStatus.APPROVED)
    batch.approved_by_id = by.id
    batch.approved_at = datetime.now(UTC)
    audit.record(
        actor=by,
        action=AuditAction.PAYOUT_APPROVED,
        subject=("payout", batch.id),
        summary=f"Batch {batch.code} disetujui ({format_rupiah(batch.total)})",
        before={"status": BatchStatus.PREPARED.value},
        after={"status": batch.status.value},
    )
    db.session.flush()
    return batch


def reject_batch(*, batch: PayoutBatch, by: User, reason: str) -> PayoutBatch:
    """A second officer rejects the batch: every line's money is available again."""
    reason = _checked_text(reason, "alasan penolakan", REASON_MIN, REASON_MAX)
    batch = _fresh(batch)
    _check_second_officer(batch, by, "menolak")
    if any(line.status != LineStatus.HELD for line in batch.lines):
        raise PayoutError(f"Sebagian baris batch {batch.code} sudah dicatat; tidak dapat ditolak.")
    _move(batch, BatchStatus.REJECTED)
    batch.rejected_by_id = by.id
    batch.rejected_at = datetime.now(UTC)
    batch.rejection_reason = reason
    for line in batch.lines:
        post_return(line=line, by=by, why="batch ditolak")
    audit.record(
        actor=by,
        action=AuditAction.PAYOUT_REJECTED,
        subject=("payout", batch.id),
        summary=f"Batch {batch.code} ditolak: {reason}",
        before={"status": BatchStatus.PREPARED.value},
        after={"status": batch.status.value, "reason": reason},
    )
    db.session.flush()
    return batch


# --- the lines ------------------------------------------------------------------------


def record_transferred(*, line: PayoutLine, reference: str, by: User) -> PayoutLine:
    """The bank transferred the line (`reference`: the bank's): the payout is
    posted to cash:bank once, and the member is told by email."""
    reference = _checked_text(reference, "nomor referensi bank", 1, REFERENCE_MAX)
    batch, line = _recordable(line)
    line.status = LineStatus.TRANSFERRED
    line.bank_reference = reference
    _recorded(line, by)
    post_transfer(line=line, by=by)
    audit.record(
        actor=by,
        action=AuditAction.PAYOUT_TRANSFERRED,
        subject=("payout", batch.id),
        summary=(
            f"Batch {batch.code}: {format_rupiah(line.amount)} ditransfer ke "
            f"{line.member.shop_name} (ref. {reference})"
        ),
        before={"line": line.id, "status": LineStatus.HELD.value},
        after={"line": line.id, "status": line.status.value, "reference": reference},
    )
    _tell_member(line)
    _finish_if_complete(batch)
    return line


def record_failed(*, line: PayoutLine, reason: str, by: User) -> PayoutLine:
    """The bank could not pay the line: its money is available again."""
    reason = _checked_text(reason, "alasan kegagalan", 5, REASON_MAX)
    batch, line = _recordable(line)
    line.status = LineStatus.FAILED
    line.failure_reason = reason
    _recorded(line, by)
    post_return(line=line, by=by, why="transfer gagal")
    audit.record(
        actor=by,
        action=AuditAction.PAYOUT_FAILED,
        subject=("payout", batch.id),
        summary=f"Batch {batch.code}: transfer ke {line.member.shop_name} gagal: {reason}",
        before={"line": line.id, "status": LineStatus.HELD.value},
        after={"line": line.id, "status": line.status.value, "reason": reason},
    )
    _finish_if_complete(batch)
    return line


def _fresh(batch: PayoutBatch) -> PayoutBatch:
    found = locked_batch(batch.id)
    if found is None:
        raise PayoutError("Batch pembayaran tidak ditemukan.")
    return found


def _recordable(line: PayoutLine) -> tuple[PayoutBatch, PayoutLine]:
    """The line's batch, locked, and the line read afresh under that lock;
    refused unless the line still waits for its transfer and the batch may
    be paid (approved, or prepared when no approval is required)."""
    batch = _fresh(line.batch)
    line = next(found for found in batch.lines if found.id == line.id)
    if line.status != LineStatus.HELD:
        raise PayoutError(
            f"Pembayaran ke {line.member.shop_name} sudah dicatat ({LineStatus(line.status).label}); "
            "tidak dicatat dua kali."
        )
    approval = current_app.config["PAYOUT_REQUIRE_APPROVAL"]
    payable = {BatchStatus.APPROVED} | ({BatchStatus.PREPARED} if not approval else set())
    if batch.status not in payable:
        raise PayoutError(
            f"Batch {batch.code} berstatus “{BatchStatus(batch.status).label}”: transfer baru dicatat "
            "setelah batch disetujui pengurus."
        )
    return batch, line


def _recorded(line: PayoutLine, by: User) -> None:
    line.recorded_by_id = by.id
    line.recorded_at = datetime.now(UTC)
    db.session.flush()


def _finish_if_complete(batch: PayoutBatch) -> None:
    if all(line.status != LineStatus.HELD for line in batch.lines):
        _move(batch, BatchStatus.DONE)
        batch.done_at = datetime.now(UTC)
    db.session.flush()


def _tell_member(line: PayoutLine) -> None:
    member = line.member
    queue_email(
        recipient=member.user.email,
        template="order_update",
        subject=f"Pembayaran {format_rupiah(line.amount)} dari Aspikmas sudah ditransfer",
        name=member.owner_name,
        paragraphs=[
            (
                f"Bendahara Aspikmas sudah mentransfer {format_rupiah(line.amount)} hasil "
                f"penjualan {member.shop_name} ke rekening {line.bank_name} "
                f"{line.bank_account_number} a.n. {line.bank_account_holder}."
            ),
            f"Nomor referensi bank: {line.bank_reference}. Mohon periksa rekening Anda.",
        ],
        parts=[],
        url=public_url("member_money.own"),
        label="Lihat saldo Anda",
    )


def _checked_text(value: str | None, what: str, least: int, most: int) -> str:
    text = " ".join((value or "").split())
    if len(text) < least:
        raise PayoutError(
            f"Isi {what}." if least <= 1 else f"Isi {what}, paling sedikit {least} karakter."
        )
    if len(text) > most:
        raise PayoutError(f"{what.capitalize()} paling panjang {most} karakter.")
    return text
