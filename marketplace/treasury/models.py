"""The treasurer's own records: payout batches, commission deposits, and
the bank's account statements uploaded to match credits with the orders
awaiting a transfer (`treasury.statement`).

A statement line is stored once, whatever file it came in: its
`fingerprint` (date, description, amount and how many identical lines
came before it in the same file) is unique, so uploading the same file
twice, or two overlapping months, adds each credit once. A line that
confirmed an order names it (`order_id`, unique: one credit pays one
order).

Payout batches (issue 14): the treasurer pays members what the ledger
says the association owes them, in batches a second officer approves.
A `PayoutBatch` holds one `PayoutLine` per member. Preparing it holds each
line's money (available -> in payout, treasury.payouts); the line then ends
transferred (paid from the bank) or failed (the money goes back to
available). The bank details are copied onto the line when it is prepared:
the transfer goes where the batch, as approved, said, even if the member
edits their account later.

    PayoutBatch:  prepared -> approved | rejected;  approved -> done
                  (prepared -> done only when PAYOUT_REQUIRE_APPROVAL is off)
    PayoutLine:   held -> transferred | failed
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.members.models import Member
from marketplace.orders.models import Order


class StatementImport(Model):
    """One uploaded statement file: who sent it, when, and what it held."""

    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    lines_read: Mapped[int]  # credits and debits in the file
    lines_new: Mapped[int]  # of them, not seen in an earlier file

    uploaded_by: Mapped[User] = relationship()


class StatementLine(Model):
    """A line of the bank's statement: `amount` is positive for money in
    (a credit), negative for money out (a debit, never matched)."""

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("statement_imports.id", ondelete="RESTRICT"), index=True
    )
    line_number: Mapped[int]  # in the file it first came in, as a spreadsheet counts
    booked_on: Mapped[date] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), unique=True
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confirmed_at: Mapped[Timestamp | None]

    statement: Mapped[StatementImport] = relationship()
    order: Mapped[Order | None] = relationship()

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


class BatchStatus(StrEnum):
    PREPARED = "prepared"
    APPROVED = "approved"
    REJECTED = "rejected"
    DONE = "done"

    @property
    def label(self) -> str:
        return BATCH_LABELS[self]


BATCH_LABELS = {
    BatchStatus.PREPARED: "Menunggu persetujuan",
    BatchStatus.APPROVED: "Disetujui, siap ditransfer",
    BatchStatus.REJECTED: "Ditolak",
    BatchStatus.DONE: "Selesai",
}


class LineStatus(StrEnum):
    HELD = "held"
    TRANSFERRED = "transferred"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return LINE_LABELS[self]


LINE_LABELS = {
    LineStatus.HELD: "Menunggu transfer",
    LineStatus.TRANSFERRED: "Sudah ditransfer",
    LineStatus.FAILED: "Gagal",
}


class PayoutBatch(Model):
    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint(
            "status IN ('prepared', 'approved', 'rejected', 'done')", name="status_known"
        ),
        # The database refuses a batch approved by its own preparer, too.
        CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> prepared_by_id", name="four_eyes"
        ),
        Index("ix_payout_batches_status", "status", "prepared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[BatchStatus] = mapped_column(String(10), default=BatchStatus.PREPARED)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    prepared_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[Timestamp | None]
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rejected_at: Mapped[Timestamp | None]
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    done_at: Mapped[Timestamp | None]

    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    rejected_by: Mapped[User | None] = relationship(foreign_keys=[rejected_by_id])
    lines: Mapped[list["PayoutLine"]] = relationship(
        back_populates="batch", order_by="PayoutLine.id"
    )

    @property
    def status_label(self) -> str:
        return BatchStatus(self.status).label

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def transferred_total(self) -> int:
        return sum(line.amount for line in self.lines if line.status == LineStatus.TRANSFERRED)

    @property
    def code(self) -> str:
        """How people name the batch: `BP-12`."""
        return f"BP-{self.id}"


class PayoutLine(Model):
    __tablename__ = "payout_lines"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('held', 'transferred', 'failed')", name="status_known"),
        # One line per member in a batch.
        UniqueConstraint("batch_id", "member_id"),
        Index("ix_payout_lines_member_id", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # The member's bank account when the batch was prepared.
    bank_name: Mapped[str] = mapped_column(String(60))
    bank_account_number: Mapped[str] = mapped_column(String(30))
    bank_account_holder: Mapped[str] = mapped_column(String(120))
    status: Mapped[LineStatus] = mapped_column(String(12), default=LineStatus.HELD)
    bank_reference: Mapped[str] = mapped_column(String(100), default="", server_default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[Timestamp | None]

    batch: Mapped[PayoutBatch] = relationship(back_populates="lines")
    member: Mapped[Member] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return LineStatus(self.status).label


class CommissionDeposit(Model):
    """A member brought the commission they owed on cash sales (issue 14
    point 3): it settles that debt (treasury.deposits posts it)."""

    __tablename__ = "commission_deposits"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_commission_deposits_member_id", "member_id", "deposited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    deposited_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="", server_default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    member: Mapped[Member] = relationship()
    recorded_by: Mapped[User] = relationship()
