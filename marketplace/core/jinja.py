"""Jinja filters (and functions) every template may use."""

from datetime import date, datetime

from flask import Flask

from marketplace.core.clock import WIB, as_utc
from marketplace.core.money import format_rupiah
from marketplace.core.variants import srcset
from marketplace.core.whatsapp import format_whatsapp

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def rupiah(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(amount)


def tanggal(moment: date | None) -> str:
    """`28 November 2026`: the day in Banyumas (WIB) for a stored moment, so an
    order placed at 02.00 WIB is not dated the day before; a plain date
    (a certificate's expiry) as it is."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = as_utc(moment).astimezone(WIB)
    return f"{moment.day} {MONTHS_ID[moment.month - 1]} {moment.year}"


def waktu(moment: datetime | None) -> str:
    """`28 November 2026, 14.05 WIB`. Stored times are UTC; SQLite hands
    them back without their zone."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(WIB)
    return f"{tanggal(local)}, {local:%H.%M} WIB"


def register_filters(app: Flask) -> None:
    app.add_template_filter(rupiah, "rupiah")
    app.add_template_filter(tanggal, "tanggal")
    app.add_template_filter(waktu, "waktu")
    app.add_template_filter(format_whatsapp, "nomor_wa")
    app.add_template_global(srcset, "srcset")
