"""Members with money to be paid, made through the real services: a bank
transfer sale with no commission, taken to completion, so its whole price
becomes the member's available balance; a cash sale, whose commission the
member then owes. None of them commits."""

from datetime import UTC, datetime

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.members.models import Member
from marketplace.orders import fulfilment
from marketplace.treasury import payouts
from marketplace.treasury.models import PayoutBatch
from tests import factories
from tests.treasury.sales import sell

BANK = {
    "bank_name": "BRI",
    "bank_account_number": "0123-01-000456-50-1",
    "bank_account_holder": "Sri Lestari",
}


def banked_member(**values) -> Member:
    """An approved member with a complete bank account, who takes cash too."""
    return factories.MemberFactory(**({"accepts_cash": True} | BANK | values))


def earn(member: Member, amount: int) -> None:
    """`amount` rupiah become available to `member` (a finished transfer sale)."""
    rate = member.commission_bps
    member.commission_bps = 0
    part = sell(member, (amount, 1, "makanan-minuman"), when=datetime.now(UTC))
    fulfilment.start_processing(part=part, member=member)
    fulfilment.dispatch(part=part, member=member)
    fulfilment.complete(part=part, member=member)
    member.commission_bps = rate
    db.session.flush()


def owe_cash_commission(member: Member, price: int) -> int:
    """A cash sale at `price` (5 % commission): returns the commission owed."""
    member.commission_bps = 500
    part = sell(member, (price, 1, "makanan-minuman"), when=datetime.now(UTC), cash=True)
    return part.commission_total


def member_balances(member: Member) -> dict[str, int]:
    """{'available': .., 'in-payout': .., 'pending': ..} of the member."""
    found = balances(f"payable:member:{member.id}")
    return {
        state: found.get(f"payable:member:{member.id}:{state}", 0)
        for state in ("available", "in-payout", "pending")
    }


def treasurer(name: str = "Siti Bendahara"):
    return factories.UserFactory(roles=[Role.TREASURER], name=name)


def admin(name: str = "Budi Pengurus"):
    return factories.UserFactory(roles=[Role.ADMIN], name=name)


def prepared_batch(*members: Member, by=None) -> PayoutBatch:
    """A batch of the members' whole available balances, prepared by a treasurer."""
    return payouts.prepare_batch(member_ids=[m.id for m in members], by=by or treasurer())


def approved_batch(*members: Member, by=None) -> PayoutBatch:
    batch = prepared_batch(*members, by=by)
    return payouts.approve_batch(batch=batch, by=admin())
