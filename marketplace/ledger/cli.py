"""`flask ledger ...`: the trial balance and the ledger's self-check, for
the treasurer, cron or a deploy step."""

import click
from flask.cli import AppGroup

from marketplace.core.money import format_rupiah
from marketplace.ledger.balances import balances, problems, trial_balance

group = AppGroup("ledger", help="Buku besar: neraca saldo dan pemeriksaan.")

CODE_WIDTH = 44
AMOUNT_WIDTH = 18


def _line(label: str, debit: str, credit: str) -> str:
    return f"{label:<{CODE_WIDTH}} {debit:>{AMOUNT_WIDTH}} {credit:>{AMOUNT_WIDTH}}".rstrip()


@group.command("check")
def check_command() -> None:
    """Print the trial balance; exit 1 when anything in the ledger is off."""
    rows = trial_balance()
    click.echo("Neraca saldo")
    click.echo(_line("Akun", "Debit", "Kredit"))
    for row in rows:
        click.echo(
            _line(
                row.code,
                format_rupiah(row.debit) if row.debit else "",
                format_rupiah(row.credit) if row.credit else "",
            )
        )
    total_debit = sum(row.debit for row in rows)
    total_credit = sum(row.credit for row in rows)
    click.echo(_line("Jumlah", format_rupiah(total_debit), format_rupiah(total_credit)))
    found = problems()
    if found:
        for problem in found:
            click.echo(f"MASALAH: {problem}", err=True)
        raise click.exceptions.Exit(1)
    click.echo("Buku besar seimbang.")


@group.command("balances")
@click.argument("prefix", default="")
def balances_command(prefix: str) -> None:
    """Natural balances of the accounts under PREFIX (e.g. payable:member:12)."""
    try:
        found = balances(prefix)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="PREFIX") from error
    for code, amount in found.items():
        click.echo(f"{code:<{CODE_WIDTH}} {format_rupiah(amount):>{AMOUNT_WIDTH}}")
