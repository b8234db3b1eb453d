"""search ranked: a weighted search vector on PostgreSQL, the FTS5
vocabulary on SQLite

Revision ID: 0014_search_ranked
Revises: 0013_ledger_balanced
Create Date: 2026-12-06 03:00:00.000000

Search sorts by relevance, by where the words are: in the name before
the description (`catalog.queries`). On PostgreSQL a stored, generated
`tsvector` column keeps the name's words (weight A) apart from the
description's (B), so a query can ask for the name alone through the same
GIN index, which moves onto the column, without building a vector per
matching row. SQLite's FTS5 table already keeps both columns apart (a
query names its column), and gains a vocabulary view
(`fts5vocab`) of its words, from which `catalog.suggest` picks a
correction ("Maksud Anda …?"). Both stay outside the models, as the first
migration's search objects do (migrations/env.py leaves them out of
autogenerate).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_search_ranked"
down_revision = "0013_ledger_balanced"
branch_labels = None
depends_on = None

POSTGRESQL_UPGRADE = (
    """ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(description, '')), 'B')) STORED""",
    "DROP INDEX ix_products_search",
    "CREATE INDEX ix_products_search ON products USING gin (search_vector)",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX ix_products_search",
    "ALTER TABLE products DROP COLUMN search_vector",
    """CREATE INDEX ix_products_search ON products USING gin (
        to_tsvector('simple', coalesce(products.name, '') || ' ' ||
        coalesce(products.description, '')))""",
)
SQLITE_UPGRADE = ("CREATE VIRTUAL TABLE products_fts_vocab USING fts5vocab(products_fts, 'col')",)
SQLITE_DOWNGRADE = ("DROP TABLE products_fts_vocab",)


def _run(postgresql: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    statements = postgresql if op.get_bind().dialect.name == "postgresql" else sqlite
    for statement in statements:
        op.execute(statement)


def upgrade():
    _run(POSTGRESQL_UPGRADE, SQLITE_UPGRADE)


def downgrade():
    _run(POSTGRESQL_DOWNGRADE, SQLITE_DOWNGRADE)
