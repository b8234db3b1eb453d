"""The only way ledger rows are ever deleted: the test suite's cleanup
(tests/conftest.py, empty_database). Nothing under marketplace/ does this."""

from sqlalchemy import Connection, text

from marketplace.ledger.models import LedgerPurgePermit


def allow_ledger_purge(connection: Connection) -> None:
    """Let the transaction open on `connection` delete ledger rows. On
    PostgreSQL the permission is a setting that ends with the transaction;
    on SQLite a row in ledger_purge_permits, which the same cleanup deletes
    along with every other table (after the ledger tables: they have foreign
    keys, the permit table none, and the cleanup deletes dependents first)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL ledger.allow_purge = 'on'"))
    else:
        connection.execute(LedgerPurgePermit.__table__.insert())
