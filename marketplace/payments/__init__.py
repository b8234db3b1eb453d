"""Payments: how an order is paid and refunded, whoever takes the money.

Each provider (bank transfer, cash, Stripe Checkout) is a small module with
the same three verbs: start a payment for an order, confirm it, refund it.
The rest of the shop asks for those verbs and never learns which provider
paid.

The domain sits beside accounts and ledger, below orders: it takes plain
values (amounts in whole rupiah, order codes, absolute URLs built from
PUBLIC_URL) and never imports orders, catalog or members.

`stripe_api` is the only module that imports the `stripe` library. It turns
rupiah into Stripe's amounts and back, builds the client from config (never
a global API key), and turns every Stripe failure into one
`PaymentProviderError` that says whether trying again can help. An order is
paid by a signed webhook only, never by the shopper's return to the shop."""
