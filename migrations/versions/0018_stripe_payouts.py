"""stripe payouts: Stripe paying its balance out to the association's bank
account, one row per payout id, written with the ledger posting its
`payout.paid` / `payout.failed` event made (issue 13, point 6).

Revision ID: 0018_stripe_payouts
Revises: 0017_stripe_refunds
Create Date: 2026-12-06 05:50:00.000000

Numbered 0018: 0017 is the Stripe refunds' migration on another branch; at
merge this revises 0017_* instead (one line, `down_revision`).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_stripe_payouts"
down_revision = "0017_stripe_refunds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stripe_payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("arrival_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_stripe_payouts_amount_positive")),
        sa.CheckConstraint(
            "status IN ('paid', 'failed')", name=op.f("ck_stripe_payouts_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_payouts")),
        sa.UniqueConstraint("payout_id", name=op.f("uq_stripe_payouts_payout_id")),
    )


def downgrade():
    op.drop_table("stripe_payouts")
