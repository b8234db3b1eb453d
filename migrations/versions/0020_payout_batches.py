"""payout batches: the treasurer's batches of payouts to members and
their lines, one per member, each with the bank account it goes to and
whether it was transferred or failed; the commission members owing it on
cash sales bring in (issue 14, paying members).

Revision ID: 0020_payout_batches
Revises: 0019_statement_lines
Create Date: 2026-12-06 05:23:44.665294

A batch approved by its own preparer is refused by a CHECK as well as by
the service. The downgrade drops the tables (their postings stay in the
ledger, which names the batch or the member as its subject).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_payout_batches"
down_revision = "0019_statement_lines"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "prepared_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by_id", sa.Integer(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('prepared', 'approved', 'rejected', 'done')",
            name=op.f("ck_payout_batches_status_known"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> prepared_by_id",
            name=op.f("ck_payout_batches_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_payout_batches_approved_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"],
            ["users.id"],
            name=op.f("fk_payout_batches_prepared_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rejected_by_id"],
            ["users.id"],
            name=op.f("fk_payout_batches_rejected_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
    )
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.create_index("ix_payout_batches_status", ["status", "prepared_at"], unique=False)

    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("bank_name", sa.String(length=60), nullable=False),
        sa.Column("bank_account_number", sa.String(length=30), nullable=False),
        sa.Column("bank_account_holder", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), server_default="", nullable=False),
        sa.Column("failure_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'transferred', 'failed')", name=op.f("ck_payout_lines_status_known")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payout_lines_amount_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["payout_batches.id"],
            name=op.f("fk_payout_lines_batch_id_payout_batches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_payout_lines_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_payout_lines_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_lines")),
        sa.UniqueConstraint("batch_id", "member_id", name=op.f("uq_payout_lines_batch_id")),
    )
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.create_index("ix_payout_lines_member_id", ["member_id", "status"], unique=False)

    op.create_table(
        "commission_deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("deposited_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_commission_deposits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_commission_deposits_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_commission_deposits_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_deposits")),
    )
    with op.batch_alter_table("commission_deposits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commission_deposits_member_id", ["member_id", "deposited_on"], unique=False
        )


def downgrade():
    with op.batch_alter_table("commission_deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_deposits_member_id")

    op.drop_table("commission_deposits")
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_lines_member_id")

    op.drop_table("payout_lines")
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_batches_status")

    op.drop_table("payout_batches")
