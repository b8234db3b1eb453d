"""A member's statement for one month (/kelola/saldo for the member, the
same for the treasurer): what the association owed them at the start, each
posting that changed it, and what it owes them at the end.

Everything is read from the ledger, so the closing balance is the member's
accounts, always: `payable:member:<id>:pending` (sold, not yet delivered:
tertahan), `:available` (delivered, to be paid out; minus the commission
owed on cash sales: tersedia) and `:in-payout` (in a payout batch: dalam
pembayaran). A payable is a credit, so an entry of -Rp100 is Rp100 more
owed to the member. The sale's details (goods, commission, the rate) come
from the commission facts written with the same posting; the delivery fee
is what the posting gave the member beyond their goods less commission."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from marketplace.core.money import BPS_WHOLE
from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from marketplace.ledger.services import month_bounds
from marketplace.members.models import Member
from marketplace.orders.models import CommissionFact, Order
from marketplace.orders.settlement import available_account, pending_account
from marketplace.treasury.payouts import in_payout_account
from marketplace.treasury.reports import rate_text

STATES = ("pending", "available", "in-payout")
KIND_WORDS = {
    TransactionKind.SALE: "Penjualan",
    TransactionKind.REFUND: "Pengembalian dana",
    TransactionKind.PAYOUT: "Pembayaran ke rekening",
    TransactionKind.FEE: "Biaya",
    TransactionKind.ADJUSTMENT: "Penyesuaian",
}


def account_codes(member_id: int) -> dict[str, str]:
    """{state: account code} of a member's three payables."""
    return {
        "pending": pending_account(member_id),
        "available": available_account(member_id),
        "in-payout": in_payout_account(member_id),
    }


@dataclass(frozen=True)
class Balances:
    """What the association owes the member, in rupiah (negative available:
    the member owes commission on cash sales)."""

    pending: int = 0
    available: int = 0
    in_payout: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.available + self.in_payout

    def plus(self, change: "Balances") -> "Balances":
        return Balances(
            self.pending + change.pending,
            self.available + change.available,
            self.in_payout + change.in_payout,
        )


@dataclass(frozen=True)
class Row:
    """One posting that touched the member's money."""

    transaction_id: int
    occurred_at: datetime
    kind: TransactionKind
    memo: str
    order_code: str | None
    change: Balances
    gross: int | None = None  # goods sold (negative when refunded)
    commission: int | None = None
    delivery_fee: int | None = None

    about_member: bool = False  # the posting's subject is the member (a deposit)

    @property
    def label(self) -> str:
        """What the posting was, from its kind and which balances it moved."""
        change = self.change
        if self.kind == TransactionKind.SALE and self.is_cash_sale:
            return "Penjualan tunai (komisi terutang)"
        if self.kind == TransactionKind.PAYOUT:
            if change.in_payout > 0:
                return "Disiapkan untuk dibayar ke rekening"
            if change.available > 0:
                return "Pembayaran batal: saldo tersedia kembali"
            return "Ditransfer ke rekening"
        if self.kind == TransactionKind.ADJUSTMENT:
            if self.is_release:
                return "Pesanan selesai: siap dibayarkan"
            if self.about_member and change.available > 0 and not change.pending:
                return "Setoran komisi penjualan tunai"
        return KIND_WORDS.get(self.kind, str(self.kind))

    @property
    def note(self) -> str:
        """The posting's memo where it says more than the label and the
        order code (a payout's bank reference, an adjustment's reason)."""
        said = self.kind == TransactionKind.SALE or self.is_release
        return "" if said or self.kind == TransactionKind.REFUND else self.memo

    @property
    def moves(self) -> list[tuple[str, int]]:
        """Which balances the posting moved, in words: [("Tertahan", 38000), ...]."""
        change = self.change
        named = (
            ("Tertahan", change.pending),
            ("Tersedia", change.available),
            ("Dalam pembayaran", change.in_payout),
        )
        return [(name, amount) for name, amount in named if amount]

    @property
    def is_cash_sale(self) -> bool:
        """A cash sale touches only the available balance: the member kept
        the money and owes the commission."""
        return self.change.pending == 0 and self.change.available < 0

    @property
    def is_release(self) -> bool:
        """Pending became available (the order finished): the total is unchanged."""
        return self.change.total == 0 and self.change.pending < 0 < self.change.available

    @property
    def rate_bps(self) -> int | None:
        if not self.gross or self.commission is None:
            return None
        return round(self.commission * BPS_WHOLE / self.gross)

    @property
    def rate_label(self) -> str:
        return rate_text(self.rate_bps)


