"""The impact report: each paired member's new listings, paid orders and
sales during mentoring beside as many days just before, as a page and CSV,
per cohort and per campus."""

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.core import csvfile
from marketplace.extensions import db
from marketplace.mentoring import impact
from marketplace.payments import bank_transfer
from tests import factories
from tests.mentoring.helpers import mentoring_world, url
from tests.orders.helpers import cart_with, checkout

pytestmark = pytest.mark.usefixtures("app_context")


def test_before_and_during_count_listings_orders_and_sales(client, login_as):
    world = mentoring_world()
    now = datetime.now(UTC)
    start = now - timedelta(days=10)  # the cohort's first day, and the acceptance
    world.pairing.accepted_at = start
    # The world's product was listed 15 days ago (before); one more now (during).
    world.product.created_at = now - timedelta(days=15)
    factories.ProductFactory(member=world.member)
    buyer = factories.UserFactory(roles=[Role.SHOPPER])
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    variant = world.product.variants[0]  # Rp15.000
    old = checkout(buyer, cart_with(buyer, (variant, 1)))
    new = checkout(buyer, cart_with(buyer, (variant, 2)))
    for order in (old, new):
        db.session.flush()
        bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    old.parts[0].paid_at = now - timedelta(days=12)
    # Another member's sale counts for nobody here.
    other_buyer_order = checkout(buyer, cart_with(buyer, (world.other_product.variants[0], 1)))
    db.session.flush()
    bank_transfer.confirm(order=other_buyer_order, amount=other_buyer_order.total, by=treasurer)
    db.session.commit()

    rows = impact.impact([world.cohort], world.cohort.starts_on + timedelta(days=10))
    assert len(rows) == 1
    row = rows[0]
    assert row.days == 11
    assert (row.before.listings, row.before.orders, row.before.sales) == (1, 1, 15_000)
    assert (row.during.listings, row.during.orders, row.during.sales) == (1, 1, 30_000)

    login_as(world.admin)
    page = client.get(url("mentoring.impact_cohort", cohort_id=world.cohort.id))
    assert page.status_code == 200
    assert world.member.shop_name in page.text
    assert "Rp30.000" in page.text
    download = client.get(url("mentoring.impact_campus_csv"), query_string={"kampus": "Unsoed"})
    assert download.mimetype == "text/csv"
    text = download.get_data(as_text=True).removeprefix(csvfile.BOM)
    header, line = text.splitlines()[:2]
    assert header.split(";") == list(impact.HEADER)
    cells = line.split(";")
    assert cells[0] == "Unsoed"
    assert cells[-6:] == ["1", "1", "1", "1", "15000", "30000"]


def test_a_campus_without_cohorts_has_no_report(client, login_as):
    login_as(Role.ADMIN)
    answer = client.get(url("mentoring.impact_campus"), query_string={"kampus": "Tidak Ada"})
    assert answer.status_code == 404
    everything = client.get(url("mentoring.impact_campus"))
    assert everything.status_code == 200
    assert "Semua kampus" in everything.text


def test_a_pairing_never_accepted_is_left_out(app_context):
    world = mentoring_world()
    world.pairing.accepted_at = None
    assert impact.impact([world.cohort], world.cohort.ends_on) == []
