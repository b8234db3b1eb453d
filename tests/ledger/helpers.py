"""Postings and counts shared by the ledger tests."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerPeriodClose,
    LedgerTransaction,
)

# A paid order: cash in, the member's share and the commission split out.
SALE = [
    ("cash:bank", 115_000),
    ("payable:member:12:pending", -109_250),
    ("income:commission:empowerment", -2_875),
    ("income:commission:central", -1_725),
    ("income:commission:kecamatan:sokaraja", -1_150),
]


def rows() -> dict[str, int]:
    """How many rows each ledger table holds."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (LedgerAccount, LedgerTransaction, LedgerEntry, LedgerPeriodClose)
    }


NOTHING = {
    "ledger_accounts": 0,
    "ledger_transactions": 0,
    "ledger_entries": 0,
    "ledger_period_closes": 0,
}


def sum_of_all_entries() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))))
