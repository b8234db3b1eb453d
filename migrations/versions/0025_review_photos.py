"""review photos

Revision ID: 0025_review_photos
Revises: 0024_mentoring
Create Date: 2026-12-06 12:20:00.000000

Up to three photos under a buyer's review, stored through the same image
pipeline as product photos (one key each, at the large size, with its
pixels); deleted with their review (issue 16, reviews with photos).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_review_photos"
down_revision = "0024_mentoring"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_photos_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_photos")),
        sa.UniqueConstraint("key", name=op.f("uq_review_photos_key")),
        sa.UniqueConstraint("review_id", "position", name=op.f("uq_review_photos_review_id")),
    )


def downgrade():
    op.drop_table("review_photos")
