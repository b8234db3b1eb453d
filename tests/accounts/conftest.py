import pytest

from marketplace.accounts.models import OutboxEmail, User
from marketplace.extensions import db


@pytest.fixture
def counts():
    """How many users and outbox emails there are now: a refused action changes neither."""

    def count() -> tuple[int, int]:
        return tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (User, OutboxEmail)
        )

    return count
