"""search words: the vocabulary of the active products' names kept by
triggers on PostgreSQL

Revision ID: 0028_search_words
Revises: 0027_listing_speed
Create Date: 2026-12-06 16:00:00.000000

"Maksud Anda …?" (catalog/suggest.py) compares a search that found nothing
with every word of the active products' names and how many products hold
it. PostgreSQL found them with `ts_stat` over every active product's search
vector: 170-445 ms at 100,000 products for about 220 words, on every such
search the page cache did not answer. `search_words` keeps them, moved by
triggers on `products` in the same transaction as any insert, delete or
change of name or status (however it is made: forms, imports, the status
mover, raw SQL, the benchmark's bulk load).

Inserts and deletes are counted per statement, from their transition
tables: counted per row, a word many products share would be updated once
per product in one transaction, each update walking the row versions the
ones before it left (100,000 products deleted at once took minutes). A
change of name or status is counted per row (transition tables cannot go
with `UPDATE OF` columns, and a trigger on every update would cost each
sale's stock update). Words are taken in their own order, so two
transactions lock the words they share alike.

A name's words are `to_tsvector('simple', name)`'s: the name's part of the
search vector (weight A, migration 0014). PostgreSQL only, like the search
vector, and outside the models (migrations/env.py leaves it out of
autogenerate); SQLite reads its full-text index's own vocabulary
(`products_fts_vocab`).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_search_words"
down_revision = "0027_listing_speed"
branch_labels = None
depends_on = None


def _words(row: str) -> str:
    return f"unnest(tsvector_to_array(to_tsvector('simple', coalesce({row}.name, ''))))"


def _counted(rows: str) -> str:
    """(word, how many of `rows`' active products have it), in the words' order."""
    return (
        f"SELECT word, count(*) AS products FROM {rows}, {_words(rows)} AS word "
        f"WHERE {rows}.status = 'active' GROUP BY word ORDER BY word"
    )


BACKFILL = (
    "INSERT INTO search_words (word, products) SELECT word, ndoc FROM ts_stat("
    "'SELECT search_vector FROM products WHERE status = ''active''', 'a')"
)
ADDED = f"""CREATE FUNCTION search_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_words (word, products) {_counted("added")}
        ON CONFLICT (word) DO UPDATE SET products = search_words.products + EXCLUDED.products;
        RETURN NULL;
    END $$"""
REMOVED = f"""CREATE FUNCTION search_words_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_words SET products = search_words.products - gone.products
        FROM ({_counted("removed")}) AS gone WHERE search_words.word = gone.word;
        RETURN NULL;
    END $$"""
CHANGED = f"""CREATE FUNCTION search_words_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'active' THEN
            UPDATE search_words SET products = products - 1
            WHERE word IN (SELECT {_words("OLD")});
        END IF;
        IF NEW.status = 'active' THEN
            INSERT INTO search_words (word, products)
            SELECT word, 1 FROM {_words("NEW")} AS word ORDER BY word
            ON CONFLICT (word) DO UPDATE SET products = search_words.products + 1;
        END IF;
        RETURN NULL;
    END $$"""

UPGRADE = (
    "CREATE TABLE search_words (word text PRIMARY KEY, products integer NOT NULL)",
    BACKFILL,
    ADDED,
    REMOVED,
    CHANGED,
    (
        "CREATE TRIGGER products_search_words_added AFTER INSERT ON products "
        "REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_words_added()"
    ),
    (
        "CREATE TRIGGER products_search_words_removed AFTER DELETE ON products "
        "REFERENCING OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_words_removed()"
    ),
    (
        "CREATE TRIGGER products_search_words_changed AFTER UPDATE OF name, status ON products "
        "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name "
        "OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION search_words_changed()"
    ),
)
DOWNGRADE = (
    "DROP TRIGGER products_search_words_changed ON products",
    "DROP TRIGGER products_search_words_removed ON products",
    "DROP TRIGGER products_search_words_added ON products",
    "DROP FUNCTION search_words_changed()",
    "DROP FUNCTION search_words_removed()",
    "DROP FUNCTION search_words_added()",
    "DROP TABLE search_words",
)


def _run(statements: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
