"""Matching the bank's account statement (/bendahara/mutasi): upload the
CSV, see what each credit pays, confirm the matches one by one or all at
once (treasury.statement; the confirmation is the transfer queue's own)."""

from enum import StrEnum

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Select, select

from marketplace.accounts.access import logged_in_user
from marketplace.core.forms import FORM_EXPIRED
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.orders.status import OrderError
from marketplace.treasury import statement
from marketplace.treasury.forms import StatementConfirmForm, StatementUploadForm
from marketplace.treasury.models import StatementLine
from marketplace.treasury.views.base import blueprint, list_place, now, refuse

LINES_PER_PAGE = 30
# Confirmed one after another, each in its own transaction: a click
# confirms at most this many (the page says when more are left).
CONFIRM_AT_ONCE = 200


class Show(StrEnum):
    OPEN = "belum"  # credits not used yet: matched, flagged or unknown
    CONFIRMED = "dikonfirmasi"
    ALL = "semua"


# Where in the list the treasurer is: its tab and page.
PLACE = ("tampil", "page")

SHOW_LABELS = {Show.OPEN: "Belum dipakai", Show.CONFIRMED: "Dikonfirmasi", Show.ALL: "Semua"}


def _show() -> Show:
    try:
        return Show(request.args.get("tampil", Show.OPEN))
    except ValueError:
        return Show.OPEN


def _lines(show: Show) -> Select:
    query = select(StatementLine)
    if show == Show.OPEN:
        query = query.where(StatementLine.amount > 0, StatementLine.order_id.is_(None))
    elif show == Show.CONFIRMED:
        query = query.where(StatementLine.order_id.is_not(None))
    return query.order_by(StatementLine.booked_on.desc(), StatementLine.id.desc())


def _page(form: StatementUploadForm | None = None):
    show = _show()
    page = db.paginate(_lines(show), per_page=LINES_PER_PAGE, error_out=False)
    found = statement.matches(page.items)
    return render_template(
        "treasury/statement.html",
        form=form or StatementUploadForm(formdata=None),
        confirm_form=StatementConfirmForm(),
        matches=found,
        confirmable=sum(1 for match in found if match.confirmable),
        page=page,
        show=show,
        shows=SHOW_LABELS,
        page_args=lambda number: {"tampil": show.value, "page": number},
    )


@blueprint.get("/mutasi")
def statement_lines():
    return _page()


@blueprint.post("/mutasi")
def upload_statement():
    form = StatementUploadForm()
    if not form.validate_on_submit():
        return _page(form), 400
    upload = form.statement.data
    try:
        imported = statement.import_statement(
            data=upload.read(), filename=upload.filename or "", by=logged_in_user()
        )
    except statement.StatementError as error:
        db.session.rollback()
        form.statement.errors = [error.message]
        return _page(form), 400
    db.session.commit()
    read = imported.statement.lines_read
    new = imported.statement.lines_new
    if new:
        flash(
            f"{read} baris terbaca, {new} baru ({imported.credits_new} uang masuk). "
            "Yang cocok dengan pesanan bisa dikonfirmasi di bawah.",
            "success",
        )
    else:
        flash(f"{read} baris terbaca, semuanya sudah pernah diunggah: tidak ada yang baru.", "info")
    return redirect(url_for(".statement_lines"))


@blueprint.post("/mutasi/<int:line_id>/konfirmasi")
def confirm_statement_line(line_id: int):
    back = url_for(".statement_lines", **list_place(PLACE))
    if not StatementConfirmForm().validate_on_submit():
        return refuse(FORM_EXPIRED, back)
    line = statement.lock_line(line_id)
    if line is None:
        return refuse("Baris mutasi itu tidak ada.", back)
    try:
        order = statement.confirm(line=line, by=logged_in_user(), now=now())
    except OrderError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(
        f"Pesanan {order.code} lunas: {format_rupiah(order.total)} diterima. "
        "Pembeli dan penjual sudah dikabari lewat email.",
        "success",
    )
    return redirect(back)


@blueprint.post("/mutasi/konfirmasi-semua")
def confirm_statement_all():
    back = url_for(".statement_lines", **list_place(PLACE))
    if not StatementConfirmForm().validate_on_submit():
        return refuse(FORM_EXPIRED, back)
    open_lines = db.session.scalars(_lines(Show.OPEN).limit(CONFIRM_AT_ONCE * 5)).all()
    wanted = [match.line.id for match in statement.matches(open_lines) if match.confirmable]
    confirmed, refused = [], []
    by = logged_in_user()
    for line_id in wanted[:CONFIRM_AT_ONCE]:
        line = statement.lock_line(line_id)
        try:
            if line is None:
                raise OrderError("Baris mutasi itu tidak ada.")
            order = statement.confirm(line=line, by=by, now=now())
        except OrderError as error:
            db.session.rollback()
            refused.append(error.message)
            continue
        db.session.commit()  # each on its own: a refusal later undoes none of these
        confirmed.append(order.code)
    if confirmed:
        flash(f"{len(confirmed)} pesanan lunas: {', '.join(confirmed)}.", "success")
    if refused:
        flash(f"{len(refused)} tidak dikonfirmasi: {refused[0]}", "warning")
    if not confirmed and not refused:
        flash("Tidak ada kredit yang cocok untuk dikonfirmasi.", "info")
    if len(wanted) > CONFIRM_AT_ONCE:
        flash("Masih ada yang cocok: tekan “Konfirmasi semua” lagi.", "info")
    return redirect(back)
