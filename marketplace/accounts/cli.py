"""`flask accounts ...`: account chores for cron or a shell."""

import click
from flask.cli import AppGroup

from marketplace.accounts.mail import deliver_outbox

group = AppGroup("accounts", help="Akun pengguna dan email keluar.")


@group.command("deliver-outbox")
def deliver_outbox_command() -> None:
    """Send the emails waiting in the outbox, each once."""
    sent = deliver_outbox()
    click.echo(f"{sent} email terkirim.")
