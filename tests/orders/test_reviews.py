"""Reviews at the service level (orders.reviews): only the buyer of a
completed part reviews a line, once, within 60 days; a cancelled part
never; a member never their own product. The product's count and sum
follow the visible reviews in the same transaction, so its average is the
mean of the visible ones after a hide and an unhide. A refused action
writes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.catalog.models import Product, Review, ReviewReport
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders import reviews as services
from marketplace.orders.models import Order
from marketplace.orders.reviews import REVIEW_DAYS, ReviewError
from tests import factories
from tests.orders.flows import DONE, bought, member, paid_order, walk_to_dispatched
from tests.orders.helpers import count, variant

pytestmark = pytest.mark.usefixtures("app_context")


def completed_order() -> Order:
    """Two parts: the first completed at DONE, the second shipped."""
    order = paid_order()
    first = order.parts[0]
    walk_to_dispatched(first)
    fulfilment.complete(part=first, member=first.member, now=DONE)
    fulfilment.start_processing(part=order.parts[1], member=order.parts[1].member)
    db.session.commit()
    return order


def write(order: Order, line=None, *, rating: int = 5, buyer=None, now=DONE, text: str = ""):
    line = line if line is not None else order.parts[0].lines[0]
    return services.write_review(
        line=line, buyer=buyer or order.buyer, rating=rating, text=text, now=now
    )


def product_of(order: Order, index: int = 0) -> Product:
    product = db.session.get(Product, order.parts[index].lines[0].product_id)
    db.session.refresh(product)
    return product


def refusal(action) -> str:
    with pytest.raises(ReviewError) as refused:
        action()
    db.session.rollback()
    return refused.value.message


def test_the_buyer_reviews_a_line_of_a_completed_part_and_it_counts_on_the_product(app):
    order = completed_order()
    review = write(order, rating=4, text="  Renyah, pedasnya pas.  ")
    db.session.commit()
    assert (review.rating, review.text) == (4, "Renyah, pedasnya pas.")
    assert review.buyer_name == order.buyer.name.split()[0]
    assert review.member_id == order.parts[0].member_id
    product = product_of(order)
    assert (product.rating_count, product.rating_sum, product.rating_average) == (1, 4, 4.0)


def test_a_line_is_reviewed_once(app):
    order = completed_order()
    write(order, rating=5)
    db.session.commit()
    assert "sudah Anda ulas" in refusal(lambda: write(order, rating=1))
    product = product_of(order)
    assert (count(Review), product.rating_count, product.rating_sum) == (1, 1, 5)


def test_a_part_not_completed_cannot_be_reviewed(app):
    order = completed_order()
    line = order.parts[1].lines[0]  # processing
    assert "setelah pesanan selesai" in refusal(lambda: write(order, line))
    assert count(Review) == 0
    assert product_of(order, 1).rating_count == 0


def test_a_cancelled_and_refunded_part_cannot_be_reviewed(app):
    order = paid_order()
    part = order.parts[1]
    fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis")
    db.session.commit()
    assert part.refund_amount > 0
    assert "dibatalkan" in refusal(lambda: write(order, part.lines[0]))
    assert count(Review) == 0


def test_reviews_close_sixty_days_after_completion(app):
    order = completed_order()
    late = DONE + timedelta(days=REVIEW_DAYS, seconds=1)
    assert "Batas waktu ulasan" in refusal(lambda: write(order, now=late))
    assert count(Review) == 0
    write(order, now=DONE + timedelta(days=REVIEW_DAYS))
    db.session.commit()
    assert count(Review) == 1


def test_only_the_buyer_reviews(app):
    order = completed_order()
    stranger = factories.UserFactory(roles=[Role.SHOPPER])
    assert "Hanya pembeli" in refusal(lambda: write(order, buyer=stranger))
    assert count(Review) == 0


def test_a_member_cannot_review_their_own_product(app):
    seller = member()
    order = bought(variant(member=seller), buyer=seller.user)
    assert "toko Anda sendiri" in refusal(lambda: write(order))
    assert count(Review) == 0


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_stars_are_one_to_five(app, rating):
    order = completed_order()
    assert "bintang 1 sampai 5" in refusal(lambda: write(order, rating=rating))
    assert count(Review) == 0


def test_the_average_is_the_mean_of_the_visible_reviews_through_hide_and_unhide(app):
    keripik = variant(stock=10)
    orders = [bought(keripik) for _ in range(3)]
    reviews = [write(order, rating=rating) for order, rating in zip(orders, (5, 1, 3), strict=True)]
    db.session.commit()
    product = product_of(orders[0])
    assert (product.rating_count, product.rating_sum, product.rating_average) == (3, 9, 3.0)
    admin = factories.UserFactory(roles=[Role.ADMIN])

    services.hide_review(review=reviews[1], by=admin, reason="Kata kasar", now=DONE)
    db.session.commit()
    visible = db.session.scalars(
        select(Review.rating).where(Review.product_id == product.id, Review.hidden_at.is_(None))
    ).all()
    product = product_of(orders[0])
    assert product.rating_count == len(visible) == 2
    assert product.rating_average == sum(visible) / len(visible) == 4.0
    hidden = db.session.get(Review, reviews[1].id)
    assert (hidden.hidden_by_id, hidden.hidden_reason) == (admin.id, "Kata kasar")
    assert "sudah disembunyikan" in refusal(
        lambda: services.hide_review(review=hidden, by=admin, reason="lagi")
    )

    services.unhide_review(review=db.session.get(Review, reviews[1].id), by=admin)
    db.session.commit()
    product = product_of(orders[0])
    assert (product.rating_count, product.rating_sum) == (3, 9)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "review")
    ).all()
    assert actions == [AuditAction.REVIEW_HIDDEN, AuditAction.REVIEW_SHOWN]


def test_a_hide_needs_a_reason(app):
    order = completed_order()
    review = write(order)
    db.session.commit()
    admin = factories.UserFactory(roles=[Role.ADMIN])
    assert "alasan" in refusal(lambda: services.hide_review(review=review, by=admin, reason=" "))
    assert db.session.get(Review, review.id).hidden_at is None
    assert product_of(order).rating_count == 1


def test_the_member_replies_once_and_only_to_their_own(app):
    order = completed_order()
    review = write(order)
    db.session.commit()
    other = member()
    assert "bukan untuk produk toko Anda" in refusal(
        lambda: services.reply_to_review(review=review, member=other, text="Terima kasih")
    )
    own = order.parts[0].member
    services.reply_to_review(review=review, member=own, text=" Terima kasih! ", now=DONE)
    db.session.commit()
    assert (review.reply, review.replied_at is not None) == ("Terima kasih!", True)
    assert "sudah Anda balas" in refusal(
        lambda: services.reply_to_review(review=review, member=own, text="Lagi")
    )
    assert db.session.get(Review, review.id).reply == "Terima kasih!"


def test_a_report_is_once_per_person_and_closed_by_a_hide(app):
    order = completed_order()
    review = write(order)
    db.session.commit()
    reporter = factories.UserFactory(roles=[Role.SHOPPER])
    services.report_review(review=review, reporter=reporter, reason="Menghina")
    db.session.commit()
    assert "sudah melaporkan" in refusal(
        lambda: services.report_review(review=review, reporter=reporter, reason="")
    )
    assert count(ReviewReport) == 1
    admin = factories.UserFactory(roles=[Role.ADMIN])
    services.hide_review(review=review, by=admin, reason="Menghina")
    db.session.commit()
    report = db.session.scalars(select(ReviewReport)).one()
    assert report.handled_at is not None
