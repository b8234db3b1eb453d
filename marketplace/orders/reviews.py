"""Reviews of what was bought: who may write one, the member's one reply, a
report of abuse, and an admin hiding (or showing again) a review.

A review belongs to an order line, so only its buyer writes it, once (the
line is UNIQUE on `reviews`), and only once the member's part of the order
was completed, within REVIEW_DAYS of that: a cancelled part (refunds only
come with a cancel) never. A member does not review their own product.

The product's `rating_count` and `rating_sum` count the visible reviews.
They move with an UPDATE of the product row in the same transaction as the
review is written, hidden or shown again, so the average on every page is
the mean of the visible reviews and two reviews at once both count. The
product row changing moves the catalog cache's generation (catalog.cache),
so the cached pages show the new average at once.

A review may carry up to MAX_PHOTOS photos, taken as a product's are
(catalog.photos: checked and re-encoded by core.images before anything is
written, a refused one refuses the review, and files of a step that fails
are deleted again). The member is told of a new review, and the buyer of
the member's reply, by email after the commit (accounts.mail_after_commit):
a mail server that is down never undoes the review."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.mail import queue_email
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.catalog.models import Product, Review, ReviewPhoto, ReviewReport
from marketplace.catalog.photos import REVIEW_PHOTO_FOLDER, PhotoRefused, checked_photos, saving
from marketplace.core.clock import as_utc
from marketplace.core.storage import LocalStorage
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders.models import OrderLine, OrderPart
from marketplace.orders.status import OrderError, OrderPartStatus

REVIEW_DAYS = 60
BUYER_NAME_LENGTH = 60
MAX_PHOTOS = 3
EXCERPT_LENGTH = 200  # of the review's words in the member's email


class ReviewError(OrderError):
    """A review rule refused the action."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def review_refusal(line: OrderLine, *, buyer: User, now: datetime | None = None) -> str | None:
    """Why `buyer` may not review this line now, in their words; None: they
    may. Reads the line's part and order (loaded with the order page)."""
    part: OrderPart = line.part
    if part.order.buyer_id != buyer.id:
        return "Hanya pembeli pesanan ini yang bisa memberi ulasan."
    if part.status == OrderPartStatus.CANCELLED:
        return "Pesanan yang dibatalkan tidak bisa diulas."
    if part.status != OrderPartStatus.COMPLETED or part.completed_at is None:
        return "Ulasan bisa diberikan setelah pesanan selesai."
    if _now(now) - as_utc(part.completed_at) > timedelta(days=REVIEW_DAYS):
        return f"Batas waktu ulasan ({REVIEW_DAYS} hari setelah pesanan selesai) sudah lewat."
    if line.product_id is None:
        return "Produk ini sudah tidak dijual, jadi tidak bisa diulas."
    if part.member.user_id == buyer.id:
        return "Anda tidak bisa mengulas produk toko Anda sendiri."
    return None


def reviews_of_lines(line_ids: list[int]) -> dict[int, Review]:
    """The reviews already written on these lines, by line, with their photos."""
    if not line_ids:
        return {}
    found = db.session.scalars(
        select(Review)
        .where(Review.order_line_id.in_(line_ids))
        .options(selectinload(Review.photos))
    )
    return {review.order_line_id: review for review in found}


def _count(product_id: int, *, reviews: int, stars: int) -> None:
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(
            rating_count=Product.rating_count + reviews,
            rating_sum=Product.rating_sum + stars,
        )
        .execution_options(synchronize_session="fetch")
    )


