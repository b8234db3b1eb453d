"""A chapter's member list and its sales summary as the shop's CSV
(core.csvfile): plain integers, ISO dates, text cells formula-safe. No bank
account, no WhatsApp number: what the officer needs to see who needs help."""

from collections.abc import Iterator

from marketplace.chapters.queries import ChapterFigures
from marketplace.core import csvfile
from marketplace.members.services import STATUS_LABELS

MEMBER_HEADER = (
    "toko",
    "pemilik",
    "desa",
    "status",
    "produk_aktif",
    "sertifikat_berakhir",
)
SALES_HEADER = ("bulan", "toko", "pesanan", "penjualan_rp")


def _text(value: str) -> str:
    return csvfile.text_cell(value)


def member_lines(figures: ChapterFigures) -> Iterator[str]:
    return csvfile.lines(
        MEMBER_HEADER,
        (
            [
                _text(row.shop_name),
                _text(row.owner_name),
                _text(row.desa),
                STATUS_LABELS[row.status],
                row.active_products,
                row.expiring_on.isoformat() if row.expiring_on else "",
            ]
            for row in figures.members
        ),
    )


def sales_lines(figures: ChapterFigures) -> Iterator[str]:
    """This month's orders and sales by member, then the chapter's total and
    the commission the ledger credited to its fund."""
    month = figures.month.strftime("%Y-%m")
    rows: list[list[object]] = [
        [month, _text(row.shop_name), row.orders, row.sales]
        for row in figures.members
        if row.orders
    ]
    rows.append([month, "Jumlah", figures.orders, figures.sales])
    rows.append([month, "Komisi untuk kas cabang", "", figures.commission_month])
    return csvfile.lines(SALES_HEADER, rows)
