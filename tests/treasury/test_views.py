"""The treasurer's pages: the home, the transfer queue and its
confirmation, and the refunds to pay back."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.orders import fulfilment
from marketplace.orders.models import OrderPart
from marketplace.orders.status import OrderPartStatus, OrderStatus
from marketplace.payments import bank_transfer
from marketplace.payments.models import PaymentReceipt
from marketplace.treasury.views import payments
from tests.factories import UserFactory
from tests.orders.helpers import cart_with, checkout, shopper, variant
from tests.sql import recorded_statements
from tests.treasury.helpers import money_written, refund_owed, transfer_order, treasurer


@pytest.fixture
def me(login_as):
    return login_as(treasurer())


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def queue_codes(html: str) -> list[str]:
    return re.findall(r'id="pesanan-(PA-[0-9A-Z]+)"', html)


# --- the home -----------------------------------------------------------------------


def test_home_counts_what_waits_and_shows_the_main_balances(client, me):
    transfer_order(placed_hours_ago=2)
    transfer_order(placed_hours_ago=30, overdue=True)
    order, part = refund_owed(price=30_000)
    page = client.get("/bendahara")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert re.search(r">2</p> <p[^>]*>Transfer menunggu konfirmasi", text)
    assert "1 lewat batas bayar." in text
    assert "Rp30.000</p>" in text and "1 bagian pesanan dibatalkan" in text
    # The ledger after one paid order with one part refunded.
    assert balance("cash:bank") == order.total
    cell = '<td class="text-end fw-bold">'
    assert f"Kas di rekening bank</th>{cell}Rp{dotted(order.total)}" in text
    other = next(p for p in order.parts if p.id != part.id)
    share = other.subtotal - other.commission_total
    assert f'Tertahan (pesanan belum selesai)</td><td class="text-end">Rp{dotted(share)}' in text
    assert 'belum dikembalikan</th><td class="text-end pt-3 fw-bold">Rp30.000' in text
    # The unique code stays income until the order's last part is refunded.
    income = sum(balances("income").values())
    assert income == other.commission_total + order.unique_code
    assert f"Jumlah pendapatan</td>{cell}Rp{dotted(income)}" in text


def test_home_of_an_empty_market(client, me):
    page = client.get("/bendahara")
    assert page.status_code == 200
    assert "Transfer menunggu konfirmasi" in page.text
    assert page.text.count("Rp0") >= 8


# --- the transfer queue -----------------------------------------------------------------


def test_queue_lists_the_oldest_first_with_the_amount_to_look_for(client, me):
    newest = transfer_order(placed_hours_ago=1, name="Budi")
    oldest = transfer_order(placed_hours_ago=20, name="Ani", overdue=True)
    middle = transfer_order(placed_hours_ago=5, name="Citra")
    page = client.get("/bendahara/transfer")
    assert page.status_code == 200
    assert queue_codes(page.text) == [oldest.code, middle.code, newest.code]
    for order in (oldest, middle, newest):
        amount = f"Rp{dotted(order.total)}"
        assert f"{amount[:-3]}<mark>{amount[-3:]}</mark>" in page.text
        assert order.contact_name in page.text
    # Only the overdue one is marked.
    assert page.text.count("Lewat batas") == 1
    card = page.text.split(f'id="pesanan-{oldest.code}"')[0].rsplit("<li", 1)[1]
    assert "border-danger" in card
    # The amount is not filled in for the treasurer: they type what the bank shows.
    assert f'value="{dotted(oldest.total)}"' not in page.text


def test_paid_and_cancelled_orders_leave_the_queue(client, me):
    waiting = transfer_order()
    paid = transfer_order()
    cancelled = transfer_order()
    bank_transfer.confirm(order=paid, amount=paid.total, by=treasurer())
    fulfilment.cancel_order(order=cancelled, by=cancelled.buyer)
    db.session.commit()
    assert queue_codes(client.get("/bendahara/transfer").text) == [waiting.code]


def test_search_finds_a_transfer_by_its_exact_amount(client, me):
    orders = [transfer_order(price=price) for price in (15_000, 15_000, 22_500)]
    target = orders[1]
    for typed in (dotted(target.total), f"Rp{dotted(target.total)}", f"Rp {target.total}"):
        page = client.get("/bendahara/transfer", query_string={"q": typed})
        assert queue_codes(page.text) == [target.code], typed
        assert "1 hasil untuk" in page.text


def test_search_by_amount_is_exact(client, me):
    order = transfer_order(price=15_000)
    page = client.get("/bendahara/transfer", query_string={"q": dotted(order.total + 1)})
    assert queue_codes(page.text) == []
    assert "Tidak ada pesanan menunggu transfer dengan kode atau jumlah itu." in page.text


@pytest.mark.parametrize("how", [str, str.lower, lambda code: code.removeprefix("PA-")])
def test_search_finds_a_transfer_by_its_code(client, me, how):
    order = transfer_order()
    transfer_order()
    page = client.get("/bendahara/transfer", query_string={"q": how(order.code)})
    assert queue_codes(page.text) == [order.code]


def test_queue_is_paginated(client, me, monkeypatch):
    monkeypatch.setattr(payments, "TRANSFERS_PER_PAGE", 2)
    orders = [transfer_order(placed_hours_ago=10 - hour) for hour in range(5)]
    first = client.get("/bendahara/transfer").text
    third = client.get("/bendahara/transfer?page=3").text
    assert queue_codes(first) == [orders[0].code, orders[1].code]
    assert queue_codes(third) == [orders[4].code]
    assert "Halaman 1 dari 3" in first
    assert 'href="/bendahara/transfer?page=2"' in first
    assert queue_codes(client.get("/bendahara/transfer?page=9").text) == []


def statement_count(client, url: str) -> int:
    """Statements one GET runs (in a context and a session of its own)."""
    with recorded_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/bendahara/transfer", "/bendahara/transfer?q=15.000"])
def test_queue_costs_the_same_queries_for_one_order_or_many(client, me, url):
    transfer_order()
    one = statement_count(client, url)
    for _ in range(6):
        transfer_order()
    many = statement_count(client, url)
    # The user with their roles (one statement), the top bar (cart and membership), the
    # count and the page of orders.
    assert one == many == 4


def test_refunds_page_costs_the_same_queries_for_one_or_many(client, me):
    refund_owed()
    one = statement_count(client, "/bendahara/pengembalian")
    for _ in range(3):
        refund_owed()
    # As the queue, the members of the parts in one more, their Stripe refunds in one more.
    assert statement_count(client, "/bendahara/pengembalian") == one == 6


# --- confirming a transfer ------------------------------------------------------------------


def confirm(client, order, amount: str, note: str = "", query: str = ""):
    return client.post(
        f"/bendahara/transfer/{order.code}/konfirmasi{query}",
        data={f"transfer-{order.id}-amount": amount, f"transfer-{order.id}-note": note},
    )


def test_confirming_the_exact_amount_marks_the_order_paid(client, me):
    order = transfer_order(price=15_000, quantity=2)
    response = confirm(client, order, f"Rp{dotted(order.total)}", note="Mutasi BRI 29/11")
    assert response.status_code == 302
    assert response.headers["Location"] == "/bendahara/transfer"
    assert flashes(client)[-1] == (
        "success",
        (
            f"Pesanan {order.code} lunas: Rp{dotted(order.total)} diterima. "
            "Pembeli dan penjual sudah dikabari lewat email."
        ),
    )
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    assert [part.status for part in order.parts] == [OrderPartStatus.NEW]
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.amount, receipt.recorded_by_id, receipt.note) == (
        order.total,
        me.id,
        "Mutasi BRI 29/11",
    )
    # The emails of the confirmation went out after its commit (the one of
    # placing the order, queued by the test outside a request, waits for cron).
    unsent = db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.sent_at.is_(None)))
    assert unsent.all() == [f"Pesanan {order.code} menunggu pembayaran"]
    subjects = db.session.scalars(select(OutboxEmail.subject)).all()
    assert f"Pembayaran {order.code} diterima" in subjects
    assert balance("cash:bank") == order.total
    assert queue_codes(client.get("/bendahara/transfer").text) == []


def test_confirming_reads_the_order_once_and_nothing_after_the_commit(client, me):
    """The order is found by its code, then read with its parts, lines and
    members under its row lock; the flash is worded before the commit; the
    buyer and the member's user are read for their emails, without their
    roles."""
    item = variant(price=15_000, stock=50)
    first, order = (
        checkout(buyer, cart_with(buyer, (item, 2))) for buyer in (shopper(), shopper())
    )
    db.session.commit()
    confirm(client, first, str(first.total))  # opens the ledger accounts of the member's sales
    amount = str(order.total)
    with recorded_statements() as seen:
        assert confirm(client, order, amount).status_code == 302
    reads = [s for s in seen if s.startswith("SELECT")]
    assert len([s for s in reads if re.search(r"\bFROM orders\b", s)]) == 2
    assert len([s for s in reads if "FROM seller_orders" in s]) == 1
    assert not [s for s in seen if "user_roles" in s and "login_sessions" not in s]
    assert len([s for s in reads if "FROM users" in s]) == 3  # the treasurer, the two emails


def test_confirming_comes_back_to_the_same_search_and_page(client, me):
    order = transfer_order()
    response = confirm(client, order, str(order.total), query="?q=abc&page=2")
    assert response.headers["Location"] == "/bendahara/transfer?q=abc&page=2"


@pytest.mark.parametrize("difference", [1, -1, 1000, -1000])
def test_a_different_amount_is_refused_and_nothing_is_written(client, me, difference):
    order = transfer_order()
    before = money_written()
    response = confirm(client, order, dotted(order.total + difference))
    assert response.status_code == 302
    category, message = flashes(client)[-1]
    assert category == "danger"
    words = "lebih" if difference > 0 else "kurang"
    gap = f"({words} Rp{dotted(abs(difference))})"
    assert f"tidak sama dengan tagihan Rp{dotted(order.total)} {gap}" in message
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert [part.status for part in order.parts] == [OrderPartStatus.AWAITING_PAYMENT]
    assert order.paid_at is None
    assert money_written() == before
    assert balance("cash:bank") == 0
    assert queue_codes(client.get("/bendahara/transfer").text) == [order.code]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Isi jumlah yang masuk, persis seperti di mutasi rekening."),
        ("seratus ribu", "Jumlah harus bilangan bulat, misalnya 15000 atau 15.000."),
        ("115.123,50", "Jumlah harus bilangan bulat"),
        ("-5000", "Jumlah tidak boleh negatif."),
        ("0", "Jumlah diterima harus lebih dari Rp0."),
    ],
    ids=["empty", "words", "sen", "negative", "zero"],
)
def test_an_unreadable_amount_is_explained_on_its_row(client, me, typed, message):
    other = transfer_order()
    order = transfer_order()
    before = money_written()
    response = confirm(client, order, typed, note="catatan")
    assert response.status_code == 200
    assert message in response.text
    assert response.text.count(message) == 1
    row = response.text.split(f'id="pesanan-{order.code}"')[1].split("</li>")[0]
    assert "<details open>" in row and message in row
    other_row = response.text.split(f'id="pesanan-{other.code}"')[1].split("</li>")[0]
    assert "<details open>" not in other_row
    assert money_written() == before
    assert "This field" not in response.text


def test_a_note_too_long_is_refused(client, me):
    order = transfer_order()
    response = confirm(client, order, str(order.total), note="x" * 501)
    assert response.status_code == 200
    assert "Catatan paling panjang 500 karakter." in response.text
    assert money_written()[2] == 0


def test_an_order_confirmed_twice_is_refused_the_second_time(client, me):
    order = transfer_order()
    confirm(client, order, str(order.total))
    before = money_written()
    response = confirm(client, order, str(order.total))
    assert response.status_code == 302
    assert flashes(client)[-1] == (
        "danger",
        f"Pesanan {order.code} tidak sedang menunggu transfer (status: Sudah dibayar).",
    )
    assert money_written() == before


def test_an_unknown_order_is_not_found(client, me):
    response = client.post("/bendahara/transfer/PA-XXXXXX/konfirmasi", data={})
    assert response.status_code == 404


# --- refunds ------------------------------------------------------------------------------


def refund_rows(html: str) -> list[str]:
    return re.findall(r'<span class="font-monospace">(PA-[0-9A-Z]+)</span>', html)


def test_refunds_list_those_owed_first_with_the_shoppers_contact(client, me):
    paid_back_order, paid_back = refund_owed(price=20_000)
    fulfilment.mark_refund_paid(part=paid_back, by=me)
    db.session.commit()
    first_order, _ = refund_owed(price=30_000)
    second_order, _ = refund_owed(price=40_000, reason="Toko tutup")
    page = client.get("/bendahara/pengembalian")
    assert page.status_code == 200
    assert refund_rows(page.text) == [first_order.code, second_order.code, paid_back_order.code]
    for order in (first_order, second_order):
        assert order.contact_name in page.text
        assert order.contact_whatsapp in page.text
    assert "Toko tutup" in page.text
    assert page.text.count("Sudah ditransfer kembali") == 2
    assert page.text.count("Sudah dikembalikan</span>") == 1
    assert page.text.count("https://wa.me/") == 2


def test_marking_a_refund_paid_records_it_and_moves_the_money(client, me):
    order, part = refund_owed(price=30_000)
    cash_before = balance("cash:bank")
    response = client.post(f"/bendahara/pengembalian/{part.id}/selesai")
    assert response.status_code == 302
    assert response.headers["Location"] == "/bendahara/pengembalian"
    assert flashes(client)[-1] == (
        "success",
        f"Pengembalian Rp30.000 untuk pesanan {order.code} ({order.contact_name}) dicatat.",
    )
    db.session.expire_all()
    assert db.session.get(OrderPart, part.id).refund_paid_at is not None
    assert balance("payable:shopper-refunds") == 0
    assert balance("cash:bank") == cash_before - 30_000
    (sent_at,) = db.session.scalars(
        select(OutboxEmail.sent_at).where(
            OutboxEmail.subject == f"Dana pesanan {order.code} sudah dikembalikan"
        )
    )
    assert sent_at is not None  # the shopper's email went after the commit
    home = client.get("/bendahara").text
    assert "0 bagian pesanan dibatalkan" in home


def test_a_refund_marked_twice_is_refused(client, me):
    _, part = refund_owed()
    client.post(f"/bendahara/pengembalian/{part.id}/selesai")
    before = money_written()
    response = client.post(f"/bendahara/pengembalian/{part.id}/selesai?page=2")
    assert response.headers["Location"] == "/bendahara/pengembalian?page=2"
    assert flashes(client)[-1] == ("danger", "Pengembalian dana ini sudah dicatat.")
    assert money_written() == before


def test_a_part_with_nothing_to_refund_is_refused(client, me):
    order, part = refund_owed()
    kept = next(p for p in order.parts if p.id != part.id)
    before = money_written()
    client.post(f"/bendahara/pengembalian/{kept.id}/selesai")
    assert flashes(client)[-1] == (
        "danger",
        "Tidak ada dana yang perlu dikembalikan untuk bagian pesanan ini.",
    )
    assert money_written() == before
    assert client.post("/bendahara/pengembalian/999999/selesai").status_code == 404


def test_no_refunds_says_so(client, me):
    page = client.get("/bendahara/pengembalian")
    assert "Belum ada dana yang perlu dikembalikan kepada pembeli." in page.text


# --- navigation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "shown"),
    [
        ([Role.TREASURER], True),
        ([Role.SHOPPER], False),
        ([Role.ADMIN], False),
        ([Role.MEMBER, Role.TREASURER], True),
    ],
    ids=["treasurer", "shopper", "admin", "member-treasurer"],
)
def test_navbar_shows_the_treasurer_their_link(client, login_as, roles, shown):
    login_as(UserFactory(roles=roles))
    page = client.get("/akun/masuk", follow_redirects=True).text
    assert ('<a class="nav-link" href="/bendahara">Bendahara</a>' in page) is shown
