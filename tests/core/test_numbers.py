"""Numbers read from text: ASCII digits only, within their column, with a
message in Indonesian for the rest (core.numbers, core.money)."""

import pytest

from marketplace.core.money import MAX_RUPIAH, parse_rupiah
from marketplace.core.numbers import (
    MAX_INTEGER,
    NegativeNumber,
    NotAWholeNumber,
    NumberTooLarge,
    as_whole,
    parse_whole,
)

OTHER_DIGITS = ["١٢٣", "۱۲۳", "１２３", "²", "१२३", "𝟙𝟚𝟛", "12³"]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        ("25", 25),
        ("1.250", 1250),
        (" 1 250 ", 1250),
        ("007", 7),
        ("", None),
        (None, None),
        (str(MAX_INTEGER), MAX_INTEGER),
    ],
)
def test_whole_numbers_as_people_type_them(text, number):
    assert parse_whole(text) == number


def test_python_takes_digits_the_shop_does_not():
    assert int("١٢٣") == int("１２３") == 123
    assert "²".isdigit()


@pytest.mark.parametrize("text", OTHER_DIGITS)
def test_digits_of_other_scripts_are_not_numbers(text):
    with pytest.raises(NotAWholeNumber, match="Stok harus bilangan bulat, misalnya 25."):
        parse_whole(text, what="Stok")
    with pytest.raises(NotAWholeNumber, match="Harga harus bilangan bulat"):
        parse_rupiah(text, what="Harga")
    assert as_whole(text) is None


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("-1", NegativeNumber, "Stok tidak boleh negatif."),
        ("1,5", NotAWholeNumber, "Stok harus bilangan bulat, misalnya 25."),
        ("1.25", NotAWholeNumber, "Stok harus bilangan bulat"),
        ("1e5", NotAWholeNumber, "Stok harus bilangan bulat"),
        ("0x10", NotAWholeNumber, "Stok harus bilangan bulat"),
        ("1_000", NotAWholeNumber, "Stok harus bilangan bulat"),
        ("+5", NotAWholeNumber, "Stok harus bilangan bulat"),
        (str(MAX_INTEGER + 1), NumberTooLarge, "Stok terlalu besar."),
        (str(10**20), NumberTooLarge, "Stok terlalu besar."),
        ("9" * 10_000, NumberTooLarge, "Stok terlalu besar."),
    ],
)
def test_what_is_not_a_whole_number_says_why(text, error, message):
    with pytest.raises(error) as refused:
        parse_whole(text, what="Stok")
    assert message in refused.value.message
    assert isinstance(refused.value, ValueError)  # WTForms shows it as the field's error


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Rp15.000", 15_000),
        ("rp 15.000", 15_000),
        ("Rp. 15.000", 15_000),
        ("15.000,00", 15_000),
        ("15.000,-", 15_000),
        ("Rp 10.000,-", 10_000),
        ("15000", 15_000),
        ("0", 0),
        ("  ", None),
        (str(MAX_RUPIAH), MAX_RUPIAH),
    ],
)
def test_one_rupiah_parser_reads_amounts_as_written(text, amount):
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("15.000,50", NotAWholeNumber),
        ("lima ribu", NotAWholeNumber),
        ("-5.000", NegativeNumber),
        ("Rp-5000", NegativeNumber),
        (str(MAX_RUPIAH + 1), NumberTooLarge),
        ("Rp١٥.٠٠٠", NotAWholeNumber),
        ("１５０００", NotAWholeNumber),
    ],
)
def test_rupiah_parser_refuses_with_a_typed_error(text, error):
    with pytest.raises(error):
        parse_rupiah(text, what="Ongkir")


def test_rupiah_parser_keeps_to_the_limit_asked():
    assert parse_rupiah("1.000.000.000", maximum=1_000_000_000) == 1_000_000_000
    with pytest.raises(NumberTooLarge, match="Harga maksimum terlalu besar."):
        parse_rupiah("1.000.000.001", what="Harga maksimum", maximum=1_000_000_000)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12", 12),
        ("0", 0),
        (12, 12),
        (str(MAX_INTEGER), MAX_INTEGER),
        (str(MAX_INTEGER + 1), None),
        ("-1", None),
        (-1, None),
        ("", None),
        (None, None),
        ("1.0", None),
        (" 1", None),
        (True, None),
    ],
)
def test_ids_sent_back_by_pages(value, number):
    assert as_whole(value) == number


def test_thousands_of_leading_zeros_are_still_the_number():
    """`int()` refuses more than 4,300 digits, leading zeros included."""
    padded = "0" * 5000 + "25"
    assert parse_whole(padded) == 25
    assert as_whole(padded) == 25
    assert parse_rupiah("0" * 5000 + "15000") == 15_000
