"""`flask seed-demo`: a realistic demo shop in Bahasa Indonesia. The data is
in `people.py` and `catalogue.py`, the rows are made by `seed.py`, the
photos drawn by `images.py`, the orders placed by `orders/`."""

from time import perf_counter

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from marketplace.accounts.models import ROLE_LABELS, User
from marketplace.core.storage import storage
from marketplace.demo import bank_statement
from marketplace.demo.chapters import OFFICER_LOGINS
from marketplace.demo.people import LOGINS, SHOPS
from marketplace.demo.seed import DEFAULT_PRODUCTS, RecordingStorage, seed_demo_data
from marketplace.extensions import db


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already has users.",
)
@click.option(
    "--members",
    type=click.IntRange(1, len(SHOPS)),
    default=len(SHOPS),
    show_default=True,
    help="Approved members to create.",
)
@click.option(
    "--products",
    type=click.IntRange(0, 5000),
    default=DEFAULT_PRODUCTS,
    show_default=True,
    help="Products to create, with 1-3 photos each.",
)
@with_appcontext
def seed_demo(if_empty: bool, members: int, products: int) -> None:
    """Load the demo shop into an empty database: four demo logins, the
    members of Aspikmas with their shops, products and photos, and orders
    in every state."""
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("Data demo sudah ada (ada pengguna); tidak ada yang ditambahkan.")
            return
        raise click.ClickException(
            "Basis data sudah berisi pengguna; seed-demo hanya mengisi basis data kosong. "
            "Pakai --if-empty untuk melewatinya."
        )
    started = perf_counter()
    store = RecordingStorage(storage())
    try:
        summary = seed_demo_data(storage=store, members=members, products=products)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete_saved()
        raise
    click.echo(
        f"Data demo siap dalam {perf_counter() - started:.1f} detik: "
        f"{summary.members} anggota di {summary.kecamatan} kecamatan, "
        f"{summary.products} produk ({summary.public_products} tayang), {summary.images} foto, "
        f"{summary.certificates} sertifikat, {summary.orders} pesanan, "
        f"{summary.payout_lines} baris pembayaran anggota, "
        f"{summary.pairings} pasangan pendamping kampus."
    )
    written, matching = bank_statement.write_statement()
    click.echo(
        f"Contoh mutasi rekening untuk /bendahara/mutasi: {written} ({matching} kredit cocok)."
    )
    click.echo("\nAkun demo:")
    for login in LOGINS:
        click.echo(
            f"  {ROLE_LABELS[login.role]:<13} {login.email:<28} kata sandi: {login.password}"
        )
    for officer in OFFICER_LOGINS:
        click.echo(
            f"  {'Pengurus cabang':<13} {officer.email:<28} kata sandi: {officer.password}"
            f" (/cabang/{officer.kecamatan})"
        )
