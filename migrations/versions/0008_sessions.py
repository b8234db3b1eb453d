"""sessions: one row per login, verified emails, a refund's unique code stored

Revision ID: 0008_sessions
Revises: 0007_outbox_delivery
Create Date: 2026-12-05 16:17:40.566172

Logins made before this revision have no row, so they end: everyone logs in
once more. Accounts made before it count as unverified and verify at their
next checkout. The refund's unique code, inferred until now as what the
refund adds to the part's total, is stored; the column is added with its
CHECK inline, so SQLite adds it with ALTER TABLE instead of copying the table.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_sessions"
down_revision = "0007_outbox_delivery"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_login_sessions_secret_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"], unique=False)

    op.execute(
        "ALTER TABLE seller_orders ADD COLUMN refund_unique_code INTEGER DEFAULT 0 NOT NULL "
        "CONSTRAINT ck_seller_orders_refund_unique_code_range "
        "CHECK (refund_unique_code >= 0 AND refund_unique_code <= 999)"
    )
    op.execute(
        "UPDATE seller_orders SET refund_unique_code = refund_amount - subtotal - delivery_fee "
        "WHERE refund_amount > subtotal + delivery_fee"
    )
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_seller_orders_refund_unique_code_range"), type_="check"
        )
        batch_op.drop_column("refund_unique_code")
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
