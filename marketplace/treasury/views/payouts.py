"""Paying members: their balances (/bendahara/anggota), where the treasurer
picks whom to pay; the payout batches (/bendahara/pembayaran-anggota),
where an admin who did not prepare a batch approves or rejects it, the
treasurer downloads the bank's bulk-transfer file and records each line
transferred or failed. The rules are treasury.payouts'."""

from dataclasses import dataclass

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from marketplace.accounts.access import logged_in_user
from marketplace.accounts.models import Role, User
from marketplace.core.forms import FORM_EXPIRED
from marketplace.core.money import format_rupiah
from marketplace.core.pages import last_page, page_number
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.treasury import deposits, payout_file, payout_queries, payouts
from marketplace.treasury.models import BatchStatus, LineStatus, PayoutBatch, PayoutLine
from marketplace.treasury.payout_forms import (
    ApproveBatchForm,
    DepositForm,
    FailedForm,
    PrepareBatchForm,
    RejectBatchForm,
    TransferredForm,
)
from marketplace.treasury.payout_queries import BalanceSort
from marketplace.treasury.payouts import PayoutError
from marketplace.treasury.views.base import blueprint, refuse, today

MEMBERS_PER_PAGE = 25
BATCHES_PER_PAGE = 20


# --- members' balances ----------------------------------------------------------------


def _balance_filters() -> dict:
    """What the page's address says: search, sort, "siap dibayar"."""
    try:
        sort = BalanceSort(request.args.get("urut", ""))
    except ValueError:
        sort = BalanceSort.AVAILABLE
    return {
        "q": request.args.get("q", "")[: payout_queries.SEARCH_LENGTH],
        "urut": sort,
        "siap": request.args.get("siap") == "1",
    }


@blueprint.get("/anggota")
def member_balances():
    filters = _balance_filters()
    minimum = current_app.config["PAYOUT_MINIMUM"]
    rows = payout_queries.member_balances(
        minimum=minimum, search=filters["q"], sort=filters["urut"], ready=filters["siap"]
    )
    page, message = page_number(request.args.get("page"))
    if message:
        flash(message, "warning")
    pages = last_page(page, len(rows), MEMBERS_PER_PAGE)
    shown = rows[(page - 1) * MEMBERS_PER_PAGE : page * MEMBERS_PER_PAGE]
    place = {
        "q": filters["q"] or None,
        "urut": filters["urut"].value if filters["urut"] != BalanceSort.AVAILABLE else None,
        "siap": "1" if filters["siap"] else None,
    }
    place = {name: value for name, value in place.items() if value}
    return render_template(
        "treasury/payouts/balances.html",
        rows=shown,
        total=len(rows),
        ready_count=sum(1 for row in rows if row.payable),
        page=page,
        pages=pages,
        filters=filters,
        sorts=list(BalanceSort),
        minimum=minimum,
        form=PrepareBatchForm(formdata=None),
        page_args=lambda number: {**place, "page": number},
    )


@blueprint.post("/pembayaran-anggota/siapkan")
def prepare_batch():
    form = PrepareBatchForm()
    back = url_for(".member_balances")
    if not form.validate_on_submit():
        return refuse(_first_error(form), back)
    if form.everyone.data:
        ready = payout_queries.member_balances(
            minimum=current_app.config["PAYOUT_MINIMUM"], ready=True
        )
        member_ids = [row.member.id for row in ready if row.payable]
        if not member_ids:
            return refuse("Belum ada anggota yang siap dibayar dengan rekening lengkap.", back)
    else:
        member_ids = form.anggota.data
    try:
        batch = payouts.prepare_batch(member_ids=member_ids, by=logged_in_user())
    except PayoutError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(
        f"Batch {batch.code} disiapkan: {len(batch.lines)} anggota, "
        f"{format_rupiah(batch.total)}. Dananya kini ditahan sampai transfer dicatat.",
        "success",
    )
    return redirect(url_for(".payout_batch", batch_id=batch.id))


# --- batches --------------------------------------------------------------------------


@blueprint.get("/pembayaran-anggota")
def payout_batches():
    page = db.paginate(payout_queries.batches(), per_page=BATCHES_PER_PAGE, error_out=False)
    return render_template(
        "treasury/payouts/batches.html",
        page=page,
        waiting=db.session.scalar(payout_queries.waiting_for_approval()),
        page_args=lambda number: {"page": number},
    )


@dataclass(frozen=True)
class LineRow:
    line: PayoutLine
    transferred: TransferredForm | None  # the forms, while the line may be recorded
    failed: FailedForm | None


def _may_decide(batch: PayoutBatch, user: User) -> bool:
    return (
        batch.status == BatchStatus.PREPARED
        and user.has_role(Role.ADMIN)
        and user.id != batch.prepared_by_id
    )


def _may_record(batch: PayoutBatch, user: User) -> bool:
    payable = {BatchStatus.APPROVED}
    if not current_app.config["PAYOUT_REQUIRE_APPROVAL"]:
        payable.add(BatchStatus.PREPARED)
    return batch.status in payable and user.has_role(Role.TREASURER)


