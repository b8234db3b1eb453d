from datetime import UTC, date, datetime

import pytest

from marketplace.core.jinja import tanggal, waktu


def test_waktu_is_banyumas_time_also_for_naive_database_times():
    moment = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert waktu(moment) == "29 November 2026, 06.30 WIB"
    assert waktu(moment.replace(tzinfo=None)) == "29 November 2026, 06.30 WIB"
    assert waktu(None) == ""


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # placed at 02.00 WIB on 29 November: stored as 19.00 UTC the day before
        (datetime(2026, 11, 28, 19, 0, tzinfo=UTC), "29 November 2026"),
        (datetime(2026, 11, 28, 19, 0), "29 November 2026"),  # SQLite: naive UTC
        (datetime(2026, 11, 28, 16, 59, tzinfo=UTC), "28 November 2026"),  # 23.59 WIB
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "1 Januari 2027"),
        (date(2026, 11, 28), "28 November 2026"),  # a date has no time zone
        (None, ""),
    ],
)
def test_tanggal_is_the_day_in_banyumas(stored, shown):
    assert tanggal(stored) == shown


def test_an_order_placed_at_two_in_the_morning_shows_that_day(client, login_as):
    from marketplace.extensions import db
    from tests.orders.helpers import cart_with, checkout, shopper, variant

    buyer = login_as(shopper())
    order = checkout(buyer, cart_with(buyer, (variant(), 1)))
    order.placed_at = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)  # 29 November, 02.00 WIB
    db.session.commit()
    history = client.get("/pesanan").text
    assert "29 November 2026" in history
    assert "28 November 2026" not in history
