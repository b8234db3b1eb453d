"""The admin's reviews screen (/pengurus/ulasan): reviews someone reported,
each hidden with a reason (kept, with who hid it and why, and in the audit
log) or let stand; and the hidden ones, each shown again if it was fine
after all. Nested under the admin blueprint (endpoints `admin.reviews.*`),
whose guard lets only Role.ADMIN in."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from marketplace.accounts.access import logged_in_user
from marketplace.admin import queries
from marketplace.admin.forms import ReviewHideForm
from marketplace.catalog.models import Review
from marketplace.core.forms import BaseForm
from marketplace.extensions import db
from marketplace.orders import reviews as services
from marketplace.orders.status import OrderError

blueprint = Blueprint("reviews", __name__, url_prefix="/ulasan")
PER_PAGE = 20
HIDDEN = "tersembunyi"


@blueprint.get("")
def index():
    hidden = request.args.get("tampil") == HIDDEN
    page = db.paginate(queries.reported_reviews(hidden=hidden), per_page=PER_PAGE)
    ids = [review.id for review in page.items]
    reports = dict(db.session.execute(queries.open_report_counts(ids)).tuples().all())
    return render_template(
        "admin/reviews.html",
        page=page,
        reports=reports,
        hidden=hidden,
        page_args=lambda number: {"tampil": HIDDEN if hidden else None, "page": number},
        hide_form=ReviewHideForm(),
        form=BaseForm(),
    )


def _done(refused: OrderError | None, success: str):
    if refused is None:
        db.session.commit()
        flash(success, "success")
    else:
        db.session.rollback()
        flash(refused.message, "danger")
    return redirect(url_for(".index"))


@blueprint.post("/<int:review_id>/sembunyikan")
def hide(review_id: int):
    review = db.get_or_404(Review, review_id)
    form = ReviewHideForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "danger")
        return redirect(url_for(".index"))
    try:
        services.hide_review(review=review, by=logged_in_user(), reason=form.reason.data)
    except OrderError as refused:
        return _done(refused, "")
    return _done(
        None, f"Ulasan #{review.id} disembunyikan dan tidak lagi dihitung di nilai produk."
    )


@blueprint.post("/<int:review_id>/tampilkan")
def unhide(review_id: int):
    review = db.get_or_404(Review, review_id)
    if not BaseForm().validate_on_submit():
        return redirect(url_for(".index", tampil=HIDDEN))
    try:
        services.unhide_review(review=review, by=logged_in_user())
    except OrderError as refused:
        return _done(refused, "")
    return _done(None, f"Ulasan #{review.id} tampil kembali di halaman produk.")


@blueprint.post("/<int:review_id>/biarkan")
def dismiss(review_id: int):
    review = db.get_or_404(Review, review_id)
    if BaseForm().validate_on_submit():
        services.dismiss_reports(review=review, by=logged_in_user())
        db.session.commit()
        flash(f"Laporan atas ulasan #{review.id} ditutup; ulasannya tetap tampil.", "success")
    return redirect(url_for(".index"))