@blueprint.get("/pembayaran-anggota/<int:batch_id>")
def payout_batch(batch_id: int):
    batch = db.first_or_404(payout_queries.batch(batch_id))
    user = logged_in_user()
    recording = _may_record(batch, user)
    rows = [
        LineRow(
            line=line,
            transferred=TransferredForm.for_line(line.id, formdata=None)
            if recording and line.status == LineStatus.HELD
            else None,
            failed=FailedForm.for_line(line.id, formdata=None)
            if recording and line.status == LineStatus.HELD
            else None,
        )
        for line in batch.lines
    ]
    return render_template(
        "treasury/payouts/batch.html",
        batch=batch,
        rows=rows,
        deciding=_may_decide(batch, user),
        is_preparer=user.id == batch.prepared_by_id,
        recording=recording,
        downloadable=recording and any(line.status == LineStatus.HELD for line in batch.lines),
        approve_form=ApproveBatchForm(formdata=None),
        reject_form=RejectBatchForm(formdata=None),
        approval_required=current_app.config["PAYOUT_REQUIRE_APPROVAL"],
    )


@blueprint.post("/pembayaran-anggota/<int:batch_id>/setujui")
def approve_batch(batch_id: int):
    batch = db.first_or_404(payout_queries.batch(batch_id))
    back = url_for(".payout_batch", batch_id=batch_id)
    if not ApproveBatchForm().validate_on_submit():
        return refuse(FORM_EXPIRED, back)
    try:
        payouts.approve_batch(batch=batch, by=logged_in_user())
    except PayoutError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(f"Batch {batch.code} disetujui. Bendahara kini dapat mentransfer.", "success")
    return redirect(back)


@blueprint.post("/pembayaran-anggota/<int:batch_id>/tolak")
def reject_batch(batch_id: int):
    batch = db.first_or_404(payout_queries.batch(batch_id))
    back = url_for(".payout_batch", batch_id=batch_id)
    form = RejectBatchForm()
    if not form.validate_on_submit():
        return refuse(_first_error(form), back)
    try:
        payouts.reject_batch(batch=batch, by=logged_in_user(), reason=form.reason.data or "")
    except PayoutError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(f"Batch {batch.code} ditolak. Dana anggota tersedia kembali.", "success")
    return redirect(back)


@blueprint.get("/pembayaran-anggota/<int:batch_id>/transfer-massal.csv")
def batch_bank_file(batch_id: int):
    batch = db.first_or_404(payout_queries.batch(batch_id))
    if not _may_record(batch, logged_in_user()):
        flash("Berkas transfer baru tersedia setelah batch disetujui pengurus.", "warning")
        return redirect(url_for(".payout_batch", batch_id=batch_id))
    return Response(
        payout_file.bank_file(batch),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{payout_file.filename(batch)}"'},
    )


# --- lines ----------------------------------------------------------------------------


def _line_or_404(line_id: int) -> PayoutLine:
    return db.first_or_404(payout_queries.line(line_id))


@blueprint.post("/pembayaran-anggota/baris/<int:line_id>/transfer")
def line_transferred(line_id: int):
    line = _line_or_404(line_id)
    back = url_for(".payout_batch", batch_id=line.batch_id, _anchor=f"baris-{line.id}")
    form = TransferredForm.for_line(line.id)
    if not form.validate_on_submit():
        return refuse(_first_error(form), back)
    try:
        payouts.record_transferred(
            line=line, reference=form.reference.data or "", by=logged_in_user()
        )
    except PayoutError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(
        f"Transfer {format_rupiah(line.amount)} ke {line.member.shop_name} dicatat; "
        "anggota dikabari lewat email.",
        "success",
    )
    return redirect(back)


@blueprint.post("/pembayaran-anggota/baris/<int:line_id>/gagal")
def line_failed(line_id: int):
    line = _line_or_404(line_id)
    back = url_for(".payout_batch", batch_id=line.batch_id, _anchor=f"baris-{line.id}")
    form = FailedForm.for_line(line.id)
    if not form.validate_on_submit():
        return refuse(_first_error(form), back)
    try:
        payouts.record_failed(line=line, reason=form.reason.data or "", by=logged_in_user())
    except PayoutError as error:
        return refuse(error.message, back)
    db.session.commit()
    flash(
        f"Transfer ke {line.member.shop_name} dicatat gagal; {format_rupiah(line.amount)} "
        "tersedia kembali untuk batch berikutnya.",
        "success",
    )
    return redirect(back)


def _first_error(form) -> str:
    """The message of a form that did not validate (a missing CSRF token is
    turned away before the view, with its own page)."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return FORM_EXPIRED


# --- cash commission deposits ---------------------------------------------------------


def _deposit_page(member: Member, form: DepositForm):
    return render_template(
        "treasury/payouts/deposit.html",
        member=member,
        owed=deposits.owed(member.id),
        form=form,
        recent=db.session.scalars(payout_queries.deposits_of(member.id)).all(),
    )


@blueprint.get("/anggota/<int:member_id>/setoran")
def commission_deposit(member_id: int):
    member = db.get_or_404(Member, member_id)
    return _deposit_page(member, DepositForm(formdata=None, deposited_on=today()))


@blueprint.post("/anggota/<int:member_id>/setoran")
def record_deposit(member_id: int):
    member = db.get_or_404(Member, member_id)
    form = DepositForm()
    if not form.validate_on_submit() or form.amount.data is None:
        return _deposit_page(member, form), 400
    try:
        deposit = deposits.record_deposit(
            member=member,
            amount=form.amount.data,
            deposited_on=form.deposited_on.data,
            reference=form.reference.data or "",
            by=logged_in_user(),
            today=today(),
        )
    except PayoutError as error:
        db.session.rollback()
        form.amount.errors = [error.message]
        return _deposit_page(db.get_or_404(Member, member_id), form), 400
    db.session.commit()
    flash(
        f"Setoran komisi {format_rupiah(deposit.amount)} dari {member.shop_name} dicatat.",
        "success",
    )
    return redirect(url_for(".member_balances", q=member.shop_name))
