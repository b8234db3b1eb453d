"""Reads for paying members: every member's balances (the page the
treasurer prepares a batch from), the batches, one batch with its lines.

Members' balances come from the ledger (ledger.balances, which reads closed
months from their totals): one read for every member account at once, one
for the members, one for their last payouts, whatever the number of
members; searching, filtering, sorting and the page are done on those rows.
The association has hundreds of members, not millions, so this stays small;
a page costs the same few queries on page 1 and on page 40."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.members.models import Member, MemberStatus
from marketplace.orders.settlement import available_account, pending_account
from marketplace.treasury.models import (
    BatchStatus,
    CommissionDeposit,
    LineStatus,
    PayoutBatch,
    PayoutLine,
)
from marketplace.treasury.payouts import MEMBER_PREFIX, has_bank_details, in_payout_account

SEARCH_LENGTH = 60


class BalanceSort(StrEnum):
    """How the balances page sorts (`?urut=`): the first is the default."""

    AVAILABLE = "tersedia"
    NAME = "nama"
    PENDING = "tertahan"
    IN_PAYOUT = "dalam-pembayaran"
    LAST_PAID = "terakhir-dibayar"

    @property
    def label(self) -> str:
        return SORT_LABELS[self]


SORT_LABELS = {
    BalanceSort.AVAILABLE: "Saldo tersedia terbesar",
    BalanceSort.NAME: "Nama toko (A–Z)",
    BalanceSort.PENDING: "Saldo tertahan terbesar",
    BalanceSort.IN_PAYOUT: "Dalam pembayaran terbesar",
    BalanceSort.LAST_PAID: "Terlama belum dibayar",
}


@dataclass(frozen=True)
class MemberBalance:
    """One member as the balances page shows them. `available` is what may
    be paid: net of the commission owed on cash sales, so negative when the
    member owes more than they earned."""

    member: Member
    available: int
    pending: int
    in_payout: int
    last_paid: datetime | None
    minimum: int

    @property
    def has_bank_details(self) -> bool:
        return has_bank_details(self.member)

    @property
    def owes(self) -> int:
        """Commission owed on cash sales beyond what was earned."""
        return max(-self.available, 0)

    @property
    def ready(self) -> bool:
        """Ready to be paid: at least PAYOUT_MINIMUM available."""
        return self.available >= self.minimum

    @property
    def payable(self) -> bool:
        """May go into a batch now: ready, with a complete bank account."""
        return self.ready and self.has_bank_details


def member_balances(
    *,
    minimum: int,
    search: str = "",
    sort: BalanceSort = BalanceSort.AVAILABLE,
    ready: bool = False,
) -> list[MemberBalance]:
    """Every approved or suspended member (a suspended member is still owed
    what they earned) with their balances; three reads."""
    members = db.session.scalars(
        select(Member)
        .where(Member.status.in_([MemberStatus.APPROVED, MemberStatus.SUSPENDED]))
        .order_by(Member.shop_name, Member.id)
    ).all()
    found = balances(MEMBER_PREFIX)
    last_paid = dict(
        db.session.execute(
            select(PayoutLine.member_id, func.max(PayoutLine.recorded_at))
            .where(PayoutLine.status == LineStatus.TRANSFERRED)
            .group_by(PayoutLine.member_id)
        )
        .tuples()
        .all()
    )
    rows = [
        MemberBalance(
            member=member,
            available=found.get(available_account(member.id), 0),
            pending=found.get(pending_account(member.id), 0),
            in_payout=found.get(in_payout_account(member.id), 0),
            last_paid=last_paid.get(member.id),
            minimum=minimum,
        )
        for member in members
    ]
    words = search.strip().casefold()[:SEARCH_LENGTH]
    if words:
        rows = [row for row in rows if words in row.member.shop_name.casefold()]
    if ready:
        rows = [row for row in rows if row.ready]
    return sorted(rows, key=_sort_key(sort))


def _sort_key(sort: BalanceSort):
    if sort == BalanceSort.NAME:
        return lambda row: (row.member.shop_name.casefold(), row.member.id)
    if sort == BalanceSort.PENDING:
        return lambda row: (-row.pending, row.member.id)
    if sort == BalanceSort.IN_PAYOUT:
        return lambda row: (-row.in_payout, row.member.id)
    if sort == BalanceSort.LAST_PAID:
        # Never paid first, then the longest ago.
        return lambda row: (
            row.last_paid is not None,
            row.last_paid.timestamp() if row.last_paid else 0,
            row.member.id,
        )
    return lambda row: (-row.available, row.member.id)


def batches(status: BatchStatus | None = None) -> Select:
    """The batches, newest first, with their lines (for the totals)."""
    statement = (
        select(PayoutBatch)
        .options(
            selectinload(PayoutBatch.lines),
            selectinload(PayoutBatch.prepared_by),
        )
        .order_by(PayoutBatch.id.desc())
    )
    if status is not None:
        statement = statement.where(PayoutBatch.status == status)
    return statement


def batch(batch_id: int) -> Select:
    """One batch with everything its page shows."""
    return (
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .options(
            selectinload(PayoutBatch.lines).selectinload(PayoutLine.member),
            selectinload(PayoutBatch.lines).selectinload(PayoutLine.recorded_by),
            selectinload(PayoutBatch.prepared_by),
            selectinload(PayoutBatch.approved_by),
            selectinload(PayoutBatch.rejected_by),
        )
    )


def line(line_id: int) -> Select:
    return select(PayoutLine).where(PayoutLine.id == line_id)


def waiting_for_approval() -> Select:
    """How many batches wait for an admin."""
    return select(func.count(PayoutBatch.id)).where(PayoutBatch.status == BatchStatus.PREPARED)


def deposits_of(member_id: int, limit: int = 10) -> Select:
    """The member's latest commission deposits."""
    return (
        select(CommissionDeposit)
        .where(CommissionDeposit.member_id == member_id)
        .options(selectinload(CommissionDeposit.recorded_by))
        .order_by(CommissionDeposit.deposited_on.desc(), CommissionDeposit.id.desc())
        .limit(limit)
    )
