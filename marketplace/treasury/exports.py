"""The treasurer's reports as tables, and those tables as CSV and XLSX files.

A `Table` holds what a report tab shows, in the order it shows it: the
page renders it and the downloads write it, so the files carry the same
rows and totals as the page. Every number comes from treasury.reports;
nothing here adds money up."""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from marketplace.core import csvfile
from marketplace.treasury.drill import UNATTRIBUTED as UNATTRIBUTED_KEY
from marketplace.treasury.drill import row_key
from marketplace.treasury.reports import (
    FUND_LABELS,
    Dimension,
    FundReport,
    Report,
)

UNATTRIBUTED = "Tidak terperinci (penyesuaian manual)"
TOTAL = "Jumlah"
# A text cell starting with one of these is a formula to a spreadsheet; a
# shop name is typed by its member, so it is written as text, never run.

Cell = str | int | date | None


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    RUPIAH = "rupiah"
    RATE = "rate"  # basis points
    MONTH = "month"  # a month's first day


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind
    # What the page's header link sorts by (treasury.reports.Sort), if it sorts.
    sort: str | None = None
    width: int = 14


@dataclass(frozen=True)
class Row:
    cells: Sequence[Cell]
    # The drill-down key of a report row (treasury.drill), None for the others.
    key: str | None = None
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's title, at most 31 characters
    filename: str  # without its extension
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)


def report_table(report: Report) -> Table:
    """A report by kecamatan, category or member: its rows, the commission
    no fact explains (when there is some), and the totals, which are the
    ledger's (the commission column adds up to the income accounts)."""
    dimension = report.dimension
    columns = [
        # The commission first: on a phone it is the figure seen without scrolling.
        Column(dimension.label, Kind.TEXT, "nama", 32),
        Column("Komisi (Rp)", Kind.RUPIAH, "komisi", 14),
        Column("Penjualan kotor (Rp)", Kind.RUPIAH, "penjualan", 16),
        Column("Pesanan", Kind.COUNT, "pesanan", 10),
        Column("Tarif efektif", Kind.RATE, "tarif", 12),
    ]
    chapters = dimension == Dimension.KECAMATAN
    if chapters:
        columns.append(Column("Dana cabang (Rp)", Kind.RUPIAH, None, 16))

    def cells(name: str, gross, orders, commission, rate, chapter) -> list[Cell]:
        return [name, commission, gross, orders, rate, *([chapter] if chapters else [])]

    rows = [
        Row(
            cells(row.name, row.gross, row.orders, row.commission, row.rate_bps, row.chapter),
            key=row_key(row),
        )
        for row in report.rows
    ]
    if report.unattributed:
        rows.append(
            Row(
                cells(UNATTRIBUTED, None, None, report.unattributed, None, None),
                key=UNATTRIBUTED_KEY,
            )
        )
    rows.append(
        Row(
            cells(
                TOTAL,
                report.gross,
                report.orders,
                report.funds.total,
                report.rate_bps,
                report.funds.chapters_total,
            ),
            is_total=True,
        )
    )
    return Table(
        title=f"Komisi per {dimension.label.lower()}",
        filename=f"komisi-{dimension.value}-{report.period.slug}",
        columns=columns,
        rows=rows,
    )


def funds_table(funds: FundReport) -> Table:
    """Each month's commission by fund, with each chapter's part of the
    kecamatan fund in a column of its own; the totals row gives the period's
    amount of every fund and chapter."""
    columns = [
        Column("Bulan", Kind.MONTH, width=12),
        Column("Jumlah (Rp)", Kind.RUPIAH, width=16),
        *(Column(f"{label} (Rp)", Kind.RUPIAH, width=18) for label in FUND_LABELS.values()),
        *(
            Column(f"Cabang {chapter.name} (Rp)", Kind.RUPIAH, width=14)
            for chapter in funds.chapters
        ),
    ]

    def cells(first: Cell, split) -> list[Cell]:
        return [
            first,
            split.total,
            split.empowerment,
            split.central,
            split.chapters_total,
            *(split.chapters.get(chapter.slug, 0) for chapter in funds.chapters),
        ]

    rows = [Row(cells(month, split)) for month, split in funds.months]
    rows.append(Row(cells(TOTAL, funds.total), is_total=True))
    return Table(
        title="Komisi per dana",
        filename=f"komisi-dana-{funds.period.slug}",
        columns=columns,
        rows=rows,
    )


# --- files -------------------------------------------------------------------------


def _csv_cell(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%Y-%m}" if column.kind == Kind.MONTH else value.isoformat()
    if isinstance(value, int):
        return str(value)  # plain digits: no thousands separator, no "Rp"
    return csvfile.text_cell(value)


def _csv_title(column: Column) -> str:
    return f"{column.title} (basis poin)" if column.kind == Kind.RATE else column.title


def to_csv(table: Table) -> bytes:
    """The table as the shop's CSV (core.csvfile): a header row, one line
    per row of the page, integers as plain digits, months as YYYY-MM."""
    return csvfile.document(
        [_csv_title(column) for column in table.columns],
        (
            [
                _csv_cell(value, column)
                for value, column in zip(row.cells, table.columns, strict=True)
            ]
            for row in table.rows
        ),
    )


def _xlsx_value(value: Cell, column: Column) -> Cell | Decimal:
    if column.kind == Kind.RATE and isinstance(value, int):
        return Decimal(value) / 10_000  # exact; shown as a percentage
    return value


NUMBER_FORMATS = {
    Kind.RUPIAH: "#,##0",
    Kind.COUNT: "0",
    Kind.RATE: "0.0%",
    Kind.MONTH: "yyyy-mm",
}


def to_xlsx(table: Table) -> bytes:
    """One sheet: a bold header row, numbers as numbers (rupiah with a
    thousands format, the rate as a percentage, months as dates)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append([column.title for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    bold = Font(bold=True)
    for number, row in enumerate(table.rows, start=2):
        for index, (value, column) in enumerate(
            zip(row.cells, table.columns, strict=True), start=1
        ):
            cell = sheet.cell(row=number, column=index, value=_xlsx_value(value, column))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the name says
            elif value is not None and column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            if row.is_total:
                cell.font = bold
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
