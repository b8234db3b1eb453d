"""The providers' one small interface (payments.providers): each payment
method a shopper can choose has its provider, each provider has the three
verbs, and bank transfer and cash send no refunds themselves (the treasurer
pays them back by hand, as `orders.fulfilment.mark_refund_paid` records)."""

import pytest

from marketplace.orders.status import PaymentMethod
from marketplace.payments import bank_transfer, cash, stripe_checkout
from marketplace.payments.errors import PaymentError, RefundNotSupported
from marketplace.payments.providers import PROVIDERS, provider_for
from tests.orders.flows import two_part_order

pytestmark = pytest.mark.usefixtures("app_context")


def test_each_payment_method_has_its_provider():
    assert set(PROVIDERS) == set(PaymentMethod)
    assert provider_for(PaymentMethod.BANK_TRANSFER) is bank_transfer
    assert provider_for("cash") is cash  # as an order stores its method
    assert provider_for("stripe") is stripe_checkout


def test_a_method_no_provider_takes_is_refused():
    with pytest.raises(ValueError):
        provider_for("stripe_checkout")


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH])
def test_the_shopper_is_sent_nowhere_the_orders_page_says_how_to_pay(app, method):
    order = two_part_order(payment_method=method.value)
    assert provider_for(order.payment_method).start(order=order) is None


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH])
def test_refunds_are_not_sent_through_bank_transfer_or_cash(app, method):
    order = two_part_order(payment_method=method.value)
    with pytest.raises(RefundNotSupported) as refused:
        provider_for(method).refund(part=order.parts[0], by=order.buyer)
    assert isinstance(refused.value, PaymentError)
    assert "bendahara" in refused.value.message
