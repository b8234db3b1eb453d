"""The treasurer's income reports (/bendahara/laporan): commission by
kecamatan, category, member and fund for a month, a range of months or a
year; what is behind each row; their CSV and XLSX files; and one ledger
transaction, read-only. The numbers come from treasury.reports."""

from datetime import date

from flask import Response, abort, render_template, request

from marketplace.core.numbers import as_whole
from marketplace.ledger.services import next_month, previous_month
from marketplace.treasury import drill as drilling
from marketplace.treasury import exports
from marketplace.treasury.forms import PeriodForm
from marketplace.treasury.reports import (
    Dimension,
    Period,
    ReportError,
    Sort,
    fund_report,
    month_name,
    parse_period,
    rate_text,
    report,
)
from marketplace.treasury.views.base import blueprint, today

FUNDS_TAB = "dana"
TABS = {
    Dimension.KECAMATAN.value: "Kecamatan",
    Dimension.CATEGORY.value: "Kategori",
    Dimension.MEMBER.value: "Anggota",
    FUNDS_TAB: "Dana",
}
MAX_PAGE = 100_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _choices() -> tuple[str, Sort]:
    """The tab and the sort asked for; anything unknown is the default."""
    tab = request.args.get("lihat", "")
    sort = request.args.get("urut", "")
    return (
        tab if tab in TABS else Dimension.KECAMATAN.value,
        Sort(sort) if sort in {choice.value for choice in Sort} else Sort.COMMISSION,
    )


def _shortcuts(day: date) -> list[tuple[str, Period]]:
    this_month = date(day.year, day.month, 1)
    last_month = previous_month(this_month)
    return [
        ("Bulan ini", Period.month(this_month)),
        ("Bulan lalu", Period.month(last_month)),
        (f"Tahun {day.year}", Period.year(day.year)),
    ]


def _table(period: Period, tab: str, sort: Sort) -> tuple[exports.Table, object]:
    if tab == FUNDS_TAB:
        funds = fund_report(period)
        return exports.funds_table(funds), funds
    found = report(period, Dimension(tab), sort)
    return exports.report_table(found), found


@blueprint.get("/laporan")
def reports():
    tab, sort = _choices()
    form = PeriodForm(request.args)
    context = {
        "form": form,
        "tab": tab,
        "tabs": TABS,
        "sort": sort,
        "shortcuts": _shortcuts(today()),
        "month_name": month_name,
        "rate_text": rate_text,
    }
    try:
        period = parse_period(request.args, today=today())
    except ReportError as refused:
        return render_template("treasury/reports/index.html", error=refused.message, **context), 400
    if not any(request.args.get(name) for name in ("bulan", "dari", "sampai", "tahun")):
        form.bulan.data = period.args["bulan"]  # this month, shown in the picker
    table, source = _table(period, tab, sort)
    return render_template(
        "treasury/reports/index.html",
        period=period,
        is_closed=period.is_closed(),
        table=table,
        source=source,
        next_month=next_month,
        **context,
    )


@blueprint.get(
    "/laporan/unduh/<any(kecamatan,kategori,anggota,dana):dimensi>.<any(csv,xlsx):jenis>"
)
def report_export(dimensi: str, jenis: str):
    _, sort = _choices()
    try:
        period = parse_period(request.args, today=today())
    except ReportError as refused:
        return Response(refused.message, status=400, mimetype="text/plain")
    table, _ = _table(period, dimensi, sort)
    body = exports.to_csv(table) if jenis == "csv" else exports.to_xlsx(table)
    return Response(
        body,
        content_type=CONTENT_TYPES[jenis],
        headers={"Content-Disposition": f'attachment; filename="{table.filename}.{jenis}"'},
    )


@blueprint.get("/laporan/<any(kecamatan,kategori,anggota):dimensi>/<key>")
def report_drill(dimensi: str, key: str):
    page = as_whole(request.args.get("page", ""), maximum=MAX_PAGE) or 1
    try:
        period = parse_period(request.args, today=today())
    except ReportError as refused:
        return render_template(
            "treasury/reports/drill.html", error=refused.message, tabs=TABS, dimensi=dimensi
        ), 400
    if key == drilling.UNATTRIBUTED:
        return render_template(
            "treasury/reports/unattributed.html",
            rows=drilling.unattributed(period),
            period=period,
            dimensi=dimensi,
            tabs=TABS,
        )
    try:
        found = drilling.drill(
            period, Dimension(dimensi), key, page=page, per_page=drilling.DRILL_PER_PAGE
        )
    except LookupError:
        abort(404)
    return render_template(
        "treasury/reports/drill.html",
        drill=found,
        period=period,
        dimensi=dimensi,
        tabs=TABS,
        rate_text=rate_text,
        page_args=lambda number: {**period.args, "page": number},
    )


@blueprint.get("/transaksi/<int:transaction_id>")
def transaction(transaction_id: int):
    detail = drilling.transaction_detail(transaction_id)
    if detail is None:
        abort(404)
    return render_template("treasury/reports/transaction.html", detail=detail)
