"""The books: closing a month, and corrections (manual adjustments and
reversals). Every write goes through treasury.services, which records its
audit event in the same transaction; each view commits once."""

import secrets

from flask import flash, redirect, render_template, request, url_for

from marketplace.accounts.access import logged_in_user
from marketplace.core.errors import DomainError
from marketplace.core.numbers import as_whole
from marketplace.extensions import db
from marketplace.ledger.services import month_to_close, next_month
from marketplace.treasury import queries, services
from marketplace.treasury.forms import AdjustmentForm, MonthCloseForm, ReversalForm
from marketplace.treasury.reports import (
    Period,
    amount_moved,
    closing_balance,
    funds,
    month_name,
)
from marketplace.treasury.views.base import blueprint, refuse, today

CLOSES_PER_PAGE = 12
CORRECTIONS_PER_PAGE = 20
TOKEN_BYTES = 18


def _users(ids) -> dict[int, tuple[str, str]]:
    return {
        user_id: (name, email)
        for user_id, name, email in db.session.execute(queries.users_by_id(set(ids)))
    }


# --- month close -------------------------------------------------------------------


def _close_page(form: MonthCloseForm | None = None, status: int = 200):
    month = month_to_close()
    # The month to close, once it has ended (None before).
    closable = month if month is not None and next_month(month) <= today() else None
    ended = closable is not None
    if form is None and ended:
        form = MonthCloseForm(formdata=None, data={"month": f"{month:%Y-%m}"})
    closes = db.paginate(queries.closed_months(), per_page=CLOSES_PER_PAGE, error_out=False)
    return render_template(
        "treasury/books/close.html",
        month=month,
        month_label=month_name(month) if month else None,
        ends_on=next_month(month) if month else None,
        ended=ended,
        balance=closing_balance(closable) if closable else None,
        split=funds(Period.month(closable)) if closable else None,
        form=form,
        closes=closes,
        closers=_users(close.closed_by_id for close in closes.items),
        month_name=month_name,
        page_args=lambda number: {"page": number},
    ), status


@blueprint.get("/tutup-buku")
def month_close():
    return _close_page()


@blueprint.post("/tutup-buku")
def close_month():
    form = MonthCloseForm()
    month = form.chosen_month()
    if not form.validate_on_submit() or month is None:
        return _close_page(form, 400)
    try:
        services.close_month(month=month, by=logged_in_user())
    except DomainError as error:
        return refuse(error.message, url_for(".month_close"))
    db.session.commit()
    flash(
        f"Buku {month_name(month)} sudah ditutup. Tidak ada lagi transaksi yang dapat "
        "dicatat di bulan itu.",
        "success",
    )
    return redirect(url_for(".month_close"))


# --- corrections -------------------------------------------------------------------


@blueprint.get("/koreksi")
def corrections():
    wanted = as_whole(request.args.get("transaksi", "").strip()[:12])
    if wanted:
        return redirect(url_for(".reverse_transaction", transaction_id=wanted))
    page = db.paginate(queries.corrections(), per_page=CORRECTIONS_PER_PAGE, error_out=False)
    return render_template(
        "treasury/books/corrections.html",
        page=page,
        rows=[(item, amount_moved(item.entries)) for item in page.items],
        recorders=_users(item.recorded_by_id for item in page.items if item.recorded_by_id),
        page_args=lambda number: {"page": number},
    )


def _account_groups(accounts: services.AdjustableAccounts) -> list:
    return [
        ("Kas, pendapatan dan utang", accounts.general),
        ("Dana cabang kecamatan", accounts.chapters),
        ("Saldo tersedia anggota", accounts.members),
    ]


def _adjustment_page(form: AdjustmentForm, *, labels: dict, preview: bool = False,
                     error: str | None = None, status: int = 200):  # fmt: skip
    return render_template(
        "treasury/books/adjustment.html",
        form=form,
        preview=preview,
        error=error,
        lines=[
            (labels.get(line.account.data, line.account.data), line.debit.data, line.credit.data)
            for line in form.filled()
        ]
        if preview
        else [],
    ), status


@blueprint.route("/koreksi/penyesuaian", methods=["GET", "POST"])
def adjustment():
    accounts = services.adjustable_accounts()
    form = AdjustmentForm()
    form.offer(_account_groups(accounts))
    labels = accounts.labels
    step = request.form.get("step", "preview")
    if request.method == "GET" or step == "edit":
        form.token.data = ""
        return _adjustment_page(form, labels=labels)
    if not form.validate_on_submit():
        return _adjustment_page(form, labels=labels, status=400)
    try:
        if step != "confirm" or not form.token.data:
            services.check_adjustment(entries=form.entries(), reason=form.reason.data)
            form.token.data = secrets.token_urlsafe(TOKEN_BYTES)
            return _adjustment_page(form, labels=labels, preview=True)
        transaction = services.post_adjustment(
            entries=form.entries(),
            reason=form.reason.data,
            token=form.token.data,
            by=logged_in_user(),
        )
    except DomainError as refused:
        db.session.rollback()
        return _adjustment_page(form, labels=labels, error=refused.message, status=400)
    db.session.commit()
    flash(f"Penyesuaian #{transaction.id} dicatat di buku besar.", "success")
    return redirect(url_for(".corrections"))


def _reversal_page(transaction, form: ReversalForm, *, error: str | None = None,
                   status: int = 200):  # fmt: skip
    try:
        services.check_reversible(transaction)
        refusal = None
    except DomainError as refused:
        refusal = refused.message
    return render_template(
        "treasury/books/reverse.html",
        transaction=transaction,
        entries=transaction.entries,
        amount=amount_moved(transaction.entries),
        recorder=_users([transaction.recorded_by_id] if transaction.recorded_by_id else []).get(
            transaction.recorded_by_id
        ),
        refusal=refusal,
        form=form,
        error=error,
    ), status


@blueprint.route("/transaksi/<int:transaction_id>/balik", methods=["GET", "POST"])
def reverse_transaction(transaction_id: int):
    transaction = db.first_or_404(queries.transaction_with_entries(transaction_id))
    form = ReversalForm()
    if request.method == "GET":
        return _reversal_page(transaction, form)
    if not form.validate_on_submit():
        return _reversal_page(transaction, form, status=400)
    try:
        reversal = services.reverse_transaction(
            transaction=transaction, reason=form.reason.data, by=logged_in_user()
        )
    except DomainError as refused:
        db.session.rollback()
        return _reversal_page(transaction, form, error=refused.message, status=400)
    db.session.commit()
    flash(f"Transaksi #{transaction.id} dibalik dengan transaksi #{reversal.id}.", "success")
    return redirect(url_for(".corrections"))
