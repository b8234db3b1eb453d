"""The fake Stripe server (one for the session, emptied before each test) and
the shared app pointed at it (STRIPE_* from `fake_stripe.config()`).
Elsewhere: `make_app(**fake_stripe.config())`."""

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.payments.fake_stripe import FakeStripe


@pytest.fixture(scope="session")
def fake_stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_stripe(fake_stripe_server: FakeStripe) -> FakeStripe:
    fake_stripe_server.reset()
    return fake_stripe_server


@pytest.fixture
def app(app: Flask, fake_stripe: FakeStripe) -> Flask:
    """The shared app with Stripe's keys, talking to the fake server (its
    config is put back as built before the next test)."""
    app.config.update(fake_stripe.config())
    return app
