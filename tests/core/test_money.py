import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core.money import format_rupiah, percent_of, split


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "Rp0"),
        (500, "Rp500"),
        (15_000, "Rp15.000"),
        (1_250_000, "Rp1.250.000"),
        (-7_500, "-Rp7.500"),
    ],
)
def test_rupiah_uses_dot_thousands_and_no_decimals(amount, shown):
    assert format_rupiah(amount) == shown


def test_rupiah_refuses_floats():
    with pytest.raises(TypeError):
        format_rupiah(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [
        (10_000, 500, 500),
        (10_010, 500, 501),
        (10_009, 500, 500),
        (30, 500, 2),
        (29, 500, 1),
        (-30, 500, -2),
    ],
)
def test_percent_of_rounds_half_up_to_whole_rupiah(amount, bps, expected):
    assert percent_of(amount, bps) == expected


def test_split_follows_largest_remainder():
    assert split(101, {"empowerment": 50, "central": 30, "kecamatan": 20}) == {
        "empowerment": 51,
        "central": 30,
        "kecamatan": 20,
    }
    assert split(1, {"a": 1, "b": 1, "c": 1}) == {"a": 1, "b": 0, "c": 0}


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    shares=st.dictionaries(
        st.text(min_size=1, max_size=5), st.integers(0, 1000), min_size=1, max_size=6
    ).filter(lambda d: sum(d.values()) > 0),
)
def test_split_parts_always_add_up_exactly(amount, shares):
    parts = split(amount, shares)
    assert sum(parts.values()) == amount
    assert set(parts) == set(shares)
