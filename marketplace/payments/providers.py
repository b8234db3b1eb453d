"""The one small interface every payment provider has, and which provider
takes each payment method. A provider is a module with three verbs:

- `start(order=)`: begin paying for a placed order; the absolute URL to send
  the shopper to, or None when the order's own page says how to pay;
- `confirm(order=, amount=, by=, part=, note=, now=)`: the money arrived
  (`part` for a provider paid part by part, such as cash); checks the amount,
  writes the receipt and has orders mark the order or part paid, or refuses
  and writes nothing;
- `refund(part=, by=, now=)`: give a cancelled part's money back through the
  provider (a card: Stripe; it commits, see `stripe_refunds`);
  `RefundNotSupported` where the treasurer pays it back by hand.

Orders never learn which provider paid: they are told "paid" by
`orders.fulfilment.mark_paid` or `complete`."""

from datetime import datetime
from typing import Protocol

from marketplace.accounts.models import User
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import PaymentMethod
from marketplace.payments import bank_transfer, cash, stripe_checkout
from marketplace.payments.models import PaymentReceipt


class Provider(Protocol):
    def start(self, *, order: Order) -> str | None: ...

    def confirm(
        self,
        *,
        order: Order,
        amount: int,
        by: User,
        part: OrderPart | None = None,
        note: str = "",
        now: datetime | None = None,
    ) -> PaymentReceipt | None: ...

    def refund(self, *, part: OrderPart, by: User | None, now: datetime | None = None) -> None: ...


PROVIDERS: dict[PaymentMethod, Provider] = {
    PaymentMethod.BANK_TRANSFER: bank_transfer,
    PaymentMethod.CASH: cash,
    PaymentMethod.STRIPE: stripe_checkout,
}


def provider_for(method: PaymentMethod | str) -> Provider:
    """The provider that takes payments by `method` (an order's
    `payment_method`); KeyError for a method no provider takes."""
    return PROVIDERS[PaymentMethod(method)]
