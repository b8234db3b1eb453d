"""The treasurer's writes to the books: close a month, post a manual
adjustment, reverse a transaction. Each calls the ledger and records its
audit event in the same transaction; they flush, never commit (the view or
the command commits once).

Manual adjustments move money only between the accounts a person may
correct by hand (`ADJUSTABLE`, the kecamatan funds and the members'
available payables): never a payable that is pending or held in a payout,
whose amounts follow their orders and batches."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.core.errors import DomainError
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import LedgerPeriodClose, LedgerTransaction, TransactionKind
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.orders.settlement import (
    CASH_BANK,
    CENTRAL,
    CHAPTER_PREFIX,
    EMPOWERMENT,
    LABELS,
    SHOPPER_REFUNDS,
    TRANSFER_CODE,
    account_names,
    chapter_label,
    member_label,
    reverse_facts,
)
from marketplace.treasury import accounts
from marketplace.treasury.reports import FundSplit, Period, funds, month_name

# Accounts a treasurer may adjust by hand (besides the chapters and the
# members' available payables).
ADJUSTABLE = (
    CASH_BANK,
    EMPOWERMENT,
    CENTRAL,
    TRANSFER_CODE,
    SHOPPER_REFUNDS,
    "expense:payment-fees",
)
MAX_LINES = 6
REASON_MIN = 10
REASON_MAX = 500


class TreasuryError(DomainError):
    """The treasurer's action was refused; `message` says why."""


# --- month close -------------------------------------------------------------------


def fund_totals(split: FundSplit) -> dict:
    """A month's fund totals as the audit log keeps them (plain integers)."""
    return {
        "empowerment": split.empowerment,
        "central": split.central,
        "chapters": split.chapters_total,
        "total": split.total,
    }


def close_month(*, month: date, by: User) -> LedgerPeriodClose:
    """Close `month` (its first day) in the books: the ledger refuses a
    month already closed, not yet ended, or out of order, and then nothing
    is written. Records who closed it and its fund totals."""
    close = ledger.close_month(month=month, closed_by=by)
    split = funds(Period.month(month))
    audit.record(
        actor=by,
        action=AuditAction.MONTH_CLOSED,
        subject=("month", month.year * 100 + month.month),
        summary=f"Buku {month_name(month)} ditutup",
        before=None,
        after={"month": f"{month:%Y-%m}", "funds": fund_totals(split)},
    )
    return close


# --- manual adjustments ------------------------------------------------------------


@dataclass(frozen=True)
class AdjustableAccounts:
    """What the adjustment form offers: (code, label) groups."""

    general: list[tuple[str, str]]
    chapters: list[tuple[str, str]]
    members: list[tuple[str, str]]

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.general + self.chapters + self.members)


def adjustable_accounts() -> AdjustableAccounts:
    """Every account an adjustment may name; two queries."""
    kecamatan = db.session.execute(
        select(Kecamatan.slug, Kecamatan.name).order_by(Kecamatan.name)
    ).all()
    members = db.session.execute(
        select(Member.id, Member.shop_name)
        .where(Member.status == MemberStatus.APPROVED)
        .order_by(Member.shop_name, Member.id)
    ).all()
    return AdjustableAccounts(
        general=[(code, LABELS[code]) for code in ADJUSTABLE],
        chapters=[(f"{CHAPTER_PREFIX}{slug}", chapter_label(name)) for slug, name in kecamatan],
        members=[
            (
                f"payable:member:{member_id}:available",
                member_label(member_id, name, "available"),
            )
            for member_id, name in members
        ],
    )


def _member_available(code: str) -> re.Match | None:
    """A member's available payable (the one a hand may adjust), by its code."""
    found = accounts.MEMBER_ACCOUNT.fullmatch(code)
    return found if found is not None and found[2] == "available" else None


def _check_adjustable(codes: Sequence[str]) -> None:
    """Refuse any account outside the allowed ones; two queries at most."""
    slugs = {code.removeprefix(CHAPTER_PREFIX) for code in codes if code.startswith(CHAPTER_PREFIX)}
    member_ids = {int(found[1]) for code in codes if (found := _member_available(code))}
    known_slugs = (
        set(db.session.scalars(select(Kecamatan.slug).where(Kecamatan.slug.in_(slugs))))
        if slugs
        else set()
    )
    approved = (
        set(
            db.session.scalars(
                select(Member.id).where(
                    Member.id.in_(member_ids), Member.status == MemberStatus.APPROVED
                )
            )
        )
        if member_ids
        else set()
    )
    for code in codes:
        found = _member_available(code)
        allowed = (
            code in ADJUSTABLE
            or (
                code.startswith(CHAPTER_PREFIX) and code.removeprefix(CHAPTER_PREFIX) in known_slugs
            )
            or (found is not None and int(found[1]) in approved)
        )
        if not allowed:
            raise TreasuryError(
                f"Akun {code!r} tidak boleh disesuaikan dengan tangan. Pilih kas bank, "
                "pendapatan komisi, kode unik, utang pengembalian dana pembeli, biaya "
                "pembayaran, atau saldo tersedia anggota yang aktif."
            )


