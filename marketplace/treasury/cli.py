"""`flask ledger close YYYY-MM --by EMAIL`: the month close from the command
line. Defined here (it records an audit event, which the ledger may not
import) and added to the ledger's command group by marketplace.cli."""

from datetime import date

import click
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import normalise_email
from marketplace.core.errors import DomainError
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.treasury import services
from marketplace.treasury.reports import Period, ReportError, funds, month_name, parse_period


def _month(text: str) -> date:
    try:
        return parse_period({"bulan": text}, today=date.today()).first
    except ReportError as error:
        raise click.BadParameter(error.message, param_hint="MONTH") from error


@click.command("close")
@click.argument("month")
@click.option("--by", "email", required=True, help="Email bendahara yang menutup buku.")
def close_month_command(month: str, email: str) -> None:
    """Close MONTH (YYYY-MM) in the books, as the treasurer with EMAIL."""
    first = _month(month)
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.has_role(Role.TREASURER):
        click.echo(f"{email} bukan bendahara: buku tidak ditutup.", err=True)
        raise click.exceptions.Exit(1)
    try:
        services.close_month(month=first, by=user)
    except DomainError as refused:
        db.session.rollback()
        click.echo(refused.message, err=True)
        raise click.exceptions.Exit(1) from None
    db.session.commit()
    split = funds(Period.month(first))
    click.echo(f"Buku {month_name(first)} ditutup oleh {user.name} ({user.email}).")
    click.echo(
        f"Pendapatan komisi: {format_rupiah(split.total)} (pemberdayaan "
        f"{format_rupiah(split.empowerment)}, pusat {format_rupiah(split.central)}, "
        f"cabang kecamatan {format_rupiah(split.chapters_total)})."
    )
