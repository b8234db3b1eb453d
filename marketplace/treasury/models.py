"""The treasurer's own records: the bank's account statements uploaded to
match credits with the orders awaiting a transfer (`treasury.statement`).

A statement line is stored once, whatever file it came in: its
`fingerprint` (date, description, amount and how many identical lines
came before it in the same file) is unique, so uploading the same file
twice, or two overlapping months, adds each credit once. A line that
confirmed an order names it (`order_id`, unique: one credit pays one
order)."""

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
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
