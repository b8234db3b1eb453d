"""Opening hours read from what members type, for the shop's JSON-LD: all
of a text or nothing, never a guess."""

import pytest

from marketplace.members.opening_hours import OpeningHours, read_opening_hours

WEEK = (0, 1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # The ways the demo's shops, and the form's example, write them.
        (
            "Senin–Sabtu 08.00–16.00, Minggu libur",
            [OpeningHours((0, 1, 2, 3, 4, 5), "08:00", "16:00")],
        ),
        ("Setiap hari 07.00–17.00", [OpeningHours(WEEK, "07:00", "17:00")]),
        (
            "Senin–Jumat 08.00–15.00, Sabtu 08.00–12.00",
            [OpeningHours((0, 1, 2, 3, 4), "08:00", "15:00"), OpeningHours((5,), "08:00", "12:00")],
        ),
        ("Setiap hari 09.00–20.00", [OpeningHours(WEEK, "09:00", "20:00")]),
        # Other spellings people use.
        (
            "senin - sabtu pukul 8:00 s.d. 16:30 WIB",
            [OpeningHours((0, 1, 2, 3, 4, 5), "08:00", "16:30")],
        ),
        ("Senin, Rabu dan Jum'at 07.00-11.00", [OpeningHours((0, 2, 4), "07:00", "11:00")]),
        ("Buka 24 jam", [OpeningHours(WEEK, "00:00", "23:59")]),
        ("Sabtu–Senin 18.00–24.00", [OpeningHours((0, 5, 6), "18:00", "23:59")]),
        (
            "Ahad 8-12; Selasa 9-17",
            [OpeningHours((6,), "08:00", "12:00"), OpeningHours((1,), "09:00", "17:00")],
        ),
    ],
)
def test_hours_people_write_are_read(typed, read):
    assert read_opening_hours(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "Tanya lewat WhatsApp",
        "Minggu libur",  # closed only: nothing about when it opens
        "Senin–Sabtu pagi",
        "Senin–Sabtu 08.00–16.00 kecuali hari besar",  # a part it cannot read
        "Senin 25.00–26.00",
        "Senin 08.00–08.00",
        "Senin 08.00–160",
        "Senin, Rabu",  # days whose hours never come
        "Senin 08.00-12.00, " + "x" * 240,
    ],
)
def test_anything_else_reads_as_no_hours(typed):
    assert read_opening_hours(typed) is None


def test_day_names_are_schema_org_days():
    (hours,) = read_opening_hours("Jumat–Minggu 08.00–12.00") or []
    assert hours.day_names == ("Friday", "Saturday", "Sunday")
