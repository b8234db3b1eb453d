"""A member's monthly statement (treasury.member_statement): at
/kelola/saldo for the member themself, at /bendahara/anggota/<id>/laporan
for the treasurer; each as a page, a CSV (`.csv`) and a printable page
(`/cetak`). `?bulan=2026-11` picks the month; this month by default."""

from datetime import date

from flask import Blueprint, Response, current_app, flash, render_template, request

from marketplace.core import csvfile
from marketplace.extensions import db
from marketplace.ledger.services import month_of, next_month, previous_month
from marketplace.members.access import approved_member
from marketplace.members.models import Member, MemberStatus
from marketplace.treasury.member_statement import MemberStatement, balances_now, statement_for
from marketplace.treasury.reports import ReportError, month_arg, month_name
from marketplace.treasury.views.base import blueprint as treasury
from marketplace.treasury.views.base import now

# The member's own: a suspended member still sees what they are owed.
blueprint = Blueprint("member_money", __name__, url_prefix="/kelola")
member_view = approved_member(
    "orders/fulfilment/not_approved.html", also=frozenset({MemberStatus.SUSPENDED})
)

CSV_HEADER = (
    "Tanggal",
    "Keterangan",
    "Pesanan",
    "Penjualan",
    "Komisi",
    "Tarif komisi (basis poin)",
    "Ongkos kirim",
    "Tertahan",
    "Tersedia",
    "Dalam pembayaran",
    "Jumlah",
)


def _month() -> date:
    this_month = month_of(now())
    text = request.args.get("bulan", "")
    if not text:
        return this_month
    try:
        chosen = month_arg(text, "Bulan")
    except ReportError as error:
        flash(error.message, "warning")
        return this_month
    return min(chosen, this_month)


def _render(member: Member, *, endpoint: str, treasurer: bool, variant: str):
    month = _month()
    found = statement_for(member, month)
    if variant == "csv":
        return _csv(found)
    this_month = month_of(now())
    return render_template(
        "treasury/member_statement_print.html"
        if variant == "print"
        else "treasury/member_statement.html",
        statement=found,
        month_label=month_name(month),
        previous=previous_month(month),
        following=next_month(month) if month < this_month else None,
        now_balances=balances_now(member.id) if month == this_month else None,
        hold_days=current_app.config["PAYOUT_HOLD_DAYS"],
        endpoint=endpoint,
        endpoint_args={"member_id": member.id} if treasurer else {},
        treasurer=treasurer,
    )


def _csv(found: MemberStatement) -> Response:
    rows: list[tuple[object, ...]] = [
        (
            "",
            "Saldo awal",
            "",
            "",
            "",
            "",
            "",
            found.opening.pending,
            found.opening.available,
            found.opening.in_payout,
            found.opening.total,
        )
    ]
    for row in found.rows:
        rows.append(
            (
                row.occurred_at.date().isoformat(),
                csvfile.text_cell(f"{row.label}: {row.memo}"),
                row.order_code or "",
                "" if row.gross is None else row.gross,
                "" if row.commission is None else row.commission,
                "" if row.rate_bps is None else row.rate_bps,
                "" if row.delivery_fee is None else row.delivery_fee,
                row.change.pending,
                row.change.available,
                row.change.in_payout,
                row.change.total,
            )
        )
    closing = found.closing
    rows.append(
        (
            "",
            "Saldo akhir",
            "",
            "",
            "",
            "",
            "",
            closing.pending,
            closing.available,
            closing.in_payout,
            closing.total,
        )
    )
    name = f"saldo-{found.member.slug}-{found.month:%Y-%m}.csv"
    return Response(
        csvfile.document(CSV_HEADER, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the member -------------------------------------------------------------------------


@blueprint.get("/saldo")
@member_view
def own(member: Member):
    return _render(member, endpoint="member_money.own", treasurer=False, variant="page")


@blueprint.get("/saldo.csv")
@member_view
def own_csv(member: Member):
    return _render(member, endpoint="member_money.own", treasurer=False, variant="csv")


@blueprint.get("/saldo/cetak")
@member_view
def own_print(member: Member):
    return _render(member, endpoint="member_money.own", treasurer=False, variant="print")


# --- the treasurer ------------------------------------------------------------------------


@treasury.get("/anggota/<int:member_id>/laporan")
def member_statement(member_id: int):
    member = db.get_or_404(Member, member_id)
    return _render(member, endpoint="treasury.member_statement", treasurer=True, variant="page")


@treasury.get("/anggota/<int:member_id>/laporan.csv")
def member_statement_csv(member_id: int):
    member = db.get_or_404(Member, member_id)
    return _render(member, endpoint="treasury.member_statement", treasurer=True, variant="csv")


@treasury.get("/anggota/<int:member_id>/laporan/cetak")
def member_statement_print(member_id: int):
    member = db.get_or_404(Member, member_id)
    return _render(member, endpoint="treasury.member_statement", treasurer=True, variant="print")