def write_review(
    *,
    line: OrderLine,
    buyer: User,
    rating: int,
    text: str,
    uploads: Sequence[bytes] = (),
    store: LocalStorage | None = None,
    now: datetime | None = None,
) -> Review:
    """The buyer's review of one line, with its photos (`uploads`, kept in
    `store`), counted on its product at once; the member is told by email.
    A refused photo refuses the review: nothing is written or kept."""
    refusal = review_refusal(line, buyer=buyer, now=now)
    if refusal is not None:
        raise ReviewError(refusal)
    if not 1 <= rating <= 5:
        raise ReviewError("Pilih bintang 1 sampai 5.")
    if len(uploads) > MAX_PHOTOS:
        raise ReviewError(f"Paling banyak {MAX_PHOTOS} foto per ulasan.")
    try:
        processed = checked_photos(uploads)
    except PhotoRefused as refused:
        raise ReviewError(refused.message) from refused
    assert line.product_id is not None  # review_refusal said so
    review = Review(
        order_line_id=line.id,
        product_id=line.product_id,
        member_id=line.part.member_id,
        buyer_id=buyer.id,
        buyer_name=(buyer.name.split() or ["Pembeli"])[0][:BUYER_NAME_LENGTH],
        rating=rating,
        text=text.strip(),
        created_at=_now(now),
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError:
        raise ReviewError("Produk ini sudah Anda ulas. Satu ulasan untuk setiap pembelian.")
    if processed:
        assert store is not None, "photos need a store"
        with saving(store, folder=REVIEW_PHOTO_FOLDER) as save:
            review.photos = [
                ReviewPhoto(
                    key=save(image.large, image.suffix),
                    position=position,
                    width=image.width,
                    height=image.height,
                )
                for position, image in enumerate(processed)
            ]
            db.session.flush()
    _count(line.product_id, reviews=1, stars=rating)
    _tell_member(review, line.part.member)
    return review


def _excerpt(text: str) -> str:
    words = " ".join(text.split())
    if len(words) <= EXCERPT_LENGTH:
        return words
    return words[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


def _tell_member(review: Review, member: Member) -> None:
    product = db.session.get_one(Product, review.product_id)
    queue_email(
        recipient=member.user.email,
        template="review_new",
        subject=f"Ulasan baru ★{review.rating} untuk “{product.name}”",
        name=member.owner_name,
        product=product,
        review=review,
        excerpt=_excerpt(review.text),
        link=public_url("orders.reviews.index", _anchor=f"ulasan-{review.id}"),
    )


def _tell_buyer(review: Review, member: Member) -> None:
    buyer = db.session.get_one(User, review.buyer_id)
    product = db.session.get_one(Product, review.product_id)
    queue_email(
        recipient=buyer.email,
        template="review_reply",
        subject=f"{member.shop_name} membalas ulasan Anda",
        name=buyer.name,
        shop_name=member.shop_name,
        product=product,
        review=review,
        excerpt=_excerpt(review.reply),
        link=public_url(
            "catalog.product",
            product_id=product.id,
            slug=product.slug,
            _anchor=f"ulasan-{review.id}",
        ),
    )


def reply_to_review(
    *, review: Review, member: Member, text: str, now: datetime | None = None
) -> Review:
    """The member's one public reply under a review of their product."""
    if review.member_id != member.id:
        raise ReviewError("Ulasan ini bukan untuk produk toko Anda.")
    if review.has_reply:
        raise ReviewError("Ulasan ini sudah Anda balas. Balasan hanya bisa dikirim sekali.")
    if not text.strip():
        raise ReviewError("Tulis balasan Anda.")
    review.reply = text.strip()
    review.replied_at = _now(now)
    _tell_buyer(review, member)
    return review


def report_review(*, review: Review, reporter: User, reason: str) -> ReviewReport:
    """Someone finds a review abusive: it joins the admin's list (once per person)."""
    if review.is_hidden:
        raise ReviewError("Ulasan ini sudah disembunyikan pengurus.")
    report = ReviewReport(review_id=review.id, reporter_id=reporter.id, reason=reason.strip())
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise ReviewError("Anda sudah melaporkan ulasan ini. Pengurus akan memeriksanya.")
    return report


def _handle_reports(review: Review, now: datetime) -> None:
    db.session.execute(
        update(ReviewReport)
        .where(ReviewReport.review_id == review.id, ReviewReport.handled_at.is_(None))
        .values(handled_at=now)
        .execution_options(synchronize_session=False)
    )


def hide_review(*, review: Review, by: User, reason: str, now: datetime | None = None) -> Review:
    """An admin hides an abusive review: kept, with who and why; no longer
    counted in its product's rating."""
    if review.is_hidden:
        raise ReviewError("Ulasan ini sudah disembunyikan.")
    if not reason.strip():
        raise ReviewError("Tulis alasan ulasan ini disembunyikan.")
    moment = _now(now)
    review.hidden_at = moment
    review.hidden_by_id = by.id
    review.hidden_reason = reason.strip()
    _count(review.product_id, reviews=-1, stars=-review.rating)
    _handle_reports(review, moment)
    audit.record(
        actor=by,
        action=AuditAction.REVIEW_HIDDEN,
        subject=("review", review.id),
        summary=f"Ulasan #{review.id} disembunyikan: {review.hidden_reason}",
        after={"product_id": review.product_id, "reason": review.hidden_reason},
    )
    return review


def unhide_review(*, review: Review, by: User, now: datetime | None = None) -> Review:
    """An admin shows a hidden review again (it was fine after all); the
    reason it was hidden stays in the audit log."""
    if not review.is_hidden:
        raise ReviewError("Ulasan ini tidak sedang disembunyikan.")
    before = {"reason": review.hidden_reason}
    review.hidden_at = None
    review.hidden_by_id = None
    review.hidden_reason = ""
    _count(review.product_id, reviews=1, stars=review.rating)
    audit.record(
        actor=by,
        action=AuditAction.REVIEW_SHOWN,
        subject=("review", review.id),
        summary=f"Ulasan #{review.id} ditampilkan kembali",
        before=before,
        after={"product_id": review.product_id},
    )
    return review


def dismiss_reports(*, review: Review, by: User, now: datetime | None = None) -> None:
    """An admin read the reports and lets the review stand."""
    _handle_reports(review, _now(now))
