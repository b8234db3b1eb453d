"""stripe checkout: the Checkout Session each card order is paid through
(one per order, its session id unique) and each Stripe webhook event once
(its id unique), with what it did (issue 13, card payments).

Revision ID: 0016_stripe_checkout
Revises: 0015_certificate_products
Create Date: 2026-12-06 03:30:04.806599

Orders gain the payment method "stripe": `orders.payment_method` is a plain
string with no CHECK, so nothing there changes. A receipt's recorder may be
empty: a card payment is confirmed by Stripe's signed webhook, not a person.
The downgrade drops the tables; it needs no card receipt left (their
recorder is empty).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_stripe_checkout"
down_revision = "0015_certificate_products"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stripe_checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('open', 'complete', 'expired')",
            name=op.f("ck_stripe_checkouts_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_stripe_checkouts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_stripe_checkouts_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_checkouts")),
        sa.UniqueConstraint("order_id", name=op.f("uq_stripe_checkouts_order_id")),
        sa.UniqueConstraint("session_id", name=op.f("uq_stripe_checkouts_session_id")),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "outcome IN ('applied', 'ignored', 'mismatch')",
            name=op.f("ck_stripe_events_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_stripe_events_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stripe_events_event_id")),
    )
    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stripe_events_order_id"), ["order_id"], unique=False)

    with op.batch_alter_table("payment_receipts", schema=None) as batch_op:
        batch_op.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table("payment_receipts", schema=None) as batch_op:
        batch_op.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripe_events_order_id"))

    op.drop_table("stripe_events")
    op.drop_table("stripe_checkouts")
