"""The treasurer (bendahara): confirm bank transfers, pay refunds back, and
a first look at the ledger's balances."""
