"""The treasurer's order actions at the service level (orders.fulfilment):
a bank transfer confirmed (only its exact amount, once), a refund sent back
to the shopper (once); what each writes, what the ledger says after it,
and that a refused action writes nothing: no status, no receipt, no ledger
entry, no email."""

from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.core.clock import as_utc
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems, transactions_about
from marketplace.ledger.services import close_month, month_of
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import PaymentMismatch
from marketplace.orders.models import CommissionFact
from marketplace.orders.settlement import pending_account
from marketplace.orders.status import (
    InvalidTransition,
    OrderPartStatus,
    OrderStatus,
)
from marketplace.payments import bank_transfer
from marketplace.payments.models import PaymentReceipt
from tests.orders.flows import (
    MONDAY,
    books_balance,
    count,
    emails,
    entries,
    paid_order,
    refused,
    treasurer,
    two_part_order,
)

pytestmark = pytest.mark.usefixtures("app_context")

# Both members of two_part_order: 45_000 and 22_500 at the default 5 %.
KERIPIK_COMMISSION = 2_250
GULA_COMMISSION = 1_125


def test_the_exact_amount_pays_the_order_and_posts_the_sale(app):
    order = two_part_order()
    keripik, gula = order.parts
    bendahara = treasurer()
    db.session.commit()

    bank_transfer.confirm(
        order=order, amount=order.total, by=bendahara, note="  BRI 02/03 09.12  ", now=MONDAY
    )
    db.session.commit()

    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert [part.status for part in order.parts] == [OrderPartStatus.NEW] * 2
    assert all(part.paid_at is not None for part in order.parts)
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.key, receipt.amount, receipt.method) == (
        f"order:{order.id}",
        order.total,
        "bank_transfer",
    )
    assert (receipt.recorded_by_id, receipt.note, receipt.part_id) == (
        bendahara.id,
        "BRI 02/03 09.12",
        None,
    )
    # 2_250 splits 1_125/675/450; 1_125 splits 563/337/225 (the tie goes to empowerment).
    assert entries(f"order:{order.id}:sale") == {
        "cash:bank": order.total,
        pending_account(keripik.member_id): -(45_000 - KERIPIK_COMMISSION),
        pending_account(gula.member_id): -(22_500 - GULA_COMMISSION + 8_000),
        "income:commission:empowerment": -(1_125 + 563),
        "income:commission:central": -(675 + 337),
        "income:commission:kecamatan:sokaraja": -(450 + 225),
        "income:transfer-code": -order.unique_code,
    }
    assert books_balance() and problems() == []


def test_a_paid_order_tells_the_shopper_and_each_member(app):
    order = two_part_order()
    sent_before = len(emails())
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer(), now=MONDAY)
    db.session.commit()

    assert emails()[sent_before:] == [
        (order.buyer.email, f"Pembayaran {order.code} diterima"),
        (order.parts[0].member.user.email, f"Pesanan baru {order.code}"),
        (order.parts[1].member.user.email, f"Pesanan baru {order.code}"),
    ]


def test_the_shoppers_number_is_written_as_people_write_it(app):
    """Stored as 6281234567890; the member's email and the treasurer's
    refusal show it as 0812-3456-7890."""
    order = two_part_order()
    bendahara = treasurer()
    db.session.commit()
    assert order.contact_whatsapp == "6281234567890"

    message = refused(
        lambda: bank_transfer.confirm(order=order, amount=1, by=bendahara, now=MONDAY),
        PaymentMismatch,
    )
    assert "WhatsApp 0812-3456-7890" in message

    bank_transfer.confirm(order=order, amount=order.total, by=bendahara, now=MONDAY)
    db.session.commit()
    to_member = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject == f"Pesanan baru {order.code}")
    ).all()
    assert len(to_member) == 2
    for email in to_member:
        assert "WhatsApp pembeli: 0812-3456-7890." in email.body_text
        assert "6281234567890" not in email.body_text + email.body_html


@pytest.mark.parametrize(
    ("amount_of", "words"),
    [
        (lambda total: total - 1, "kurang Rp1"),
        (lambda total: total + 1_000, "lebih Rp1.000"),
        (lambda total: total - total % 1_000, "kurang"),  # the unique code left off
        (lambda total: 0, "tidak sama dengan tagihan"),
        (lambda total: float(total), "rupiah bulat"),
        (lambda total: str(total), "rupiah bulat"),
        (lambda total: True, "rupiah bulat"),
    ],
    ids=["one-short", "too-much", "no-unique-code", "zero", "float", "text", "bool"],
)
def test_any_amount_but_the_exact_total_is_refused_and_writes_nothing(app, amount_of, words):
    order = two_part_order()
    bendahara = treasurer()
    db.session.commit()

    message = refused(
        lambda: bank_transfer.confirm(
            order=order, amount=amount_of(order.total), by=bendahara, now=MONDAY
        ),
        PaymentMismatch,
    )

    assert words in message and "tidak ditandai lunas" in message
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert count(PaymentReceipt) == 0


