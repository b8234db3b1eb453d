"""`flask db upgrade` on an empty database yields exactly the models' schema."""

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from marketplace.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


def test_upgrade_from_empty_matches_models(app):
    downgrade(revision="base")
    assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
    upgrade()
    check()  # Flask-Migrate exits the process (SystemExit) when models and schema differ


def test_migration_seeds_the_27_kecamatan_and_categories(app, runner):
    from marketplace.catalog.models import Category
    from marketplace.members.models import Kecamatan

    names = db.session.scalars(sa.select(Kecamatan.name).order_by(Kecamatan.name)).all()
    assert len(names) == 27
    assert {"Ajibarang", "Purwokerto Utara", "Wangon"} <= set(names)
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) >= 6


def test_settlement_migration_gives_parts_placed_before_it_their_kecamatan(app):
    from tests import factories
    from tests.orders.helpers import cart_with, checkout, shopper, variant

    seller = factories.MemberFactory(kecamatan=factories.kecamatan("wangon"))
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (variant(member=seller), 1)))
    db.session.commit()
    order_id = order.id
    db.session.remove()

    downgrade(revision="0005_orders")
    upgrade()

    slugs = db.session.scalars(
        sa.text("SELECT kecamatan_slug FROM seller_orders WHERE order_id = :id"), {"id": order_id}
    ).all()
    assert slugs == ["wangon"]


def test_order_shares_lose_their_default_and_orders_keep_everything(app):
    """0012 copies the orders table on SQLite: the orders, their parts, their
    shares and the partial index on open transfers all come through."""
    from tests.orders.helpers import cart_with, checkout, shopper, variant

    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (variant(), 1)))
    db.session.commit()
    order_id = order.id
    db.session.remove()

    downgrade(revision="0011_order_events")
    upgrade()

    row = db.session.execute(
        sa.text(
            "SELECT share_empowerment, share_central, share_kecamatan, "
            "(SELECT count(*) FROM seller_orders WHERE order_id = orders.id) "
            "FROM orders WHERE id = :id"
        ),
        {"id": order_id},
    ).one()
    assert tuple(row) == (50, 30, 20, 1)
    indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("orders")}
    assert "uq_orders_open_transfer_total" in indexes
    columns = {column["name"]: column for column in sa.inspect(db.engine).get_columns("orders")}
    assert columns["share_central"]["default"] is None


def test_product_changes_made_before_mentoring_become_officers_assisted_changes(app):
    """0024 adds `kind` and `acting_as` to product_changes: the rows already
    there are officers' assisted changes, in the member's kecamatan."""
    from marketplace.catalog.models import ProductChange, ProductChangeKind
    from tests import factories

    member = factories.MemberFactory(kecamatan=factories.kecamatan("ajibarang"))
    product = factories.ProductFactory(member=member)
    officer = factories.UserFactory()
    db.session.add(
        ProductChange(
            product=product,
            member_id=member.id,
            changed_by=officer,
            kind=ProductChangeKind.ASSISTED,
            acting_as="Pengurus Kecamatan Ajibarang",
            summary="Harga diubah",
        )
    )
    db.session.commit()
    db.session.remove()

    downgrade(revision="0023_chapter_officers")
    assert "kind" not in {c["name"] for c in sa.inspect(db.engine).get_columns("product_changes")}
    upgrade()

    rows = db.session.execute(sa.text("SELECT kind, acting_as, summary FROM product_changes")).all()
    assert [tuple(r) for r in rows] == [
        ("assisted", "Pengurus Kecamatan Ajibarang", "Harga diubah")
    ]
    check()
