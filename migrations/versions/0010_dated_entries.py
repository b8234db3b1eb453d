"""dated entries: each ledger entry carries its transaction's occurred_at,
so a month's sum reads the entries by date on one index instead of joining
every entry to its transaction

Revision ID: 0010_dated_entries
Revises: 0009_treasurer_books
Create Date: 2026-12-05 20:34:25.800784

Entries are append-only (0004_ledger): the backfill of the rows already
there runs with the UPDATE guard lifted inside this migration, and puts it
back. On SQLite making the column NOT NULL copies the table, which drops
its triggers, so they are created again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_dated_entries"
down_revision = "0009_treasurer_books"
branch_labels = None
depends_on = None

REFUSAL = "Buku besar tidak boleh diubah atau dihapus; koreksi dengan transaksi pembalik."
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER ledger_entries_refuse_update BEFORE UPDATE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER ledger_entries_refuse_delete BEFORE DELETE ON ledger_entries
    WHEN NOT EXISTS (SELECT 1 FROM ledger_purge_permits)
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)
BACKFILL = """
UPDATE ledger_entries SET occurred_at = (
    SELECT t.occurred_at FROM ledger_transactions t WHERE t.id = ledger_entries.transaction_id
)"""


def _recreate_sqlite_triggers() -> None:
    op.execute("DROP TRIGGER IF EXISTS ledger_entries_refuse_update")
    op.execute("DROP TRIGGER IF EXISTS ledger_entries_refuse_delete")
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column(
        "ledger_entries", sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True)
    )
    if dialect == "postgresql":
        op.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_refuse_change")
        op.execute(BACKFILL)
        op.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_refuse_change")
        op.alter_column("ledger_entries", "occurred_at", nullable=False)
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_refuse_update")
        op.execute(BACKFILL)
        with op.batch_alter_table("ledger_entries", schema=None, recreate="always") as batch_op:
            batch_op.alter_column(
                "occurred_at", existing_type=sa.DateTime(timezone=True), nullable=False
            )
        _recreate_sqlite_triggers()
    op.create_index(
        "ix_ledger_entries_occurred_at",
        "ledger_entries",
        ["occurred_at", "account_id"],
        unique=False,
        postgresql_include=["amount"],
    )


def downgrade():
    op.drop_index("ix_ledger_entries_occurred_at", table_name="ledger_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("ledger_entries", "occurred_at")
    else:
        with op.batch_alter_table("ledger_entries", schema=None, recreate="always") as batch_op:
            batch_op.drop_column("occurred_at")
        _recreate_sqlite_triggers()
