"""members updated_at

Revision ID: 0021_members_updated_at
Revises: 0020_payout_batches
Create Date: 2026-12-06 09:10:00.000000

When a member's row last changed (the shop's profile, its status), so the
sitemap can date a shop page (issue 15, search engines). Members already
there take their approval, else their application, as their last change.
SQLite cannot add a column with a non-constant default in place: the
column is added empty, filled, then the table is copied with the default
and NOT NULL.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_members_updated_at"
down_revision = "0020_payout_batches"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("members", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE members SET updated_at = COALESCE(approved_at, created_at)")
    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column(
            "updated_at",
            existing_type=sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
        )


def downgrade():
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("updated_at")
