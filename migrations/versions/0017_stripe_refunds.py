"""stripe refunds: each attempt at giving a cancelled card part's money back
through Stripe (issue 13, refunds): its idempotency key and Stripe's refund
id unique, one row per part and attempt, its amount in whole rupiah and the
status Stripe last gave it.

Revision ID: 0017_stripe_refunds
Revises: 0016_stripe_checkout
Create Date: 2026-12-06 05:40:00.000000

New table only: nothing existing changes. The downgrade drops it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_stripe_refunds"
down_revision = "0016_stripe_checkout"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stripe_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller_order_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_stripe_refunds_amount_positive")),
        sa.CheckConstraint("attempt > 0", name=op.f("ck_stripe_refunds_attempt_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')",
            name=op.f("ck_stripe_refunds_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_stripe_refunds_requested_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_order_id"],
            ["seller_orders.id"],
            name=op.f("fk_stripe_refunds_seller_order_id_seller_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_stripe_refunds_idempotency_key")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_stripe_refunds_refund_id")),
        sa.UniqueConstraint(
            "seller_order_id", "attempt", name=op.f("uq_stripe_refunds_seller_order_id")
        ),
    )
    with op.batch_alter_table("stripe_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stripe_refunds_seller_order_id"), ["seller_order_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("stripe_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripe_refunds_seller_order_id"))

    op.drop_table("stripe_refunds")
