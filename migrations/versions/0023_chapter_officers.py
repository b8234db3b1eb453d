"""chapter officers

Revision ID: 0023_chapter_officers
Revises: 0022_reviews
Create Date: 2026-12-06 09:43:33.113381

Kecamatan chapter officers (issue 16): who an admin appointed to which
kecamatan, kept after removal (removed_at, removed_by) with at most one live
appointment per person and kecamatan; and the officers' recommendations on
membership applications, which the regency admin reads; and the product
changes an officer made on a member's behalf (assisted selling), which the
member reads as "dibantu oleh".
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_chapter_officers"
down_revision = "0022_reviews"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chapter_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "appointed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointed_by_id"],
            ["users.id"],
            name=op.f("fk_chapter_officers_appointed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_chapter_officers_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_chapter_officers_removed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chapter_officers_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_officers")),
    )
    with op.batch_alter_table("chapter_officers", schema=None) as batch_op:
        batch_op.create_index("ix_chapter_officers_kecamatan_id", ["kecamatan_id"], unique=False)
        batch_op.create_index(
            "uq_chapter_officers_live",
            ["user_id", "kecamatan_id"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.create_table(
        "chapter_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_chapter_recommendations_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["users.id"],
            name=op.f("fk_chapter_recommendations_officer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_recommendations")),
    )
    with op.batch_alter_table("chapter_recommendations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chapter_recommendations_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "product_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_product_changes_changed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_product_changes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_changes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_changes")),
    )
    with op.batch_alter_table("product_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_changes_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_product_changes_product_id", ["product_id", "changed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("product_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_product_changes_product_id")
        batch_op.drop_index(batch_op.f("ix_product_changes_member_id"))

    op.drop_table("product_changes")
    with op.batch_alter_table("chapter_recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_recommendations_member_id"))

    op.drop_table("chapter_recommendations")
    with op.batch_alter_table("chapter_officers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_chapter_officers_live",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )
        batch_op.drop_index("ix_chapter_officers_kecamatan_id")

    op.drop_table("chapter_officers")
