"""Database connections terminated under the shop (a restart, a failover,
an idle timeout): the next request gets a fresh connection (the pool pings
before it lends one, SQLALCHEMY_ENGINE_OPTIONS), so the shop recovers by
itself without a worker restart."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.postgres


def terminate_other_connections(database_url: str) -> int:
    """What `pg_terminate_backend` does to the shop's pooled connections."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            return len(
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        engine.dispose()


def test_requests_after_the_connections_were_terminated_are_served(make_app, database_url):
    seeding = make_app()
    with seeding.app_context():
        factories.ProductFactory(name="Mendoan Sokaraja")
        db.session.commit()
        db.session.remove()
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()  # each request its own app context, as under gunicorn
    assert client.get("/produk").status_code == 200

    assert terminate_other_connections(database_url) >= 1

    answers = [client.get("/produk") for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert all("Mendoan Sokaraja" in response.text for response in answers)