@dataclass(frozen=True)
class MemberStatement:
    member: Member
    month: date
    opening: Balances
    rows: Sequence[Row] = field(default_factory=tuple)

    @property
    def closing(self) -> Balances:
        balances = self.opening
        for row in self.rows:
            balances = balances.plus(row.change)
        return balances

    @property
    def sales(self) -> int:
        return sum(row.gross or 0 for row in self.rows if row.kind == TransactionKind.SALE)

    @property
    def commission(self) -> int:
        return sum(row.commission or 0 for row in self.rows)


def _balances(sums: dict[str, int], codes: dict[str, str]) -> Balances:
    """From signed ledger sums {code: amount} (credits negative) to what is owed."""
    return Balances(
        pending=-sums.get(codes["pending"], 0),
        available=-sums.get(codes["available"], 0),
        in_payout=-sums.get(codes["in-payout"], 0),
    )


def statement_for(member: Member, month: date) -> MemberStatement:
    """The member's statement for `month` (its first day), in five queries
    whatever the month holds."""
    codes = account_codes(member.id)
    accounts = dict(
        db.session.execute(
            select(LedgerAccount.id, LedgerAccount.code).where(
                LedgerAccount.code.in_(codes.values())
            )
        )
        .tuples()
        .all()
    )
    if not accounts:
        return MemberStatement(member=member, month=month, opening=Balances())
    start, end = month_bounds(month)
    opening_sums = dict(
        db.session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.account_id.in_(accounts), LedgerEntry.occurred_at < start)
            .group_by(LedgerEntry.account_id)
        )
        .tuples()
        .all()
    )
    opening = _balances({accounts[a]: int(s) for a, s in opening_sums.items()}, codes)
    found = db.session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.occurred_at,
            LedgerTransaction.kind,
            LedgerTransaction.memo,
            LedgerTransaction.subject_type,
            LedgerTransaction.subject_id,
            LedgerEntry.account_id,
            LedgerEntry.amount,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerEntry.account_id.in_(accounts),
            LedgerEntry.occurred_at >= start,
            LedgerEntry.occurred_at < end,
        )
        .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
    ).all()
    changes: dict[int, dict[str, int]] = defaultdict(dict)
    heads: dict[int, Any] = {}  # transaction id -> its first row (the head columns)
    for row in found:
        heads.setdefault(row.id, row)
        code = accounts[row.account_id]
        changes[row.id][code] = changes[row.id].get(code, 0) + row.amount
    facts = _facts(member.id, list(heads))
    codes_by_order = _order_codes(
        {row.subject_id for row in heads.values() if row.subject_type == "order"}
    )
    rows = []
    for transaction_id, head in heads.items():
        change = _balances(changes[transaction_id], codes)
        gross, commission = facts.get(transaction_id, (None, None))
        delivery = None
        if gross is not None and commission is not None and change.pending:
            delivery = change.pending - (gross - commission)
        rows.append(
            Row(
                transaction_id=transaction_id,
                occurred_at=head.occurred_at,
                kind=TransactionKind(head.kind),
                memo=head.memo,
                order_code=codes_by_order.get(head.subject_id)
                if head.subject_type == "order"
                else None,
                change=change,
                gross=gross,
                commission=commission,
                delivery_fee=delivery,
                about_member=head.subject_type == "member",
            )
        )
    return MemberStatement(member=member, month=month, opening=opening, rows=rows)


def _facts(member_id: int, transaction_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{transaction id: (goods, commission)} of the member's lines in them."""
    if not transaction_ids:
        return {}
    found = db.session.execute(
        select(
            CommissionFact.transaction_id,
            func.sum(CommissionFact.gross),
            func.sum(CommissionFact.commission),
        )
        .where(
            CommissionFact.transaction_id.in_(transaction_ids),
            CommissionFact.member_id == member_id,
        )
        .group_by(CommissionFact.transaction_id)
    )
    return {
        transaction_id: (int(gross), int(commission)) for transaction_id, gross, commission in found
    }


def _order_codes(order_ids: set[int | None]) -> dict[int, str]:
    wanted = [order_id for order_id in order_ids if order_id is not None]
    if not wanted:
        return {}
    return dict(
        db.session.execute(select(Order.id, Order.code).where(Order.id.in_(wanted))).tuples().all()
    )


def balances_now(member_id: int) -> Balances:
    """What the ledger holds for the member today."""
    natural = balances(f"payable:member:{member_id}")  # a payable's natural sign: owed
    codes = account_codes(member_id)
    return Balances(
        pending=natural.get(codes["pending"], 0),
        available=natural.get(codes["available"], 0),
        in_payout=natural.get(codes["in-payout"], 0),
    )
