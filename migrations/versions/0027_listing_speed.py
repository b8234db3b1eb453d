"""listing speed: facet counts kept by triggers, indexes for the rating
sort and the rating filter

Revision ID: 0027_listing_speed
Revises: 0026_visit_photos
Create Date: 2026-12-06 12:30:00.000000

At 100,000 products a catalog page spent most of its time counting: a
grouped count over every active product for the facets. `listing_counts`
keeps, per member and category, how many active products there are;
triggers on `products` move it in the same transaction as every insert,
delete, or change of status, member or category (whatever makes it: the
forms, imports, the status mover, raw SQL, the benchmark's bulk load). The
page adds up those few thousand rows for the approved members.

Two indexes, outside the models as the search objects are (migrations/env.py
leaves them out of autogenerate): one whose expression is exactly the
rating sort's (`catalog.queries.RATING_AVERAGE`), so "Rating tertinggi"
reads the first 24 from an index instead of sorting every product; and a
partial one over reviewed products for "★4 ke atas" and its counts.

Plain CREATE statements only: a batch copy of `products` on SQLite would
drop its triggers (the full-text ones and these). A later migration that
rebuilds `products` on SQLite must create them again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_listing_speed"
down_revision = "0026_visit_photos"
branch_labels = None
depends_on = None

# Keep in step with catalog.queries.RATING_AVERAGE: the planner uses the
# index only for the very same expression.
RATING_AVERAGE = "CASE WHEN rating_count > 0 THEN rating_sum * 1.0 / rating_count ELSE 0 END"
INDEXES = (
    (
        "CREATE INDEX ix_products_top_rated ON products "
        f"(status, ({RATING_AVERAGE}), rating_count, id, member_id, category_id)"
    ),
    (
        "CREATE INDEX ix_products_rated ON products "
        "(status, member_id, category_id, rating_sum, rating_count) WHERE rating_count > 0"
    ),
)
BACKFILL = (
    "INSERT INTO listing_counts (member_id, category_id, active_products) "
    "SELECT member_id, category_id, count(*) FROM products WHERE status = 'active' "
    "GROUP BY member_id, category_id"
)
ADD_ONE = (
    "INSERT INTO listing_counts (member_id, category_id, active_products) "
    "VALUES (NEW.member_id, NEW.category_id, 1) "
    "ON CONFLICT (member_id, category_id) "
    "DO UPDATE SET active_products = listing_counts.active_products + 1"
)
TAKE_ONE = (
    "UPDATE listing_counts SET active_products = active_products - 1 "
    "WHERE member_id = OLD.member_id AND category_id = OLD.category_id"
)
MOVED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.member_id IS DISTINCT FROM NEW.member_id "
    "OR OLD.category_id IS DISTINCT FROM NEW.category_id"
)

POSTGRESQL_UPGRADE = (
    f"""CREATE FUNCTION listing_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.status = 'active' THEN {TAKE_ONE}; END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            IF NEW.status = 'active' THEN {ADD_ONE}; END IF;
        END IF;
        RETURN NULL;
    END $$""",
    (
        "CREATE TRIGGER products_listing_counts AFTER INSERT OR DELETE ON products "
        "FOR EACH ROW EXECUTE FUNCTION listing_counts_follow()"
    ),
    (
        "CREATE TRIGGER products_listing_counts_moved "
        "AFTER UPDATE OF status, member_id, category_id ON products "
        f"FOR EACH ROW WHEN ({MOVED}) EXECUTE FUNCTION listing_counts_follow()"
    ),
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER products_listing_counts_moved ON products",
    "DROP TRIGGER products_listing_counts ON products",
    "DROP FUNCTION listing_counts_follow()",
)
SQLITE_UPGRADE = (
    (
        "CREATE TRIGGER products_listing_counts_insert AFTER INSERT ON products "
        f"WHEN NEW.status = 'active' BEGIN {ADD_ONE}; END"
    ),
    (
        "CREATE TRIGGER products_listing_counts_delete AFTER DELETE ON products "
        f"WHEN OLD.status = 'active' BEGIN {TAKE_ONE}; END"
    ),
    (
        "CREATE TRIGGER products_listing_counts_update "
        "AFTER UPDATE OF status, member_id, category_id ON products "
        f"WHEN {MOVED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
        f"{TAKE_ONE} AND OLD.status = 'active'; "
        "INSERT INTO listing_counts (member_id, category_id, active_products) "
        "SELECT NEW.member_id, NEW.category_id, 1 WHERE NEW.status = 'active' "
        "ON CONFLICT (member_id, category_id) "
        "DO UPDATE SET active_products = listing_counts.active_products + 1; END"
    ),
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER products_listing_counts_update",
    "DROP TRIGGER products_listing_counts_delete",
    "DROP TRIGGER products_listing_counts_insert",
)


def _run(postgresql: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    statements = postgresql if op.get_bind().dialect.name == "postgresql" else sqlite
    for statement in statements:
        op.execute(statement)


def upgrade():
    op.create_table(
        "listing_counts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("active_products", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_listing_counts_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_listing_counts_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "category_id", name=op.f("pk_listing_counts")),
    )
    op.execute(BACKFILL)
    _run(POSTGRESQL_UPGRADE, SQLITE_UPGRADE)
    for statement in INDEXES:
        op.execute(statement)


def downgrade():
    op.drop_index("ix_products_rated", table_name="products")
    op.drop_index("ix_products_top_rated", table_name="products")
    _run(POSTGRESQL_DOWNGRADE, SQLITE_DOWNGRADE)
    op.drop_table("listing_counts")
