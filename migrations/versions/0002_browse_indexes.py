"""indexes for browsing without joins: the facet counts and one index per
sort order, each covering the columns the listing filters on

Plain create/drop (no batch mode) so SQLite never rebuilds the products
table, which would lose its full-text triggers.

Revision ID: 0002_browse_indexes
Revises: 0001_foundation
Create Date: 2026-11-28 04:02:48.336781

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_browse_indexes"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

SORT_INDEXES = {
    "ix_products_newest": "created_at",
    "ix_products_cheapest": "min_price",
    "ix_products_dearest": "max_price",
    "ix_products_popular": "sold_count",
}


def upgrade():
    op.drop_index("ix_products_category_id_status", table_name="products")
    op.drop_index("ix_products_member_id_status", table_name="products")
    op.drop_index("ix_products_min_price", table_name="products")
    op.drop_index("ix_products_status_created_at", table_name="products")
    op.create_index("ix_products_category_id", "products", ["category_id"])
    op.create_index(
        "ix_products_listing",
        "products",
        ["status", "member_id", "category_id", "min_price", "max_price", "total_stock"],
    )
    for name, sort_column in SORT_INDEXES.items():
        op.create_index(name, "products", ["status", sort_column, "id", "member_id", "category_id"])


def downgrade():
    for name in SORT_INDEXES:
        op.drop_index(name, table_name="products")
    op.drop_index("ix_products_listing", table_name="products")
    op.drop_index("ix_products_category_id", table_name="products")
    op.create_index("ix_products_status_created_at", "products", ["status", "created_at"])
    op.create_index("ix_products_min_price", "products", ["min_price"])
    op.create_index("ix_products_member_id_status", "products", ["member_id", "status"])
    op.create_index("ix_products_category_id_status", "products", ["category_id", "status"])
