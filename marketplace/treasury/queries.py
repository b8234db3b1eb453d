"""Reads for the treasurer: the Selects behind the transfer queue and the
refunds list (the caller runs or paginates them), and a summary of the
ledger's main balances read through `ledger.balances`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.accounts.models import User
from marketplace.ledger import balances as ledger
from marketplace.ledger.models import LedgerPeriodClose, LedgerTransaction, TransactionKind
from marketplace.orders import queries as order_queries
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.settlement import (
    CASH_BANK,
    CENTRAL,
    CHAPTER_PREFIX,
    EMPOWERMENT,
    SHOPPER_REFUNDS,
    TRANSFER_CODE,
)

HAS_REFUND = OrderPart.refund_amount > 0
REFUND_OWED = OrderPart.refund_paid_at.is_(None)

# The commission funds (DESIGN.md, Ledger), as the treasurer calls them.
FUNDS = {EMPOWERMENT: "Dana pemberdayaan anggota", CENTRAL: "Kantor pusat"}


def transfers_awaiting(*, code: str | None = None, amount: int | None = None) -> Select:
    """Orders waiting for the treasurer to see their bank transfer, oldest
    first; narrowed to an order code or an exact amount when given."""
    statement = select(Order).where(*order_queries.AWAITING_TRANSFER)
    wanted = [Order.code == code] if code else []
    if amount is not None:
        wanted.append(Order.total == amount)
    if wanted:
        statement = statement.where(or_(*wanted))
    return statement.order_by(Order.placed_at, Order.id)


def transfer_counts(now: datetime) -> Select:
    """(waiting, of which past their deadline)."""
    overdue = func.coalesce(func.sum(case((Order.expires_at <= now, 1), else_=0)), 0)
    return select(func.count(Order.id), overdue).where(*order_queries.AWAITING_TRANSFER)


def order_awaiting_transfer(code: str) -> Select:
    """The order with this code, whatever its status (the service says why
    it cannot be confirmed). Its parts, lines and members come with its row
    lock (`orders.fulfilment.lock_order`), read once."""
    return select(Order).where(Order.code == code)


def refunds() -> Select:
    """Parts with money to give back: owed first (oldest cancellation
    first), then those paid back (latest first)."""
    return (
        select(OrderPart)
        .join(OrderPart.order)
        .where(HAS_REFUND)
        .options(contains_eager(OrderPart.order), selectinload(OrderPart.member))
        .order_by(
            case((REFUND_OWED, 0), else_=1),
            OrderPart.refund_paid_at.desc(),  # all empty among those owed
            OrderPart.cancelled_at,
            OrderPart.id,
        )
    )


def refunds_owed_total() -> Select:
    """(parts, rupiah) still to be paid back to shoppers."""
    return select(
        func.count(OrderPart.id), func.coalesce(func.sum(OrderPart.refund_amount), 0)
    ).where(HAS_REFUND, REFUND_OWED)


def refund_part(part_id: int) -> Select:
    return (
        select(OrderPart)
        .where(OrderPart.id == part_id)
        .options(selectinload(OrderPart.order), selectinload(OrderPart.member))
    )


@dataclass(frozen=True)
class LedgerSummary:
    """The balances the treasurer looks at first, natural-signed (see
    ledger.models): money in the bank, income by fund, what is owed."""

    bank: int
    income: list[tuple[str, int]]
    payable_pending: int
    payable_available: int
    owed_by_members: int
    shopper_refunds: int

    @property
    def income_total(self) -> int:
        return sum(amount for _, amount in self.income)


def ledger_summary() -> LedgerSummary:
    """One read of every balance (the open months are summed once)."""
    every = ledger.balances()
    income = {code: amount for code, amount in every.items() if code.startswith("income:")}
    payables = {code: amount for code, amount in every.items() if code.startswith("payable:")}
    members = {
        code: amount for code, amount in payables.items() if code.startswith("payable:member:")
    }
    available = [amount for code, amount in members.items() if code.endswith(":available")]
    return LedgerSummary(
        bank=every.get(CASH_BANK, 0),
        income=[
            *((label, income.get(code, 0)) for code, label in FUNDS.items()),
            (
                "Cabang kecamatan (27)",
                sum(amount for code, amount in income.items() if code.startswith(CHAPTER_PREFIX)),
            ),
            ("Kode unik transfer", income.get(TRANSFER_CODE, 0)),
        ],
        payable_pending=sum(
            amount for code, amount in members.items() if code.endswith(":pending")
        ),
        # A negative available balance is commission a member owes on cash sales.
        payable_available=sum(amount for amount in available if amount > 0),
        owed_by_members=-sum(amount for amount in available if amount < 0),
        shopper_refunds=payables.get(SHOPPER_REFUNDS, 0),
    )


# --- the books: month close and corrections ---------------------------------------


def closed_months() -> Select:
    """The closed months, newest first (with who closed them: `users_by_id`)."""
    return select(LedgerPeriodClose).order_by(LedgerPeriodClose.month.desc())


def corrections() -> Select:
    """The treasurer's manual adjustments and every reversal, newest first,
    with their entries."""
    return (
        select(LedgerTransaction)
        .where(
            or_(
                (LedgerTransaction.kind == TransactionKind.ADJUSTMENT)
                & LedgerTransaction.recorded_by_id.is_not(None),
                LedgerTransaction.reverses_id.is_not(None),
            )
        )
        .options(selectinload(LedgerTransaction.entries))
        .order_by(LedgerTransaction.id.desc())
    )


def transaction_with_entries(transaction_id: int) -> Select:
    return (
        select(LedgerTransaction)
        .where(LedgerTransaction.id == transaction_id)
        .options(selectinload(LedgerTransaction.entries))
    )


def users_by_id(ids: set[int]) -> Select:
    """(id, name, email) of the given users: who recorded or closed what."""
    return select(User.id, User.name, User.email).where(User.id.in_(ids or {0}))
