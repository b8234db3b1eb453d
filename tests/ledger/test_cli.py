import pytest
from sqlalchemy import select, text

from marketplace.extensions import db
from marketplace.ledger.models import LedgerAccount, LedgerEntry
from marketplace.ledger.services import post
from tests.ledger.helpers import SALE
from tests.ledger.purge import allow_ledger_purge

pytestmark = pytest.mark.usefixtures("app_context")


def test_check_prints_the_trial_balance_and_passes_when_balanced(app, runner):
    post(key="order:17:sale", kind="sale", entries=SALE)
    payout = [("payable:member:12:pending", 100_000), ("cash:bank", -100_000)]
    post(key="payout:1", kind="payout", entries=payout)
    db.session.commit()

    result = runner.invoke(args=["ledger", "check"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Neraca saldo"
    assert any(line.startswith("cash:bank") and line.endswith("Rp15.000") for line in lines)
    assert any(
        line.startswith("payable:member:12:pending") and line.endswith("Rp9.250") for line in lines
    )
    jumlah = next(line for line in lines if line.startswith("Jumlah"))
    assert jumlah.split() == ["Jumlah", "Rp15.000", "Rp15.000"]
    assert "Buku besar seimbang." in result.output


def test_check_passes_on_an_empty_ledger(app, runner):
    result = runner.invoke(args=["ledger", "check"])

    assert result.exit_code == 0
    assert "Buku besar seimbang." in result.output


def past_the_triggers(connection, is_postgres: bool) -> None:
    """SQLite: the test suite's purge permit lets a DELETE through. PostgreSQL
    would still refuse an unbalanced transaction at COMMIT (0013_ledger_balanced):
    no trigger fires for this transaction there."""
    if is_postgres:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        allow_ledger_purge(connection)


def delete_one_entry(connection, is_postgres: bool) -> str:
    past_the_triggers(connection, is_postgres)
    connection.execute(text("DELETE FROM ledger_entries WHERE amount = -1725"))
    return "tidak seimbang: selisih 1725 rupiah"


def delete_every_entry_but_one(connection, is_postgres: bool) -> str:
    past_the_triggers(connection, is_postgres)
    connection.execute(text("DELETE FROM ledger_entries WHERE amount < 0"))
    return "kurang dari dua baris"


def delete_an_account_in_use(connection, is_postgres: bool) -> str:
    if is_postgres:  # foreign keys are enforced there: switch them off for this transaction
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    connection.execute(text("DELETE FROM ledger_accounts WHERE code = 'cash:bank'"))
    return "yang tidak ada"


@pytest.mark.parametrize(
    "corrupt", [delete_one_entry, delete_every_entry_but_one, delete_an_account_in_use]
)
def test_check_fails_when_the_stored_ledger_is_off(app, runner, is_postgres, corrupt):
    post(key="order:17:sale", kind="sale", entries=SALE)
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as connection:
        says = corrupt(connection, is_postgres)

    result = runner.invoke(args=["ledger", "check"])

    assert result.exit_code == 1
    assert "Neraca saldo" in result.output
    assert "MASALAH: " in result.output and says in result.output
    assert "Buku besar seimbang." not in result.output


def test_check_fails_when_the_grand_total_is_not_zero(app, runner, is_postgres):
    post(key="order:17:sale", kind="sale", entries=SALE)
    db.session.commit()
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.amount == -1_725)).one()
    db.session.remove()
    with db.engine.begin() as connection:
        past_the_triggers(connection, is_postgres)
        connection.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": entry.id})

    result = runner.invoke(args=["ledger", "check"])

    assert result.exit_code == 1
    assert "Jumlah seluruh baris buku besar tidak nol: 1725 rupiah." in result.output


def test_balances_lists_the_natural_balances_under_a_prefix(app, runner):
    post(key="order:17:sale", kind="sale", entries=SALE)
    db.session.commit()

    result = runner.invoke(args=["ledger", "balances", "income:commission"])

    assert result.exit_code == 0
    assert [line.split() for line in result.output.splitlines()] == [
        ["income:commission:central", "Rp1.725"],
        ["income:commission:empowerment", "Rp2.875"],
        ["income:commission:kecamatan:sokaraja", "Rp1.150"],
    ]
    assert db.session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == "cash:bank"))


def test_balances_refuse_a_prefix_that_is_no_account_code(app, runner):
    result = runner.invoke(args=["ledger", "balances", "kas"])

    assert result.exit_code == 2
    assert "not an account code prefix" in result.output
