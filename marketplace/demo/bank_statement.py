"""`flask demo-mutasi [PATH]`: a bank statement to try /bendahara/mutasi
with: the association account's credits for two orders awaiting a transfer
(which match), one a rupiah short (a near miss to look at), a bank fee
(a debit, never matched). Written in the generic layout
(treasury.statement_file); seed-demo writes one into the instance folder."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.core.clock import WIB
from marketplace.extensions import db
from marketplace.orders import queries as order_queries
from marketplace.orders.models import Order

FILE_NAME = "mutasi-rekening-contoh.csv"


def statement_text(now: datetime | None = None) -> tuple[str, int]:
    """The file's text and how many credits in it match an awaiting order."""
    today = (now or datetime.now(UTC)).astimezone(WIB).strftime("%d/%m/%Y")
    awaiting = db.session.scalars(
        select(Order).where(*order_queries.AWAITING_TRANSFER).order_by(Order.placed_at).limit(3)
    ).all()
    rows = ["tanggal;keterangan;jumlah"]
    for order in awaiting[:2]:
        name = order.contact_name.upper()
        rows.append(f"{today};TRSF E-BANKING CR {name};{order.total}")
    for order in awaiting[2:3]:
        rows.append(f"{today};TRSF E-BANKING CR {order.contact_name.upper()};{order.total - 1}")
    rows.append(f"{today};BIAYA ADMINISTRASI BULANAN;-12500")
    return "\r\n".join(rows) + "\r\n", min(len(awaiting), 2)


def write_statement(path: Path | None = None) -> tuple[Path, int]:
    """Write the file to `path`, by default beside the uploads folder
    (instance/demo/ when the uploads are in instance/uploads/)."""
    path = path or Path(current_app.config["UPLOAD_DIR"]).parent / "demo" / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    text, matching = statement_text()
    path.write_text(text, encoding="utf-8")
    return path, matching


@click.command("demo-mutasi")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def demo_statement(path: Path | None) -> None:
    """Write a bank statement CSV for the orders awaiting a transfer now."""
    written, matching = write_statement(path)
    click.echo(
        f"Contoh mutasi rekening ditulis ke {written}: {matching} kredit cocok dengan pesanan "
        "yang menunggu transfer. Unggah di /bendahara/mutasi."
    )
