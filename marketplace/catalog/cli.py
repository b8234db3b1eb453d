"""`flask images warm`: make the responsive variants (core.variants) of every
product photo, logo and banner ahead of the shoppers, after a deploy that
changed the widths or before a benchmark; without it each variant is made
on its first request, as usual."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.catalog.models import ProductImage
from marketplace.core import variants
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import Member

group = AppGroup("images", help="Foto produk, logo dan banner toko.")


def public_keys() -> list[str]:
    """The keys /media shows: product photos (large; cards and pages are
    made from them), logos and banners."""
    photos = db.session.scalars(select(ProductImage.large_key).order_by(ProductImage.id))
    shops = db.session.execute(select(Member.logo_key, Member.banner_key).order_by(Member.id))
    keys = list(photos) + [key for row in shops for key in row if key]
    return list(dict.fromkeys(keys))


@group.command("warm")
@click.option(
    "--kind",
    "kinds",
    type=click.Choice(sorted(variants.KINDS)),
    multiple=True,
    help="Hanya jenis ini (boleh diulang); bawaannya semua.",
)
def warm_command(kinds: tuple[str, ...]) -> None:
    """Make the variants that are missing; say how many were made."""
    store = storage()
    made = kept = missing = 0
    for key in public_keys():
        for kind in kinds or tuple(variants.KINDS):
            for width in variants.WIDTHS:
                path = variants.variant_path(store, key, width, kind)
                if path is not None and path.is_file():
                    kept += 1
                elif variants.variant_file(store, key, width, kind) is None:
                    missing += 1
                else:
                    made += 1
    click.echo(f"{made} varian dibuat, {kept} sudah ada, {missing} tidak bisa dibuat.")
