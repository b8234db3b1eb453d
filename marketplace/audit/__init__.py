"""The audit log: who did what to money and rules, append-only like the ledger."""
