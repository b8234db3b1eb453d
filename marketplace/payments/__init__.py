"""Payments: how an order is paid and refunded, whoever takes the money.

Each provider (`bank_transfer`, `cash`, `stripe_checkout`) is a small
module with the same three verbs: start a payment for an order, confirm it,
refund it (`providers`: the interface and which provider takes each payment
method). The payment records (`models.PaymentReceipt`) live here.

The domain sits above orders: a provider checks the money, records it and
calls an orders service (`fulfilment.mark_paid`, `fulfilment.complete`)
that moves the order; orders never import payments, so they never learn
which provider paid. The only exception is orders' own pages (the member's
"selesai" with the cash taken), which call `cash.confirm` as the treasurer's
pages call `bank_transfer.confirm`: see the import contract in pyproject.

`stripe_api` is the only module that imports the `stripe` library. It turns
rupiah into Stripe's amounts and back, builds the client from config (never
a global API key), and turns every Stripe failure into one
`PaymentProviderError` that says whether trying again can help. An order is
paid by a signed webhook, or when the treasurer asks Stripe about a stuck
order (`stripe_sync`, the webhook's own decision on the session Stripe
returns); never by the shopper's return to the shop. Stripe paying its balance to the
association's bank moves cash:stripe to cash:bank (`stripe_payouts`)."""
