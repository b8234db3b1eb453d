"""`flask orders expire-unpaid` and `flask orders release-payables`, for cron.

Expiry commits each order on its own: a failure or a race with a payment
leaves the others done. Two runs at once are safe: the row lock and the
status check let one of them act on an order, and the other finds it no
longer due. Releasing payables commits once; a second run at once skips
the parts the first holds."""

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.extensions import db
from marketplace.orders import fulfilment, payables, queries
from marketplace.orders.models import Order
from marketplace.orders.status import OrderError


@click.group("orders", help="Pesanan: tugas terjadwal.")
def group() -> None:
    pass


def expire_unpaid(now: datetime | None = None) -> int:
    """Cancel every unpaid transfer or card order past its deadline; how many
    were cancelled."""
    now = now or datetime.now(UTC)
    ids = db.session.scalars(queries.expired_order_ids(now)).all()
    db.session.rollback()
    cancelled = 0
    for order_id in ids:
        order = db.session.get(Order, order_id)
        try:
            if order is not None and fulfilment.expire_order(order=order, now=now):
                db.session.commit()
                cancelled += 1
            else:
                db.session.rollback()
        except OrderError:
            db.session.rollback()  # paid or cancelled meanwhile: not ours to expire
    return cancelled


@group.command("expire-unpaid")
@with_appcontext
def expire_unpaid_command() -> None:
    """Batalkan pesanan transfer yang lewat batas bayar dan kembalikan stoknya."""
    cancelled = expire_unpaid()
    click.echo(f"{cancelled} pesanan dibatalkan karena lewat batas pembayaran.")


@group.command("release-payables")
@with_appcontext
def release_payables_command() -> None:
    """Pindahkan bagian anggota dari pesanan selesai ke saldo siap bayar."""
    released = payables.release_due(hold_days=current_app.config["PAYOUT_HOLD_DAYS"])
    db.session.commit()
    click.echo(f"{released} bagian pesanan siap dibayarkan ke anggota.")
