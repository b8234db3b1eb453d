"""settlement: commission rates, cash, payment and fulfilment times

Revision ID: 0006_settlement
Revises: 0005_orders
Create Date: 2026-11-28 05:51:18.961543

Columns are only added, with their constraints inline, so SQLite adds them
with ALTER TABLE instead of copying the tables (which would drop the
partial index on open transfers).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_settlement"
down_revision = "0005_orders"
branch_labels = None
depends_on = None

RATE_RANGE = "commission_bps IS NULL OR (commission_bps >= 0 AND commission_bps <= 10000)"


def add_column_with(table, definition):
    """ALTER TABLE ... ADD COLUMN with an inline constraint, on both databases
    (Alembic's SQLite support refuses constraints outside a table copy)."""
    op.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")


def upgrade():
    add_column_with(
        "categories",
        f"commission_bps INTEGER CONSTRAINT ck_categories_commission_bps_range CHECK ({RATE_RANGE})",
    )
    op.add_column(
        "members",
        sa.Column("accepts_cash", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    add_column_with(
        "members",
        f"commission_bps INTEGER CONSTRAINT ck_members_commission_bps_range CHECK ({RATE_RANGE})",
    )

    op.add_column("orders", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "orders", sa.Column("share_empowerment", sa.Integer(), server_default="50", nullable=False)
    )
    op.add_column(
        "orders", sa.Column("share_central", sa.Integer(), server_default="30", nullable=False)
    )
    op.add_column(
        "orders", sa.Column("share_kecamatan", sa.Integer(), server_default="20", nullable=False)
    )

    op.add_column(
        "seller_orders",
        sa.Column("kecamatan_slug", sa.String(length=60), server_default="", nullable=False),
    )
    # Parts placed before this revision: their member's kecamatan now.
    op.execute(
        "UPDATE seller_orders SET kecamatan_slug = (SELECT kecamatan.slug FROM members "
        "JOIN kecamatan ON kecamatan.id = members.kecamatan_id "
        "WHERE members.id = seller_orders.member_id)"
    )
    op.add_column("seller_orders", sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "seller_orders", sa.Column("processing_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "seller_orders", sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "seller_orders", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "seller_orders", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
    )
    add_column_with(
        "seller_orders",
        "refund_amount BIGINT DEFAULT 0 NOT NULL CONSTRAINT "
        "ck_seller_orders_refund_amount_not_negative CHECK (refund_amount >= 0)",
    )
    op.add_column(
        "seller_orders", sa.Column("refund_paid_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "seller_orders", sa.Column("payable_released_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_seller_orders_status_completed_at",
        "seller_orders",
        ["status", "completed_at"],
        unique=False,
    )

    op.create_table(
        "payment_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seller_order_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_receipts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_receipts_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_payment_receipts_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_order_id"],
            ["seller_orders.id"],
            name=op.f("fk_payment_receipts_seller_order_id_seller_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_receipts")),
        sa.UniqueConstraint("key", name=op.f("uq_payment_receipts_key")),
    )
    with op.batch_alter_table("payment_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_receipts_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_receipts_seller_order_id"), ["seller_order_id"], unique=False
        )


def downgrade():
    op.drop_index("ix_seller_orders_status_completed_at", table_name="seller_orders")
    op.drop_table("payment_receipts")
    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_seller_orders_refund_amount_not_negative"), type_="check"
        )
        batch_op.drop_column("payable_released_at")
        batch_op.drop_column("refund_paid_at")
        batch_op.drop_column("refund_amount")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("completed_at")
        batch_op.drop_column("dispatched_at")
        batch_op.drop_column("processing_at")
        batch_op.drop_column("paid_at")
        batch_op.drop_column("kecamatan_slug")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("share_kecamatan")
        batch_op.drop_column("share_central")
        batch_op.drop_column("share_empowerment")
        batch_op.drop_column("completed_at")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_members_commission_bps_range"), type_="check")
        batch_op.drop_column("commission_bps")
        batch_op.drop_column("accepts_cash")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_categories_commission_bps_range"), type_="check")
        batch_op.drop_column("commission_bps")
