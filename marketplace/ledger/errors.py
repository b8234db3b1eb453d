"""The ledger's refusals. Callers catch `LedgerError` and show `message`."""

from marketplace.core.errors import DomainError


class LedgerError(DomainError):
    """The ledger refused a posting, a reversal or a period close."""


class InvalidPosting(LedgerError):
    """The entries are malformed: not whole rupiah, zero, unbalanced, one account."""


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different posting."""


class PeriodClosed(LedgerError):
    """The posting is dated inside a closed month, or the month is closed already."""


class LedgerImmutable(LedgerError):
    """Something tried to change or delete a posted transaction or entry."""