def check_adjustment(*, entries: Sequence[tuple[str, int]], reason: str) -> str:
    """Refuse an adjustment that may not be posted (before anything is
    written, so the preview says it too); the reason, tidied."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise TreasuryError(f"Tuliskan alasan penyesuaian, paling sedikit {REASON_MIN} karakter.")
    if len(reason) > REASON_MAX:
        raise TreasuryError(f"Alasan paling panjang {REASON_MAX} karakter.")
    if len(entries) > MAX_LINES:
        raise TreasuryError(f"Satu penyesuaian paling banyak {MAX_LINES} baris.")
    codes = [code for code, _ in entries]
    if len(set(codes)) != len(codes):
        raise TreasuryError("Satu akun hanya boleh muncul sekali dalam satu penyesuaian.")
    if len(codes) < 2:
        raise TreasuryError("Penyesuaian membutuhkan paling sedikit dua akun.")
    if any(type(amount) is not int or amount == 0 for _, amount in entries):
        raise TreasuryError("Setiap baris berisi jumlah debit atau kredit lebih dari Rp0.")
    difference = sum(amount for _, amount in entries)
    if difference:
        debit = sum(amount for _, amount in entries if amount > 0)
        raise TreasuryError(
            f"Debit ({format_rupiah(debit)}) dan kredit ({format_rupiah(debit - difference)}) "
            f"belum seimbang: selisih {format_rupiah(abs(difference))}."
        )
    _check_adjustable(codes)
    return reason


def _already_audited(action: AuditAction, transaction: LedgerTransaction) -> bool:
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == action,
                AuditEvent.subject_type == "ledger_transaction",
                AuditEvent.subject_id == transaction.id,
            )
            .limit(1)
        )
        is not None
    )


def post_adjustment(
    *, entries: Sequence[tuple[str, int]], reason: str, token: str, by: User
) -> LedgerTransaction:
    """Post a manual adjustment (debit positive, credit negative) with its
    reason. `token` was handed out with the preview: the same token again
    returns the first posting and records nothing more."""
    reason = check_adjustment(entries=entries, reason=reason)
    transaction = ledger.post(
        key=f"adjustment:{token}",
        kind=TransactionKind.ADJUSTMENT,
        entries=list(entries),
        names=account_names(code for code, _ in entries),
        memo=reason,
        recorded_by=by,
    )
    if not _already_audited(AuditAction.LEDGER_ADJUSTED, transaction):
        moved = sum(amount for _, amount in entries if amount > 0)
        audit.record(
            actor=by,
            action=AuditAction.LEDGER_ADJUSTED,
            subject=("ledger_transaction", transaction.id),
            summary=f"Penyesuaian #{transaction.id} sebesar {format_rupiah(moved)}: {reason}",
            before=None,
            after={
                "entries": [{"account": code, "amount": amount} for code, amount in entries],
                "reason": reason,
            },
        )
    return transaction


# --- reversals ---------------------------------------------------------------------


def reversal_of(transaction: LedgerTransaction) -> LedgerTransaction | None:
    return db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == transaction.id)
    ).one_or_none()


def check_reversible(transaction: LedgerTransaction) -> None:
    """A transaction is reversed at most once, and a reversal is not reversed."""
    if transaction.reverses_id is not None:
        raise TreasuryError(
            f"Transaksi #{transaction.id} adalah pembalikan transaksi "
            f"#{transaction.reverses_id}; pembalikan tidak dapat dibalik lagi. "
            "Catat penyesuaian bila perlu."
        )
    if reversal_of(transaction) is not None:
        raise TreasuryError(f"Transaksi #{transaction.id} sudah pernah dibalik.")


def reverse_transaction(
    *, transaction: LedgerTransaction, reason: str, by: User
) -> LedgerTransaction:
    """Post the negation of `transaction` into the open month, move its
    commission facts with it (the reports follow the ledger), and record who
    and why."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise TreasuryError(f"Tuliskan alasan pembalikan, paling sedikit {REASON_MIN} karakter.")
    if len(reason) > REASON_MAX:
        raise TreasuryError(f"Alasan paling panjang {REASON_MAX} karakter.")
    check_reversible(transaction)
    reversal = ledger.reverse(
        transaction=transaction,
        key=f"reversal:{transaction.id}",
        memo=f"Pembalikan transaksi #{transaction.id}: {reason}",
        recorded_by=by,
    )
    reverse_facts(original=transaction, reversal=reversal)
    if not _already_audited(AuditAction.LEDGER_REVERSED, transaction):
        audit.record(
            actor=by,
            action=AuditAction.LEDGER_REVERSED,
            subject=("ledger_transaction", transaction.id),
            summary=f"Transaksi #{transaction.id} dibalik dengan #{reversal.id}: {reason}",
            before={"transaction": transaction.id, "reversed": False},
            after={
                "transaction": transaction.id,
                "reversed": True,
                "reversal": reversal.id,
                "entries": [
                    {"account": entry.account.code, "amount": entry.amount}
                    for entry in reversal.entries
                ],
                "reason": reason,
            },
        )
    return reversal
