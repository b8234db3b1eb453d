"""Jinja filters every template may use."""

from datetime import datetime

from flask import Flask

from marketplace.core.money import format_rupiah

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def rupiah(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(amount)


def tanggal(moment: datetime | None) -> str:
    """`28 November 2026`."""
    if moment is None:
        return ""
    return f"{moment.day} {MONTHS_ID[moment.month - 1]} {moment.year}"


def register_filters(app: Flask) -> None:
    app.add_template_filter(rupiah, "rupiah")
    app.add_template_filter(tanggal, "tanggal")
