"""The treasurer's home (commission income with its chart, what waits, the
main balances) and the monthly report for the association's meeting, as a
printable page and as a PDF. Every number comes from treasury.monthly and treasury.reports."""

from flask import abort, render_template

from marketplace.core.pdf import pdf_response
from marketplace.extensions import db
from marketplace.ledger.services import month_of
from marketplace.payments import queries as payment_queries
from marketplace.treasury import charts, monthly, queries, reports
from marketplace.treasury.views.base import blueprint, now


@blueprint.get("")
def index():
    waiting, overdue = db.session.execute(queries.transfer_counts(now())).one()
    refunds_owed, refunds_total = db.session.execute(queries.refunds_owed_total()).one()
    cards_to_review = db.session.scalar(payment_queries.review_count(now())) or 0
    income = monthly.income_overview(month_of(now()))
    return render_template(
        "treasury/index.html",
        waiting=waiting,
        overdue=int(overdue),
        refunds_owed=refunds_owed,
        refunds_total=int(refunds_total),  # PostgreSQL sums bigint into numeric
        cards_to_review=cards_to_review,
        summary=queries.ledger_summary(),
        income=income,
        chart=charts.stacked_months(income.months),
    )


# --- the monthly report for the meeting ---------------------------------------------


@blueprint.get("/laporan-bulanan")
def monthly_reports():
    return render_template("treasury/monthly_reports.html", months=monthly.report_months())


def _summary(month: str) -> monthly.MonthSummary:
    """The report of `month` (YYYY-MM, up to this month); any other text is an unknown page."""
    try:
        wanted = monthly.report_month(month, this_month=month_of(now()))
    except reports.ReportError:
        abort(404)
    return monthly.month_summary(wanted)


@blueprint.get("/laporan-bulanan/<month>")
def monthly_report(month: str):
    return render_template("treasury/monthly_report.html", report=_summary(month), for_pdf=False)


@blueprint.get("/laporan-bulanan/<month>.pdf")
def monthly_report_pdf(month: str):
    report = _summary(month)
    page = render_template("treasury/monthly_report.html", report=report, for_pdf=True)
    return pdf_response(page, filename=f"laporan-komisi-{report.month:%Y-%m}.pdf")
