"""The emails reviews cause, queued in the same transaction and sent after
its commit (accounts.mail_after_commit): the member hears of a new review on
their product (stars, the words, a link to /kelola/ulasan), the buyer of the
member's reply (a link to the product page); both from PUBLIC_URL. A refused
review or reply sends nothing, and a mail server that is down never turns a
saved review into an error."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.mail import deliver_outbox
from marketplace.accounts.models import OutboxEmail
from marketplace.catalog.models import Product, Review
from marketplace.core import outages
from marketplace.extensions import db
from marketplace.orders import reviews
from tests import factories
from tests.orders.flows import bought
from tests.orders.helpers import count, variant

pytestmark = pytest.mark.usefixtures("app_context")
PUBLIC = "https://pasar.aspikmas.test"


def outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def sold_getuk():
    sold = variant()
    sold.product.name = "Getuk Goreng Original"
    member = sold.product.member
    member.shop_name = "Getuk Pak Hadi"
    db.session.commit()
    return sold


def test_the_member_hears_of_a_new_review(client, login_as):
    sold = sold_getuk()
    order = bought(sold, done=None)
    before = len(outbox())
    login_as(order.buyer)
    line = order.parts[0].lines[0]
    words = "Legit dan masih hangat waktu sampai. " * 10  # longer than the excerpt
    client.post(f"/pesanan/{order.code}/ulasan/{line.id}", data={"rating": "4", "text": words})
    review = db.session.scalars(select(Review)).one()
    (email,) = outbox()[before:]
    member = sold.product.member
    assert email.recipient == member.user.email
    assert email.subject == "Ulasan baru ★4 untuk “Getuk Goreng Original”"
    link = f"{PUBLIC}/kelola/ulasan#ulasan-{review.id}"
    for body in (email.body_text, email.body_html):
        assert f"Halo {member.owner_name}" in body
        assert "4 dari 5 bintang" in body
        assert "Legit dan masih hangat waktu sampai." in body and "…" in body
        assert words.strip() not in body  # an excerpt, not the whole text
        assert link in body
        assert "localhost" not in body
    assert f'href="{link}"' in email.body_html
    assert "★★★★☆ (4 dari 5 bintang)" in email.body_text
    assert ">★★★★</span><span" in email.body_html


def test_the_buyer_hears_of_the_members_reply(client, login_as):
    sold = sold_getuk()
    order = bought(sold, done=None)
    (review,) = [
        reviews.write_review(line=order.parts[0].lines[0], buyer=order.buyer, rating=5, text="Ok")
    ]
    db.session.commit()
    before = len(outbox())
    login_as(sold.product.member.user)
    client.post(f"/kelola/ulasan/{review.id}/balas", data={"text": "Matur nuwun Bu!"})
    (email,) = outbox()[before:]
    product = db.session.get(Product, review.product_id)
    assert email.recipient == order.buyer.email
    assert email.subject == "Getuk Pak Hadi membalas ulasan Anda"
    link = f"{PUBLIC}/produk/{product.id}-{product.slug}#ulasan-{review.id}"
    for body in (email.body_text, email.body_html):
        assert f"Halo {order.buyer.name}" in body
        assert "Matur nuwun Bu!" in body and "Getuk Goreng Original" in body
        assert link in body

    again = len(outbox())
    client.post(f"/kelola/ulasan/{review.id}/balas", data={"text": "Lagi"})
    assert len(outbox()) == again  # refused (one reply): no email


def test_a_refused_review_sends_nothing(client, login_as):
    order = bought(sold_getuk(), done=None)
    login_as(order.buyer)
    line = order.parts[0].lines[0]
    client.post(f"/pesanan/{order.code}/ulasan/{line.id}", data={"rating": "5"})
    before = len(outbox())
    client.post(f"/pesanan/{order.code}/ulasan/{line.id}", data={"rating": "1"})  # twice
    assert len(outbox()) == before and count(Review) == 1


@pytest.fixture
def no_outage_yet(monkeypatch):
    """Outages are logged once per process: forget those of earlier tests."""
    monkeypatch.setattr(outages, "_down", {})


def test_a_mail_server_down_never_undoes_a_review(
    make_app, unused_port_config, mail_server, caplog, no_outage_yet
):
    app = make_app(**unused_port_config)
    with app.app_context():
        order = bought(sold_getuk(), done=None)
        line = order.parts[0].lines[0]
        client = app.test_client()
        factories.log_in(client, order.buyer)
        before = len(outbox())
        with caplog.at_level(logging.WARNING):
            response = client.post(
                f"/pesanan/{order.code}/ulasan/{line.id}", data={"rating": "5", "text": "Mantap"}
            )
            assert response.status_code == 302
            page = client.get(response.headers["Location"]).text
        assert "Terima kasih! Ulasan Anda sudah tampil" in page
        review = db.session.scalars(select(Review)).one()
        assert review.rating == 5
        (kept,) = outbox()[before:]
        assert kept.sent_at is None and kept.failed_at is None  # waits for the cron job
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []

    later = make_app(**mail_server.config)  # the server is back: the cron job sends it
    with later.app_context():
        assert deliver_outbox(now=datetime.now(UTC) + timedelta(minutes=2)).sent >= 1
    assert kept.recipient in [to for message in mail_server.received for to in message.recipients]
