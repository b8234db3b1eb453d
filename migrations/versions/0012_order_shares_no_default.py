"""order shares without a default

Revision ID: 0012_order_shares_no_default
Revises: 0011_order_events
Create Date: 2026-12-06 00:30:00.000000

An order's commission shares are always the COMMISSION_SHARES checkout read
(their default lives in config.py only); the defaults 0006 gave the columns
filled the orders placed before it. SQLite cannot drop a column default in
place: the table is copied, with its indexes (the partial one on open
transfers too) and its constraints.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_order_shares_no_default"
down_revision = "0011_order_events"
branch_labels = None
depends_on = None

SHARES = {"share_empowerment": "50", "share_central": "30", "share_kecamatan": "20"}


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        for column in SHARES:
            batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table("orders") as batch_op:
        for column, default in SHARES.items():
            batch_op.alter_column(column, server_default=default)
