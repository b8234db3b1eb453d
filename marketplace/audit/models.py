"""An audit event: one action of a treasurer or an admin on money or rules
(DESIGN.md, Ledger), recorded in the same transaction as the action.

Append-only, like the ledger: the ORM refuses to update or delete an event
and so do the database triggers (migration 0009_treasurer_books)."""

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, event, func
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model


class AuditAction(StrEnum):
    """What was done, with the words the admin reads in the log."""

    TRANSFER_CONFIRMED = "transfer.confirmed"
    REFUND_PAID = "refund.paid"
    REFUND_RETURNED = "refund.returned"
    LEDGER_ADJUSTED = "ledger.adjusted"
    LEDGER_REVERSED = "ledger.reversed"
    MONTH_CLOSED = "month.closed"
    COMMISSION_CHANGED = "commission.changed"
    MEMBER_APPROVED = "member.approved"
    MEMBER_REJECTED = "member.rejected"
    MEMBER_SUSPENDED = "member.suspended"
    MEMBER_REINSTATED = "member.reinstated"
    CERTIFICATE_VERIFIED = "certificate.verified"
    CERTIFICATE_REJECTED = "certificate.rejected"
    CERTIFICATE_PRODUCTS_VERIFIED = "certificate.products"
    ROLE_CHANGED = "role.changed"
    PAYOUT_PREPARED = "payout.prepared"
    PAYOUT_APPROVED = "payout.approved"
    PAYOUT_REJECTED = "payout.rejected"
    PAYOUT_TRANSFERRED = "payout.transferred"
    PAYOUT_FAILED = "payout.failed"
    COMMISSION_DEPOSITED = "commission.deposited"
    OFFICER_APPOINTED = "officer.appointed"
    OFFICER_REMOVED = "officer.removed"
    MEMBER_RECOMMENDED = "member.recommended"
    REVIEW_HIDDEN = "review.hidden"
    REVIEW_SHOWN = "review.shown"
    COHORT_CREATED = "mentoring.cohort"
    MENTOR_INVITED = "mentoring.invited"
    PAIRING_PROPOSED = "mentoring.paired"
    PAIRING_ENDED = "mentoring.unpaired"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    AuditAction.TRANSFER_CONFIRMED: "Transfer dikonfirmasi",
    AuditAction.REFUND_PAID: "Pengembalian dana dibayar",
    AuditAction.REFUND_RETURNED: "Pengembalian dana kartu gagal",
    AuditAction.LEDGER_ADJUSTED: "Penyesuaian buku besar",
    AuditAction.LEDGER_REVERSED: "Transaksi dibalik",
    AuditAction.MONTH_CLOSED: "Tutup buku bulanan",
    AuditAction.COMMISSION_CHANGED: "Tarif komisi diubah",
    AuditAction.MEMBER_APPROVED: "Anggota disetujui",
    AuditAction.MEMBER_REJECTED: "Pendaftaran anggota ditolak",
    AuditAction.MEMBER_SUSPENDED: "Anggota dibekukan",
    AuditAction.MEMBER_REINSTATED: "Anggota diaktifkan kembali",
    AuditAction.CERTIFICATE_VERIFIED: "Sertifikat diverifikasi",
    AuditAction.CERTIFICATE_REJECTED: "Sertifikat ditolak",
    AuditAction.CERTIFICATE_PRODUCTS_VERIFIED: "Produk bersertifikat diverifikasi",
    AuditAction.ROLE_CHANGED: "Peran pengguna diubah",
    AuditAction.PAYOUT_PREPARED: "Batch pembayaran anggota disiapkan",
    AuditAction.PAYOUT_APPROVED: "Batch pembayaran anggota disetujui",
    AuditAction.PAYOUT_REJECTED: "Batch pembayaran anggota ditolak",
    AuditAction.PAYOUT_TRANSFERRED: "Pembayaran anggota ditransfer",
    AuditAction.PAYOUT_FAILED: "Pembayaran anggota gagal",
    AuditAction.COMMISSION_DEPOSITED: "Setoran komisi tunai anggota",
    AuditAction.OFFICER_APPOINTED: "Pengurus kecamatan diangkat",
    AuditAction.OFFICER_REMOVED: "Pengurus kecamatan diberhentikan",
    AuditAction.MEMBER_RECOMMENDED: "Rekomendasi pengurus kecamatan",
    AuditAction.REVIEW_HIDDEN: "Ulasan disembunyikan",
    AuditAction.REVIEW_SHOWN: "Ulasan ditampilkan kembali",
    AuditAction.COHORT_CREATED: "Angkatan pendamping kampus dibuat",
    AuditAction.MENTOR_INVITED: "Pendamping kampus diundang",
    AuditAction.PAIRING_PROPOSED: "Pendamping dipasangkan dengan anggota",
    AuditAction.PAIRING_ENDED: "Pendampingan anggota diakhiri",
}


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action", "action", "occurred_at"),
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    # None for a command run from the shell with no user (cron).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[AuditAction] = mapped_column(String(40))
    # What the action was on, e.g. ("order", 17); no foreign key, like the ledger's.
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_address: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


REFUSAL = "Log audit tidak boleh diubah atau dihapus."


class AuditImmutable(Exception):
    pass


def _refuse_change(mapper, connection, target) -> None:
    raise AuditImmutable(REFUSAL)


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == AuditEvent.__tablename__:
            raise AuditImmutable(REFUSAL)


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_statement)
