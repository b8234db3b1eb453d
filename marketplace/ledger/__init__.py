"""The generic double-entry ledger: accounts, append-only transactions and
their entries, period close. Other domains call `services.post()`; the ledger
knows nothing about orders, members or payouts."""
