"""A card order paid by Stripe's webhook is told as a card payment wherever
the order is shown: the shopper's order page, the member's part page and
their WhatsApp message, and the member's email. Nobody at the association
took that money in, so no page says the treasurer did (the words come from
one mapping per payment method: orders.status.PAYMENT_RECEIVED_WORDS)."""

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db
from marketplace.payments import stripe_checkout
from marketplace.payments.models import StripeCheckout
from tests.orders.flows import two_part_order
from tests.payments.fake_stripe import webhook_headers

pytestmark = pytest.mark.usefixtures("app_context")


def text_of(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def test_a_paid_card_order_says_the_card_payment_came(client, login_as, fake_stripe):
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.commit()
    session_id = db.session.scalars(select(StripeCheckout.session_id)).one()
    fake_stripe.complete_session(session_id)
    body = fake_stripe.session_event("checkout.session.completed", session_id)
    assert (
        client.post("/webhooks/stripe", data=body, headers=webhook_headers(body)).status_code == 200
    )

    login_as(order.buyer)
    page = text_of(client.get(f"/pesanan/{order.code}").get_data(as_text=True))
    assert "Kartu / Stripe · lunas" in page
    assert "bendahara" not in page.lower()

    part = order.parts[0]
    login_as(part.member.user)
    html = client.get(f"/kelola/pesanan/{part.id}").get_data(as_text=True)
    page = text_of(html)
    assert "Pembayaran kartu diterima. Mulai siapkan barangnya." in page
    assert "✓ Pembayaran kartu diterima" in page  # its timeline
    assert "Kartu / Stripe · lunas" in page
    # What a refund would be is the refunds' (cancelling, further down the page).
    paid_part = page.split("Tidak bisa memenuhi pesanan ini?")[0].lower()
    assert "bendahara" not in paid_part and "transfer" not in paid_part
    chats = [
        parse_qs(urlsplit(unescape(link)).query)["text"][0]
        for link in re.findall(r'href="(https://wa\.me/[^"]+)"', html)
    ]
    assert any(
        f"Pembayaran kartu diterima untuk pesanan {order.code}. Segera kami siapkan." in chat
        for chat in chats
    )

    to_members = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject == f"Pesanan baru {order.code}")
    ).all()
    assert len(to_members) == len(order.parts)
    for email in to_members:
        assert "Pembayaran kartu diterima." in email.body_text
        assert "bendahara" not in email.body_text.lower()


@pytest.mark.parametrize(
    ("event_type", "why"),
    [
        ("checkout.session.async_payment_failed", "Pembayaran kartu gagal"),
        ("checkout.session.expired", "Waktu pembayaran kartu habis"),
    ],
)
def test_a_card_order_stripe_closed_tells_the_shopper_why(client, fake_stripe, event_type, why):
    """Not 'the deadline passed' when the card was declined."""
    order = two_part_order(payment_method="stripe", now=datetime.now(UTC))
    stripe_checkout.start(order=order)
    db.session.commit()
    session_id = db.session.scalars(select(StripeCheckout.session_id)).one()
    if event_type.endswith("failed"):
        fake_stripe.complete_session(session_id, payment_status="unpaid")
        fake_stripe.settle_async(session_id, succeeded=False)
    else:
        fake_stripe.expire_session(session_id)
    body = fake_stripe.session_event(event_type, session_id)
    assert (
        client.post("/webhooks/stripe", data=body, headers=webhook_headers(body)).status_code == 200
    )

    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject == f"Pesanan {order.code} dibatalkan")
    ).one()
    assert f"{why}, jadi pesanan dibatalkan otomatis dan stoknya dikembalikan." in email.body_text
    assert "Batas waktu" not in email.body_text
