"""Cash commission deposits (issue 14 point 3): a member who sold for
cash kept the whole price, so they owe the association its commission
(their available payable went below zero, orders.settlement). When they
bring it, the treasurer records the deposit, which settles the debt:

    deposit     cash:bank                       +amount
                payable:member:<id>:available   -amount

A deposit never exceeds what the member owes, even when two are recorded
at once: the member's row is locked before the balance is read (as when a
payout batch is prepared, treasury.payouts). It flushes, never commits."""

from datetime import date

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger.errors import LedgerError
from marketplace.ledger.models import LedgerTransaction, TransactionKind
from marketplace.ledger.services import post
from marketplace.members.models import Member
from marketplace.orders.settlement import CASH_BANK, account_names, available_account
from marketplace.treasury.models import CommissionDeposit
from marketplace.treasury.payouts import REFERENCE_MAX, PayoutError, available_balances


class DepositError(PayoutError):
    """A deposit was refused; nothing of it is written."""


def owed(member_id: int) -> int:
    """What the member owes on cash sales: how far their available payable is below zero."""
    return max(-available_balances([member_id])[member_id], 0)


def post_deposit(*, deposit: CommissionDeposit, by: User) -> LedgerTransaction:
    entries = [(CASH_BANK, deposit.amount), (available_account(deposit.member_id), -deposit.amount)]
    try:
        return post(
            key=f"commission-deposit:{deposit.id}",
            kind=TransactionKind.ADJUSTMENT,
            entries=entries,
            names=account_names(code for code, _ in entries),
            subject=("member", deposit.member_id),
            memo=(
                f"Setoran komisi tunai {deposit.member.shop_name} "
                f"tanggal {deposit.deposited_on:%d/%m/%Y}"
                + (f" (ref. {deposit.reference})" if deposit.reference else "")
            ),
            recorded_by=by,
        )
    except LedgerError as refused:
        raise DepositError(f"Buku besar menolak pencatatan: {refused.message}") from refused


def record_deposit(
    *, member: Member, amount: int, deposited_on: date, reference: str, by: User, today: date
) -> CommissionDeposit:
    """Record `amount` rupiah of commission the member brought on
    `deposited_on` (not after `today`); refused when it is more than they owe."""
    reference = " ".join((reference or "").split())
    if len(reference) > REFERENCE_MAX:
        raise DepositError(f"Referensi paling panjang {REFERENCE_MAX} karakter.")
    if type(amount) is not int or amount <= 0:
        raise DepositError("Jumlah setoran harus lebih dari Rp0.")
    if deposited_on > today:
        raise DepositError("Tanggal setoran tidak boleh di masa depan.")
    locked = db.session.scalars(
        select(Member)
        .where(Member.id == member.id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    ).one()
    debt = owed(locked.id)
    if amount > debt:
        raise DepositError(
            f"{locked.shop_name} hanya berutang komisi {format_rupiah(debt)}; "
            f"setoran {format_rupiah(amount)} terlalu besar."
            if debt
            else f"{locked.shop_name} tidak berutang komisi tunai."
        )
    deposit = CommissionDeposit(
        member=locked,
        amount=amount,
        deposited_on=deposited_on,
        reference=reference,
        recorded_by_id=by.id,
    )
    db.session.add(deposit)
    db.session.flush()
    post_deposit(deposit=deposit, by=by)
    audit.record(
        actor=by,
        action=AuditAction.COMMISSION_DEPOSITED,
        subject=("member", locked.id),
        summary=(
            f"Setoran komisi tunai {locked.shop_name} {format_rupiah(amount)} "
            f"tanggal {deposited_on:%d/%m/%Y}"
        ),
        before={"owed": debt},
        after={
            "owed": debt - amount,
            "deposit": deposit.id,
            "amount": amount,
            "reference": reference,
        },
    )
    return deposit