def test_a_paid_order_cannot_be_confirmed_again(app):
    order = paid_order()
    message = refused(
        lambda: bank_transfer.confirm(order=order, amount=order.total, by=treasurer()),
        InvalidTransition,
    )
    assert message == (
        f"Pesanan {order.code} tidak sedang menunggu transfer (status: Sudah dibayar)."
    )
    assert count(PaymentReceipt) == 1


def test_a_cancelled_order_cannot_be_confirmed(app):
    order = two_part_order()
    fulfilment.cancel_order(order=order, by=order.buyer)
    bendahara = treasurer()
    db.session.commit()
    message = refused(
        lambda: bank_transfer.confirm(order=order, amount=order.total, by=bendahara),
        InvalidTransition,
    )
    assert "tidak sedang menunggu transfer (status: Dibatalkan)" in message


def test_a_cash_order_is_not_confirmed_by_the_treasurer(app):
    order = two_part_order(payment_method="cash")
    bendahara = treasurer()
    db.session.commit()
    message = refused(
        lambda: bank_transfer.confirm(order=order, amount=order.total, by=bendahara),
        InvalidTransition,
    )
    assert message == f"Pesanan {order.code} dibayar tunai kepada penjual, bukan lewat transfer."
    assert [part.status for part in order.parts] == [OrderPartStatus.NEW] * 2


def test_a_payment_dated_in_a_closed_month_posts_late_into_the_open_month(app):
    order = two_part_order()
    bendahara = treasurer()
    db.session.commit()
    close_month(month=date(2026, 2, 1), closed_by=bendahara)
    db.session.commit()

    bank_transfer.confirm(
        order=order, amount=order.total, by=bendahara, now=datetime(2026, 2, 27, 3, 0, tzinfo=UTC)
    )
    db.session.commit()

    (sale,) = transactions_about("order", order.id)
    assert as_utc(sale.occurred_at) > datetime(2026, 3, 1, tzinfo=UTC)
    assert sale.memo.endswith("(terlambat: terjadi 27/02/2026, bukunya sudah ditutup)")
    facts = db.session.scalars(select(CommissionFact).where(CommissionFact.order_id == order.id))
    assert {fact.month for fact in facts} == {month_of(as_utc(sale.occurred_at))}
    assert balance("cash:bank") == order.total and problems() == []


def test_order_emails_share_the_layout_with_the_lines_and_a_button(app):
    order = paid_order()
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject == f"Pembayaran {order.code} diterima")
    ).one()
    public_url = current_app.config["PUBLIC_URL"]
    assert f'href="{public_url}/pesanan/{order.code}"' in email.body_html
    assert ">Lihat pesanan</a>" in email.body_html
    assert "(250 g) × 3: Rp45.000</li>" in email.body_html
    assert "Ongkos antar: Rp8.000" in email.body_html
    assert "Salam,<br>Pasar Aspikmas — Aspikmas Kabupaten Banyumas" in email.body_html


def test_a_refund_is_paid_back_once(app):
    order = paid_order()
    keripik = order.parts[0]
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    bendahara = treasurer()
    db.session.commit()

    fulfilment.mark_refund_paid(part=keripik, by=bendahara)
    db.session.commit()

    assert keripik.refund_paid_at is not None
    assert entries(f"seller-order:{keripik.id}:refund-paid") == {
        "payable:shopper-refunds": 45_000,
        "cash:bank": -45_000,
    }
    assert balance("payable:shopper-refunds") == 0
    assert balance("cash:bank") == order.total - 45_000
    assert (
        refused(lambda: fulfilment.mark_refund_paid(part=keripik, by=bendahara))
        == "Pengembalian dana ini sudah dicatat."
    )
    assert books_balance()


def test_nothing_to_pay_back_for_a_part_without_refund(app):
    order = paid_order()
    bendahara = treasurer()
    db.session.commit()
    assert (
        refused(lambda: fulfilment.mark_refund_paid(part=order.parts[0], by=bendahara))
        == "Tidak ada dana yang perlu dikembalikan untuk bagian pesanan ini."
    )


def test_the_shopper_hears_when_the_refund_is_paid_back(app):
    order = paid_order()
    keripik = order.parts[0]
    fulfilment.cancel_part(part=keripik, member=keripik.member, reason="Habis")
    db.session.commit()
    sent_before = len(emails())

    fulfilment.mark_refund_paid(part=keripik, by=treasurer())
    db.session.commit()

    assert emails()[sent_before:] == [
        (order.buyer.email, f"Dana pesanan {order.code} sudah dikembalikan")
    ]
