"""The fake Stripe server is as strict as Stripe where it matters to the
shop's tests: a parameter it does not know, a wrong key or a wrong URL is an
error in Stripe's shape, so a mistake in `stripe_api` cannot pass unseen."""

import pytest
import requests

from tests.payments.fake_stripe import SECRET_KEY, parse_params

AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}


def test_stripes_form_encoding_reads_as_nested_values():
    pairs = [
        ("line_items[0][price_data][unit_amount]", "1250000"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
        ("metadata[order_code]", "PA-1"),
        ("expand[]", "latest_charge"),
        ("expand[]", "customer"),
        ("mode", "payment"),
    ]

    assert parse_params(pairs) == {
        "line_items": [
            {"price_data": {"unit_amount": "1250000"}, "quantity": "2"},
            {"quantity": "1"},
        ],
        "metadata": {"order_code": "PA-1"},
        "expand": ["latest_charge", "customer"],
        "mode": "payment",
    }


@pytest.mark.parametrize(
    ("method", "path", "data", "headers", "status", "code"),
    [
        ("POST", "/v1/checkout/sessions", {"mode": "payment", "colour": "red"}, AUTH, 400,
         "parameter_unknown"),
        ("GET", "/v1/checkout/sessions/cs_test_x", None, {}, 401, None),
        ("GET", "/v1/checkout/sessions/cs_test_x", None, AUTH, 404, "resource_missing"),
        ("GET", "/v1/charges", None, AUTH, 404, None),
        ("DELETE", "/v1/refunds", None, AUTH, 404, None),
    ],
)  # fmt: skip
def test_the_fake_answers_mistakes_as_stripe_does(
    fake_stripe, method, path, data, headers, status, code
):
    answer = requests.request(
        method, fake_stripe.base_url + path, data=data, headers=headers, timeout=5
    )

    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert error.get("code") == code
    assert fake_stripe.requests[-1].status == status
