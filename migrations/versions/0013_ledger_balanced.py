"""ledger balanced: PostgreSQL refuses to commit a ledger transaction whose
entries do not sum to zero

Revision ID: 0013_ledger_balanced
Revises: 0012_order_shares_no_default
Create Date: 2026-12-08 10:00:00.000000

`ledger.services.post()` checks every posting before it writes; this is the
database's own check, after every Python guard, as django-hordak has it: a
constraint trigger, DEFERRABLE INITIALLY DEFERRED, so the entries of a
transaction may arrive one row at a time and are summed at COMMIT. It runs
for each entry inserted (or changed, or deleted: the append-only triggers of
0004_ledger refuse those, except the test suite's purge, which leaves
nothing to sum) and sums the entries of that entry's transaction, on the
transaction_id index.

SQLite has no deferred triggers: one firing at each INSERT would refuse the
first entry of every transaction. There the Python check in `post()` is the
guard, and `flask ledger check` reports any transaction that does not sum
to zero.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_ledger_balanced"
down_revision = "0012_order_shares_no_default"
branch_labels = None
depends_on = None

UNBALANCED = "Transaksi buku besar #% tidak seimbang: debit dan kredit berselisih % rupiah."

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION ledger_refuse_unbalanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched integer[];
    checked integer;
    difference bigint;
BEGIN
    touched := CASE TG_OP
        WHEN 'INSERT' THEN ARRAY[NEW.transaction_id]
        WHEN 'DELETE' THEN ARRAY[OLD.transaction_id]
        ELSE ARRAY[OLD.transaction_id, NEW.transaction_id]  -- an entry moved: both
    END;
    FOREACH checked IN ARRAY touched LOOP
        SELECT coalesce(sum(amount), 0) INTO difference
            FROM ledger_entries WHERE transaction_id = checked;
        IF difference <> 0 THEN
            RAISE EXCEPTION '{UNBALANCED}', checked, difference
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$"""
POSTGRESQL_TRIGGER = """
CREATE CONSTRAINT TRIGGER ledger_entries_balanced
AFTER INSERT OR UPDATE OR DELETE ON ledger_entries
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION ledger_refuse_unbalanced()"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_balanced ON ledger_entries")
        op.execute("DROP FUNCTION ledger_refuse_unbalanced()")
