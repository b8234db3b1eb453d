"""Rupiah and Stripe's amounts: IDR has two decimals in Stripe's API, the
shop has no sen."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.payments.errors import InvalidStripeAmount
from marketplace.payments.stripe_api import from_stripe_amount, to_stripe_amount


@given(st.integers(min_value=0, max_value=10**10))
def test_rupiah_round_trips_through_stripe_amounts(rupiah):
    amount = to_stripe_amount(rupiah)
    assert amount == rupiah * 100
    assert from_stripe_amount(amount) == rupiah


@given(st.integers(min_value=0, max_value=10**12).filter(lambda amount: amount % 100))
def test_a_stripe_amount_with_sen_is_refused(amount):
    with pytest.raises(InvalidStripeAmount, match="bukan rupiah bulat"):
        from_stripe_amount(amount)


def test_fifteen_thousand_rupiah_is_one_and_a_half_million_for_stripe():
    assert to_stripe_amount(15_000) == 1_500_000
    assert from_stripe_amount(1_500_000) == 15_000


@pytest.mark.parametrize("convert", [to_stripe_amount, from_stripe_amount])
@pytest.mark.parametrize("amount", [-1, -100, True, False, 1.0, 100.0, "100", None])
def test_negative_and_non_integer_amounts_are_refused(convert, amount):
    with pytest.raises(InvalidStripeAmount):
        convert(amount)
