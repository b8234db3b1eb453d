"""What the shopper sees of an order: each part's status and steps, refunds,
a WhatsApp link to each member, cash or transfer instructions; the history;
and cash offered at checkout only when every member in the cart takes it."""

import re
from urllib.parse import unquote

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import Order
from marketplace.orders.status import OrderPartStatus, PaymentMethod
from marketplace.payments import bank_transfer
from tests import factories
from tests.orders.helpers import (
    cart_with,
    checkout,
    deliver_to,
    nothing_written,
    shopper,
    stock_of,
    variant,
)


def text_of(response) -> str:
    """The page's main content as plain text."""
    main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def two_shop_order(buyer, payment="bank_transfer"):
    keripik_shop = factories.MemberFactory(shop_name="Keripik Bu Sri", accepts_cash=True)
    gula_shop = factories.MemberFactory(shop_name="Gula Kelapa Pak Darto", accepts_cash=True)
    keripik = variant(price=15_000, member=keripik_shop)
    gula = variant(price=22_500, member=gula_shop)
    deliver_to(gula_shop, "sokaraja", fee=8_000)
    order = checkout(
        buyer,
        cart_with(buyer, (keripik, 2), (gula, 1)),
        choices={keripik_shop.id: "pickup", gula_shop.id: "delivery"},
        payment_method=payment,
    )
    db.session.flush()
    return order


def test_order_page_follows_each_part_and_its_refund(client, login_as):
    buyer = login_as(shopper())
    order = two_shop_order(buyer)
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    keripik_part, gula_part = order.parts
    fulfilment.start_processing(part=gula_part, member=gula_part.member)
    fulfilment.dispatch(part=gula_part, member=gula_part.member)
    fulfilment.cancel_part(
        part=keripik_part, member=keripik_part.member, reason="Tempe sedang kosong."
    )
    db.session.commit()

    response = client.get(f"/pesanan/{order.code}")
    page = text_of(response)
    for expected in (
        "Keripik Bu Sri",
        "Dibatalkan",
        "Tempe sedang kosong.",
        "Dana Rp30.000 akan dikembalikan bendahara",
        "Gula Kelapa Pak Darto",
        "Sedang diantar",
        "Transfer bank · lunas",
        "Dana dikembalikan sebagian",
    ):
        assert expected in page, expected
    assert "Transfer tepat sejumlah" not in page  # paid: no transfer instructions
    links = re.findall(r'href="(https://wa\.me/[^"]+)"', response.get_data(as_text=True))
    assert len(links) == 2
    for part, link in zip(order.parts, links, strict=True):
        assert link.startswith(f"https://wa.me/{part.member.whatsapp}?text=")
        assert order.code in unquote(link)

    fulfilment.mark_refund_paid(part=keripik_part, by=treasurer)
    db.session.commit()
    assert "Dana Rp30.000 sudah dikembalikan" in text_of(client.get(f"/pesanan/{order.code}"))


def test_cash_order_page_says_pay_on_handover_without_code_or_deadline(client, login_as):
    buyer = login_as(shopper())
    order = two_shop_order(buyer, payment="cash")
    db.session.commit()
    page = text_of(client.get(f"/pesanan/{order.code}"))
    assert "Bayar tunai saat ambil/antar" in page
    assert "Keripik Bu Sri Rp30.000" in page and "Gula Kelapa Pak Darto Rp30.500" in page
    for absent in ("Transfer tepat sejumlah", "Kode unik", "Bayar sebelum", "Pembayaran diterima"):
        assert absent not in page, absent
    assert "Batalkan pesanan" in page  # nobody has started preparing it


def test_awaiting_transfer_shows_the_transfer_instructions(client, login_as):
    buyer = login_as(shopper())
    order = two_shop_order(buyer)
    db.session.commit()
    page = text_of(client.get(f"/pesanan/{order.code}"))
    assert "Transfer tepat sejumlah" in page and "Bayar sebelum" in page
    assert "Bayar tunai" not in page


def test_history_shows_each_order_and_its_parts_status(client, login_as):
    buyer = login_as(shopper())
    order = two_shop_order(buyer)
    bank_transfer.confirm(
        order=order, amount=order.total, by=factories.UserFactory(roles=[Role.TREASURER])
    )
    _keripik_part, gula_part = order.parts
    fulfilment.start_processing(part=gula_part, member=gula_part.member)
    db.session.commit()
    page = text_of(client.get("/pesanan"))
    assert order.code in page and "Sudah dibayar" in page
    assert "Keripik Bu Sri Pesanan baru" in page
    assert "Gula Kelapa Pak Darto Sedang disiapkan" in page


def _checkout_form(member_ids, payment="bank_transfer"):
    from tests.factories import kecamatan

    data = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(kecamatan("sokaraja").id),
        "desa": "Karangrau",
        "payment_method": payment,
        "idempotency_key": "k" * 24,
    }
    return data | {f"pengiriman-{member_id}": "pickup" for member_id in member_ids}


def test_checkout_offers_cash_when_every_member_takes_it(client, login_as):
    first = variant(member=factories.MemberFactory(accepts_cash=True), stock=5)
    second = variant(member=factories.MemberFactory(accepts_cash=True), stock=5)
    buyer = login_as(shopper())
    cart_with(buyer, (first, 1), (second, 2))
    db.session.commit()
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="cash"' in page and "Tunai saat ambil/antar" in page
    assert "Bayar tunai belum bisa" not in page

    members = [first.product.member_id, second.product.member_id]
    response = client.post("/checkout", data=_checkout_form(members, "cash"))
    order = db.session.scalars(select(Order)).one()
    assert response.location == f"/pesanan/{order.code}"
    assert order.payment_method == PaymentMethod.CASH and order.unique_code == 0
    assert {part.status for part in order.parts} == {OrderPartStatus.NEW}
    page = text_of(client.get(response.location))
    assert "diteruskan ke penjual" in page and "Bayar tunai saat ambil/antar" in page


def test_checkout_offers_only_transfer_when_a_member_refuses_cash(client, login_as):
    taker = variant(member=factories.MemberFactory(accepts_cash=True), stock=5)
    refuser = variant(
        member=factories.MemberFactory(accepts_cash=False, shop_name="Batik Sokaraja"), stock=5
    )
    buyer = login_as(shopper())
    cart_with(buyer, (taker, 1), (refuser, 1))
    db.session.commit()
    response = client.get("/checkout")
    page = response.get_data(as_text=True)
    assert 'value="cash"' not in page
    assert "Bayar tunai belum bisa: Batik Sokaraja belum menerima pembayaran tunai" in text_of(
        response
    )

    members = [taker.product.member_id, refuser.product.member_id]
    refused = client.post("/checkout", data=_checkout_form(members, "cash"))
    assert refused.status_code == 200
    assert "Batik Sokaraja belum menerima pembayaran tunai" in text_of(refused)
    assert nothing_written() and stock_of(taker.id) == 5
