"""The member's fulfilment pages (/kelola/pesanan) through the client: what
the list and a part show, each move, its emails and flash, and refusals
that change nothing."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerTransaction
from marketplace.members.models import Member, MemberStatus
from marketplace.orders import fulfilment
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import ConcurrentChange
from marketplace.orders.status import OrderPartStatus, OrderStatus
from marketplace.payments import bank_transfer
from marketplace.payments.models import PaymentReceipt
from tests import factories
from tests.orders.helpers import cart_with, checkout, count, deliver_to, shopper, stock_of, variant
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")


def ledger_sum() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))))


def place(member, quantity=2, *, price=15_000, payment="bank_transfer", delivery=False, paid=True):
    """One shopper's order of `quantity` of a new product of `member`; a
    transfer is confirmed by the treasurer unless `paid` is False."""
    goods = variant(price=price, stock=10, member=member)
    if delivery and not member.delivery_rates:
        deliver_to(member, "sokaraja", fee=8_000)
    buyer = shopper()
    order = checkout(
        buyer,
        cart_with(buyer, (goods, quantity)),
        choices={member.id: "delivery" if delivery else "pickup"},
        payment_method=payment,
    )
    db.session.flush()
    if payment == "bank_transfer" and paid:
        treasurer = factories.UserFactory(roles=[Role.TREASURER])
        bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    db.session.commit()
    return order.parts[0]


def email_subjects() -> list[str]:
    return list(db.session.scalars(select(OutboxEmail.subject).order_by(OutboxEmail.id)))


def reload(part: OrderPart) -> OrderPart:
    db.session.expire_all()
    return db.session.get(OrderPart, part.id)


def page_of(response) -> str:
    return response.get_data(as_text=True)


# --- the list ---------------------------------------------------------------------------


def test_list_shows_paid_transfer_and_cash_parts_not_unpaid_transfers(client, login_as):
    member = factories.MemberFactory(accepts_cash=True)
    paid = place(member)
    cash = place(member, payment="cash")
    unpaid = place(member, paid=False)
    expired = place(member, paid=False)
    fulfilment.expire_order(order=expired.order, now=datetime.now(UTC) + timedelta(days=2))
    db.session.commit()
    login_as(member.user)

    page = page_of(client.get("/kelola/pesanan"))
    assert paid.order.code in page and cash.order.code in page
    assert unpaid.order.code not in page and expired.order.code not in page
    assert "Pesanan masuk" in page
    # Semua 2, Baru 2; the unpaid ones are not counted anywhere.
    assert [n for n in _tab_numbers(page)] == [2, 2, 0, 0, 0, 0]
    assert client.get(f"/kelola/pesanan/{unpaid.id}").status_code == 404
    assert client.get(f"/kelola/pesanan/{expired.id}").status_code == 404


def _tab_numbers(page: str) -> list[int]:
    block = page.split('aria-label="Saring menurut status"', 1)[1].split("</nav>", 1)[0]
    return [int(n) for n in re.findall(r'fs-5 fw-bold lh-sm[^"]*">(\d+)<', block)]


def test_tabs_filter_by_status_and_count(client, login_as):
    member = factories.MemberFactory()
    new = place(member)
    preparing = place(member)
    sent = place(member)
    done = place(member)
    dropped = place(member)
    for part in (preparing, sent, done):
        fulfilment.start_processing(part=part, member=member)
    for part in (sent, done):
        fulfilment.dispatch(part=part, member=member)
    fulfilment.complete(part=done, member=member)
    fulfilment.cancel_part(part=dropped, member=member, reason="Bahan habis.")
    db.session.commit()
    login_as(member.user)

    everything = page_of(client.get("/kelola/pesanan"))
    assert _tab_numbers(everything) == [5, 1, 1, 1, 1, 1]
    for tab, part in [
        ("baru", new),
        ("disiapkan", preparing),
        ("dikirim", sent),
        ("selesai", done),
        ("batal", dropped),
    ]:
        page = page_of(client.get(f"/kelola/pesanan?status={tab}"))
        shown = [p for p in (new, preparing, sent, done, dropped) if p.order.code in page]
        assert shown == [part], tab
    # An unknown tab shows everything.
    assert all(
        p.order.code in page_of(client.get("/kelola/pesanan?status=apa"))
        for p in (new, done, dropped)
    )


def test_list_is_newest_first_and_paginated(client, login_as):
    member = factories.MemberFactory()
    parts = [place(member) for _ in range(22)]
    login_as(member.user)
    first = page_of(client.get("/kelola/pesanan"))
    second = page_of(client.get("/kelola/pesanan?page=2"))
    newest, oldest = parts[-1].order.code, parts[0].order.code
    assert newest in first and oldest not in first
    assert oldest in second and newest not in second
    assert first.index(parts[-1].order.code) < first.index(parts[-2].order.code)


def test_list_costs_the_same_queries_for_one_part_or_many(client, login_as):
    member = factories.MemberFactory()
    place(member)
    login_as(member.user)

    def statements() -> int:
        with recorded_statements() as seen:
            response = client.get("/kelola/pesanan")
        assert response.status_code == 200
        return len(seen)

    member_id = member.id
    one = statements()
    for _ in range(6):
        place(db.session.get(Member, member_id), quantity=1, delivery=True)
    assert statements() == one
    # user, roles, member, tab counts, page count, parts with their orders, lines,
    # the top bar's cart count
    assert one <= 8


# --- a part -----------------------------------------------------------------------------


def test_part_page_shows_what_the_member_needs(client, login_as):
    member = factories.MemberFactory(commission_bps=1000)
    part = place(member, quantity=2, price=15_000, delivery=True)
    order = part.order
    login_as(member.user)
    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    for expected in (
        order.code,
        order.contact_name,
        order.contact_whatsapp,
        order.address,
        "Antar ke pembeli",
        "Transfer bank",
        "lunas",
        "Rp30.000",  # lines
        "Rp8.000",  # delivery fee
        "Rp3.000",  # commission, 10 %
        "Rp35.000",  # member share: 30.000 - 3.000 + 8.000
        "Proses pesanan",
        "Tidak bisa memenuhi pesanan ini?",
    ):
        assert expected in page, expected
    assert f"https://wa.me/{order.contact_whatsapp}?text=" in page
    assert quote(order.code) in page.split("https://wa.me/", 1)[1].split('"', 1)[0]
    for hidden in ("Tandai dikirim", "Siap diambil</button>", "Uang tunai diterima"):
        assert hidden not in page


# --- telling the shopper on WhatsApp, one tap per step ----------------------------------


def step_chats(page: str) -> dict[str, str]:
    """The WhatsApp buttons beside the steps: their words -> the message typed in."""
    found = re.findall(
        r'class="btn btn-sm btn-whatsapp step-chat[^"]*" href="([^"]+)"[^>]*>([^<]+)<', page
    )
    return {label: parse_qs(urlsplit(unescape(url)).query)["text"][0] for url, label in found}


def latest_chat(page: str) -> str:
    """The message of the button at the top (the latest step)."""
    block = page.split('id="kabari"', 1)[1].split("</div>", 1)[0]
    url = re.search(r'href="(https://wa\.me/6281234567890\?text=[^"]+)"', block)[1]
    return parse_qs(urlsplit(unescape(url)).query)["text"][0]


def test_each_step_of_a_delivery_has_its_whatsapp_message(client, login_as):
    member = factories.MemberFactory(shop_name="Keripik Bu Sri")
    part = place(member, quantity=2, price=15_000, delivery=True)
    code = part.order.code
    hello = "Halo Sri Lestari, ini Keripik Bu Sri."
    details = f"Rincian: https://pasar.aspikmas.test/pesanan/{code}"
    received = (
        f"{hello} Pembayaran diterima bendahara untuk pesanan {code}. "
        f"Segera kami siapkan. {details}"
    )
    login_as(member.user)

    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    assert step_chats(page) == {"Kabari pembeli: pesanan diterima": received}
    assert latest_chat(page) == received

    page = page_of(client.post(f"/kelola/pesanan/{part.id}/proses", follow_redirects=True))
    preparing = f"{hello} Pesanan {code} sedang kami siapkan. {details}"
    assert step_chats(page)["Kabari pembeli: pesanan disiapkan"] == preparing
    assert latest_chat(page) == preparing

    page = page_of(client.post(f"/kelola/pesanan/{part.id}/kirim", follow_redirects=True))
    sent = (
        f"{hello} Pesanan {code} sudah dikirim dan sedang diantar ke Jl. Jenderal Soedirman 12, "
        f"RT 02/RW 03, Desa Karangrau, Kec. Sokaraja. {details}"
    )
    assert step_chats(page)["Kabari pembeli: pesanan dikirim"] == sent
    assert latest_chat(page) == sent

    page = page_of(client.post(f"/kelola/pesanan/{part.id}/selesai", follow_redirects=True))
    done = (
        f"{hello} Pesanan {code} sudah selesai. Terima kasih sudah berbelanja di "
        f"Keripik Bu Sri! {details}"
    )
    assert list(step_chats(page)) == [
        "Kabari pembeli: pesanan diterima",
        "Kabari pembeli: pesanan disiapkan",
        "Kabari pembeli: pesanan dikirim",
        "Kabari pembeli: pesanan selesai",
    ]
    assert latest_chat(page) == done
    # Beside the email, not instead of it.
    assert f"Pesanan {code} sedang diantar" in email_subjects()


def test_a_cash_pickup_says_where_and_how_much(client, login_as):
    member = factories.MemberFactory(
        shop_name="Getuk Bu Tin",
        accepts_cash=True,
        address="Jl. Raya Sokaraja 5",
        desa="Sokaraja Kulon",
    )
    part = place(member, quantity=3, price=12_000, payment="cash")
    fulfilment.start_processing(part=part, member=member)
    fulfilment.dispatch(part=part, member=member)
    db.session.commit()
    login_as(member.user)

    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    code = part.order.code
    assert step_chats(page)["Kabari pembeli: siap diambil"] == (
        f"Halo Sri Lestari, ini Getuk Bu Tin. Pesanan {code} sudah siap diambil di "
        f"Jl. Raya Sokaraja 5, Desa Sokaraja Kulon, Kec. {member.kecamatan.name}. "
        f"Mohon siapkan uang tunai Rp36.000 saat serah terima. "
        f"Rincian: https://pasar.aspikmas.test/pesanan/{code}"
    )
    assert "Kabari pembeli: pesanan diterima" in step_chats(page)  # the cash order came in


def test_a_cancelled_part_says_why_and_the_refund(client, login_as):
    member = factories.MemberFactory(shop_name="Keripik Bu Sri")
    part = place(member, quantity=2, price=15_000)
    fulfilment.cancel_part(part=part, member=member, reason="Bahan baku habis")
    db.session.commit()
    login_as(member.user)

    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    code = part.order.code
    assert latest_chat(page) == (
        f"Halo Sri Lestari, ini Keripik Bu Sri. Mohon maaf, pesanan {code} kami batalkan: "
        f"Bahan baku habis. Dana {format_rupiah(part.refund_amount)} akan dikembalikan "
        "bendahara Aspikmas ke rekening Anda. "
        f"Rincian: https://pasar.aspikmas.test/pesanan/{code}"
    )


def test_no_whatsapp_number_no_whatsapp_buttons(client, login_as):
    member = factories.MemberFactory()
    part = place(member)
    part.order.contact_whatsapp = ""
    db.session.commit()
    login_as(member.user)

    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    assert "wa.me" not in page and 'id="kabari"' not in page
    assert "Pembeli tidak memberi nomor WhatsApp yang bisa dihubungi." in page


def test_the_shoppers_own_page_has_no_member_buttons(client, login_as):
    member = factories.MemberFactory()
    part = place(member)
    login_as(part.order.buyer)
    page = page_of(client.get(f"/pesanan/{part.order.code}"))
    assert "Kabari pembeli" not in page and "step-chat" not in page


def test_cash_part_page_asks_for_the_cash_when_completing(client, login_as):
    member = factories.MemberFactory(accepts_cash=True)
    part = place(member, quantity=3, price=12_000, payment="cash")
    login_as(member.user)
    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    assert "Tunai saat ambil/antar" in page and "belum dibayar" in page
    assert "Ambil sendiri" in page
    fulfilment.start_processing(part=part, member=member)
    fulfilment.dispatch(part=part, member=member)
    db.session.commit()
    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    assert "Uang tunai diterima" in page
    assert 'value="36.000"' in page  # prefilled with the part's total
    assert "Selesai</button>" in page and "Tidak bisa memenuhi" not in page


def test_transfer_part_moves_through_every_step(client, login_as):
    member = factories.MemberFactory()
    part = place(member, delivery=True)
    login_as(member.user)
    before = len(email_subjects())

    response = client.post(f"/kelola/pesanan/{part.id}/proses", follow_redirects=True)
    assert "sedang Anda siapkan" in page_of(response)
    assert reload(part).status == OrderPartStatus.PROCESSING
    assert len(email_subjects()) == before  # preparing sends nothing

    response = client.post(f"/kelola/pesanan/{part.id}/kirim", follow_redirects=True)
    assert "sedang diantar" in page_of(response)
    assert reload(part).status == OrderPartStatus.SHIPPED
    assert email_subjects()[-1] == f"Pesanan {part.order.code} sedang diantar"

    response = client.post(f"/kelola/pesanan/{part.id}/selesai", follow_redirects=True)
    assert f"Pesanan {part.order.code} selesai." in page_of(response)
    part = reload(part)
    assert part.status == OrderPartStatus.COMPLETED
    assert part.payable_released_at is not None  # PAYOUT_HOLD_DAYS is 0
    assert part.order.status == OrderStatus.COMPLETED
    # The emails of the member's steps went out after each commit (those of
    # placing and paying, queued by the test outside a request, wait for cron).
    sent = db.session.scalars(select(OutboxEmail.sent_at).order_by(OutboxEmail.id)).all()
    assert len(sent) > before and all(moment is not None for moment in sent[before:])
    assert ledger_sum() == 0


def test_pickup_part_becomes_ready_for_pickup(client, login_as):
    member = factories.MemberFactory()
    part = place(member)
    login_as(member.user)
    client.post(f"/kelola/pesanan/{part.id}/proses")
    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    assert "Siap diambil</button>" in page and "Tandai dikirim" not in page
    response = client.post(f"/kelola/pesanan/{part.id}/kirim", follow_redirects=True)
    assert "siap diambil" in page_of(response)
    assert reload(part).status == OrderPartStatus.READY_FOR_PICKUP
    assert email_subjects()[-1] == f"Pesanan {part.order.code} siap diambil"


def test_payout_hold_days_keep_the_share_pending(make_app):
    app = make_app(PAYOUT_HOLD_DAYS=3)
    with app.app_context():
        member = factories.MemberFactory()
        part = place(member)
        fulfilment.start_processing(part=part, member=member)
        fulfilment.dispatch(part=part, member=member)
        db.session.commit()
        client = app.test_client()
        factories.log_in(client, member.user)
        client.post(f"/kelola/pesanan/{part.id}/selesai")
        part = reload(part)
        assert part.status == OrderPartStatus.COMPLETED
        assert part.payable_released_at is None


def test_cash_completion_needs_the_exact_cash(client, login_as):
    member = factories.MemberFactory(accepts_cash=True)
    part = place(member, quantity=3, price=12_000, payment="cash")
    fulfilment.start_processing(part=part, member=member)
    fulfilment.dispatch(part=part, member=member)
    db.session.commit()
    login_as(member.user)
    emails = len(email_subjects())

    response = client.post(
        f"/kelola/pesanan/{part.id}/selesai",
        data={"cash_received": "35.000"},
        follow_redirects=True,
    )
    assert "tepat Rp36.000" in page_of(response)
    assert reload(part).status == OrderPartStatus.READY_FOR_PICKUP
    assert count(PaymentReceipt) == count(LedgerTransaction) == 0
    assert len(email_subjects()) == emails

    response = client.post(f"/kelola/pesanan/{part.id}/selesai", data={"cash_received": "abc"})
    assert "Uang tunai harus bilangan bulat" in page_of(response)
    assert reload(part).status == OrderPartStatus.READY_FOR_PICKUP

    response = client.post(
        f"/kelola/pesanan/{part.id}/selesai",
        data={"cash_received": "Rp36.000"},
        follow_redirects=True,
    )
    assert "Tunai Rp36.000 tercatat" in page_of(response)
    part = reload(part)
    assert part.status == OrderPartStatus.COMPLETED and part.paid_at is not None
    assert db.session.scalars(select(PaymentReceipt.amount)).all() == [36_000]
    assert count(LedgerTransaction) == 1 and ledger_sum() == 0


def test_cancel_needs_a_reason_and_refunds_a_paid_part(client, login_as):
    member = factories.MemberFactory()
    part = place(member, quantity=2, price=15_000)
    goods = part.lines[0].variant_id
    login_as(member.user)
    assert stock_of(goods) == 8

    response = client.post(f"/kelola/pesanan/{part.id}/batal", data={"reason": " ", "restock": "y"})
    assert "Tulis alasan pembatalan untuk pembeli." in page_of(response)
    assert reload(part).status == OrderPartStatus.NEW and stock_of(goods) == 8

    response = client.post(
        f"/kelola/pesanan/{part.id}/batal",
        data={"reason": "Tempe sedang kosong.", "restock": "y"},
        follow_redirects=True,
    )
    part = reload(part)
    assert part.status == OrderPartStatus.CANCELLED
    assert part.cancel_reason == "Tempe sedang kosong."
    assert part.refund_amount == part.order.total  # its only part: the unique code too
    assert f"Dana Rp{part.refund_amount:,}".replace(",", ".") in page_of(response)
    assert stock_of(goods) == 10
    assert f"Bagian pesanan {part.order.code} dibatalkan penjual" in email_subjects()
    assert part.order.status == OrderStatus.REFUNDED
    assert ledger_sum() == 0


def test_cancel_without_restock_keeps_the_stock(client, login_as):
    member = factories.MemberFactory()
    part = place(member, quantity=2)
    goods = part.lines[0].variant_id
    login_as(member.user)
    client.post(f"/kelola/pesanan/{part.id}/batal", data={"reason": "Barang rusak."})
    assert reload(part).status == OrderPartStatus.CANCELLED
    assert stock_of(goods) == 8


def test_the_restock_box_starts_checked(client, login_as):
    member = factories.MemberFactory()
    part = place(member)
    login_as(member.user)
    page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
    box = re.search(r'<input[^>]*name="restock"[^>]*>', page).group(0)
    assert "checked" in box
    assert "Kembalikan jumlahnya ke stok" in page


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("kirim", OrderPartStatus.NEW),  # not prepared yet
        ("selesai", OrderPartStatus.NEW),
        ("proses", OrderPartStatus.COMPLETED),
        ("batal", OrderPartStatus.COMPLETED),
        ("batal", OrderPartStatus.SHIPPED),
    ],
)
def test_a_move_the_status_does_not_allow_changes_nothing(client, login_as, action, status):
    member = factories.MemberFactory()
    part = place(member, delivery=True)
    if status != OrderPartStatus.NEW:
        fulfilment.start_processing(part=part, member=member)
        fulfilment.dispatch(part=part, member=member)
    if status == OrderPartStatus.COMPLETED:
        fulfilment.complete(part=part, member=member)
    db.session.commit()
    login_as(member.user)
    emails, postings = len(email_subjects()), count(LedgerTransaction)

    response = client.post(
        f"/kelola/pesanan/{part.id}/{action}", data={"reason": "Coba."}, follow_redirects=True
    )
    assert response.status_code == 200
    page = page_of(response)
    assert 'class="alert alert-danger' in page and "alert-success" not in page
    part = reload(part)
    assert part.status == status and part.refund_amount == 0
    assert len(email_subjects()) == emails and count(LedgerTransaction) == postings


def test_a_concurrent_change_is_flashed_and_rolled_back(client, login_as, monkeypatch):
    member = factories.MemberFactory()
    part = place(member)
    login_as(member.user)

    def raced(*, part, member):
        part.set_status(OrderPartStatus.PROCESSING, by=member.user, at=datetime.now(UTC))
        db.session.flush()
        raise ConcurrentChange()

    monkeypatch.setattr(fulfilment, "start_processing", raced)
    response = client.post(f"/kelola/pesanan/{part.id}/proses", follow_redirects=True)
    assert "baru saja berubah" in page_of(response)
    assert reload(part).status == OrderPartStatus.NEW


def test_completed_and_cancelled_parts_offer_no_buttons(client, login_as):
    member = factories.MemberFactory()
    done, dropped = place(member), place(member)
    fulfilment.start_processing(part=done, member=member)
    fulfilment.dispatch(part=done, member=member)
    fulfilment.complete(part=done, member=member)
    fulfilment.cancel_part(part=dropped, member=member, reason="Stok habis.")
    db.session.commit()
    login_as(member.user)
    for part in (done, dropped):
        page = page_of(client.get(f"/kelola/pesanan/{part.id}"))
        assert "<button" not in page.split("<main", 1)[1]
    page = page_of(client.get(f"/kelola/pesanan/{dropped.id}"))
    assert "Stok habis." in page and "akan dikembalikan bendahara" in page


# --- the member's navigation ----------------------------------------------------------


def test_manage_pages_link_to_new_orders_with_their_count(client, login_as):
    member = factories.MemberFactory(accepts_cash=True)
    place(member)
    place(member, payment="cash")
    place(member, paid=False)
    login_as(member.user)
    page = page_of(client.get("/kelola"))
    nav = page.split('aria-label="Kelola toko"', 1)[1].split("</nav>", 1)[0]
    assert "/kelola/pesanan" in nav and "Pesanan masuk" in nav
    assert '>2<span class="visually-hidden"> pesanan baru' in nav
    assert "/kelola/pesanan" in page.split("</nav>", 1)[0]  # the site menu too
    assert count(Order) == 3


def test_a_suspended_member_still_delivers_or_refunds_what_was_paid(client, login_as):
    member = factories.MemberFactory()
    delivered = place(member)
    refunded = place(member)
    member.status = MemberStatus.SUSPENDED
    db.session.commit()
    login_as(member.user)

    listing = page_of(client.get("/kelola/pesanan"))
    assert "Keanggotaan Anda sedang dibekukan" in listing
    assert delivered.order.code in listing and refunded.order.code in listing

    for action in ("proses", "kirim", "selesai"):
        client.post(f"/kelola/pesanan/{delivered.id}/{action}")
    assert reload(delivered).status == OrderPartStatus.COMPLETED

    client.post(f"/kelola/pesanan/{refunded.id}/batal", data={"reason": "Toko dibekukan."})
    assert reload(refunded).status == OrderPartStatus.CANCELLED
    assert reload(refunded).refund_amount == refunded.order.total
    assert ledger_sum() == 0
