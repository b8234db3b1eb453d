"""`flask accounts ...`: account chores for cron or a shell."""

import signal
import threading
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from marketplace.accounts.mail import Delivery, deliver_outbox
from marketplace.accounts.sessions import end_expired_logins
from marketplace.extensions import db

group = AppGroup("accounts", help="Akun pengguna dan email keluar.")


@group.command("deliver-outbox")
@click.option(
    "--watch",
    type=click.IntRange(min=1),
    metavar="DETIK",
    help="Terus berjalan sebagai worker: kirim yang jatuh tempo setiap DETIK detik.",
)
def deliver_outbox_command(watch: int | None) -> None:
    """Send the due emails in the outbox (new ones and retries), each once.

    Once (cron, every minute), it exits with status 1 when the mail server
    cannot be reached. With --watch it runs until SIGTERM or Ctrl-C, and
    finishes the email it is sending before it stops."""
    if watch is None:
        delivery = deliver_outbox()
        click.echo(_counts(delivery))
        if delivery.outage is not None:
            click.echo(_outage(delivery.outage), err=True)
            raise SystemExit(1)
        return
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    click.echo(f"Mengirim email keluar setiap {watch} detik (berhenti: SIGTERM/Ctrl-C).")
    failing = False
    while not stopping.is_set():
        delivery = deliver_outbox(stop=stopping.is_set)
        if delivery.sent or delivery.retrying or delivery.given_up:
            click.echo(_stamped(_counts(delivery)))
            # An outage is said when it starts and when it ends, not every round.
            if delivery.outage is not None and not failing:
                click.echo(_stamped(_outage(delivery.outage)), err=True)
            elif delivery.outage is None and failing:
                click.echo(_stamped("Server surat bisa dihubungi lagi."))
            failing = delivery.outage is not None
        stopping.wait(watch)
    click.echo("Worker email berhenti.")


@group.command("end-expired-logins")
def end_expired_logins_command() -> None:
    """Delete the logins that have expired (cron, daily)."""
    ended = end_expired_logins(now=datetime.now(UTC))
    db.session.commit()
    click.echo(f"{ended} sesi login kedaluwarsa dihapus.")


def _counts(delivery: Delivery) -> str:
    words = f"{delivery.sent} email terkirim."
    if delivery.retrying:
        words += f" {delivery.retrying} dicoba lagi nanti."
    if delivery.given_up:
        words += f" {delivery.given_up} gagal dan tidak dicoba lagi."
    return words


def _outage(error: Exception) -> str:
    return (
        f"Server surat tidak bisa dihubungi ({type(error).__name__}: {error}). "
        "Email yang tersisa dikirim pada putaran berikutnya."
    )


def _stamped(words: str) -> str:
    return f"[{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC] {words}"
