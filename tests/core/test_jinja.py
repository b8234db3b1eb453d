from datetime import UTC, datetime

import pytest

from marketplace.core.jinja import nomor_wa, waktu


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("6281234567890", "0812-3456-7890"),
        ("628123456789", "0812-3456-789"),
        ("62812345", "0812-345"),
        ("", ""),
        (None, ""),
    ],
)
def test_nomor_wa_writes_the_number_as_people_do(stored, shown):
    assert nomor_wa(stored) == shown


def test_waktu_is_banyumas_time_also_for_naive_database_times():
    moment = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert waktu(moment) == "29 November 2026, 06.30 WIB"
    assert waktu(moment.replace(tzinfo=None)) == "29 November 2026, 06.30 WIB"
    assert waktu(None) == ""
