"""visit photos

Revision ID: 0026_visit_photos
Revises: 0025_review_photos
Create Date: 2026-12-06 12:20:00.000000

A mentor's visit may carry up to three photos (issue 16, point 2), stored
as product photos are (a thumbnail and a large size) in a private folder.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_visit_photos"
down_revision = "0025_review_photos"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mentoring_visit_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("thumb_key", sa.String(length=200), nullable=False),
        sa.Column("large_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["mentoring_visits.id"],
            name=op.f("fk_mentoring_visit_photos_visit_id_mentoring_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_visit_photos")),
    )
    with op.batch_alter_table("mentoring_visit_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentoring_visit_photos_visit_id"), ["visit_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("mentoring_visit_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_visit_photos_visit_id"))
    op.drop_table("mentoring_visit_photos")
