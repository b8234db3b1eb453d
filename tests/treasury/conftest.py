"""The fake Stripe server for the treasurer's card pages (the fixtures of
tests/payments/conftest.py; a test points the app at it with
`app.config.update(fake_stripe.config())`)."""

from tests.payments.conftest import fake_stripe, fake_stripe_server

__all__ = ["fake_stripe", "fake_stripe_server"]
