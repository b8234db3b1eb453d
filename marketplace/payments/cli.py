"""`flask payments sync-stripe ORDER_CODE`: the treasurer's "Periksa ke
Stripe" from the command line (the same `stripe_sync.sync_committed`),
for an order the webhook left stuck. Prints what it did in Indonesian;
exits non-zero when the order is unknown or the sync changed nothing
because it was refused or failed."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.payments import stripe_sync


@click.group("payments", help="Pembayaran: pemeriksaan ke penyedia pembayaran.")
def group() -> None:
    pass


@group.command("sync-stripe")
@click.argument("order_code")
@with_appcontext
def sync_stripe_command(order_code: str) -> None:
    """Periksa status pembayaran kartu pesanan ORDER_CODE ke Stripe dan selesaikan pesanannya."""
    code = order_code.strip().upper()
    order = db.session.scalar(select(Order).where(Order.code == code))
    if order is None:
        click.echo(f"Pesanan {order_code} tidak ditemukan.", err=True)
        raise click.exceptions.Exit(1)
    report = stripe_sync.sync_committed(order)
    click.echo(report.message, err=not report.ok)
    if not report.ok:
        raise click.exceptions.Exit(1)
