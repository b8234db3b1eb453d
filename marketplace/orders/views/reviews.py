"""Reviews: the shopper writes one on a line of their completed order (from
the order page), anyone logged in reports an abusive one, and the member
reads the reviews of their products and replies once (/kelola/ulasan).
Nested under the orders blueprint: endpoints are `orders.reviews.*`.

The shopper's order is looked up within their own orders and the review
within the member's own reviews, so anyone else's is not found (404). Each
action: form -> one service -> one commit -> redirect; a refusal is flashed
and changes nothing. The product page is cached for anonymous visitors, so
its "Laporkan" is a link to a page of its own with the form."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.accounts.access import logged_in_user
from marketplace.catalog import queries as catalog_queries
from marketplace.catalog.models import Review
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.access import approved_member
from marketplace.members.models import Member
from marketplace.orders import queries
from marketplace.orders import reviews as services
from marketplace.orders.forms import ReviewForm, ReviewReplyForm, ReviewReportForm
from marketplace.orders.status import OrderError

blueprint = Blueprint("reviews", __name__)
member_view = approved_member("orders/reviews_not_approved.html")
PER_PAGE = 20


def _first_error(form: ReviewForm | ReviewReplyForm | ReviewReportForm) -> str:
    return next(iter(form.errors.values()))[0]


@blueprint.post("/pesanan/<code>/ulasan/<int:line_id>")
@login_required
def write(code: str, line_id: int):
    order = db.first_or_404(queries.order_of_buyer(code, current_user.id))
    line = next((line for part in order.parts for line in part.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
        return redirect(url_for("orders.order", code=code, _anchor=f"baris-{line_id}"))
    try:
        services.write_review(
            line=line,
            buyer=logged_in_user(),
            rating=int(form.rating.data),
            text=form.text.data or "",
            uploads=[upload.read() for upload in form.photos.data or []],
            store=storage(),
        )
        db.session.commit()
    except OrderError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        flash("Terima kasih! Ulasan Anda sudah tampil di halaman produk.", "success")
    return redirect(url_for("orders.order", code=code, _anchor=f"baris-{line_id}"))


@blueprint.route("/ulasan/<int:review_id>/laporkan", methods=["GET", "POST"])
@login_required
def report(review_id: int):
    # Only a review the public sees: not hidden, of a product whose page is
    # public (not a draft, archived, or of a shop not approved).
    review = db.one_or_404(catalog_queries.shown_review(review_id))
    form = ReviewReportForm()
    if form.validate_on_submit():
        try:
            services.report_review(
                review=review, reporter=logged_in_user(), reason=form.reason.data
            )
            db.session.commit()
        except OrderError as refused:
            db.session.rollback()
            flash(refused.message, "warning")
        else:
            flash("Terima kasih, laporan Anda kami terima. Pengurus akan memeriksanya.", "success")
        return redirect(
            url_for(
                "catalog.product",
                product_id=review.product_id,
                slug=review.product.slug,
                _anchor=f"ulasan-{review.id}",
            )
        )
    return render_template("orders/review_report.html", review=review, form=form)


@blueprint.get("/kelola/ulasan")
@member_view
def index(member: Member):
    page = db.paginate(catalog_queries.reviews_of_member(member.id), per_page=PER_PAGE)
    return render_template(
        "orders/member_reviews.html",
        member=member,
        page=page,
        page_args=lambda number: {"page": number},
        form=ReviewReplyForm(),
    )


@blueprint.post("/kelola/ulasan/<int:review_id>/balas")
@member_view
def reply(member: Member, review_id: int):
    review = db.one_or_404(
        catalog_queries.reviews_of_member(member.id).where(Review.id == review_id)
    )
    form = ReviewReplyForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
    else:
        try:
            services.reply_to_review(review=review, member=member, text=form.text.data)
            db.session.commit()
        except OrderError as refused:
            db.session.rollback()
            flash(refused.message, "danger")
        else:
            flash("Balasan Anda sudah tampil di bawah ulasan.", "success")
    return redirect(url_for(".index", _anchor=f"ulasan-{review_id}"))
