import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from marketplace.orders.models import CartLine, Order
from marketplace.orders.status import OrderStatus
from tests import factories
from tests.orders.helpers import (
    cart_with,
    checkout,
    count,
    deliver_to,
    nothing_written,
    shopper,
    stock_of,
    variant,
)


def _form(member_id, key="k" * 24, **changes):
    data = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(_kecamatan_id("sokaraja")),
        "desa": "Karangrau",
        "payment_method": "bank_transfer",
        "idempotency_key": key,
        f"pengiriman-{member_id}": "delivery",
    }
    return data | changes


def _kecamatan_id(slug):
    from tests.factories import kecamatan

    return kecamatan(slug).id


def test_guest_adds_to_cart_and_it_joins_their_cart_after_login(client, login_as):
    keripik = variant(price=12_000, stock=5)
    db.session.commit()
    response = client.post("/keranjang/tambah", data={"variant_id": keripik.id, "quantity": 2})
    assert response.status_code == 302 and response.location.endswith("/keranjang")
    page = client.get("/keranjang").get_data(as_text=True)
    assert keripik.product.name in page and "Rp24.000" in page

    buyer = login_as(shopper())
    client.get("/keranjang")
    lines = db.session.scalars(select(CartLine)).all()
    assert [(line.variant_id, line.quantity, line.cart.user_id) for line in lines] == [
        (keripik.id, 2, buyer.id)
    ]
    with client.session_transaction() as session:
        assert "cart" not in session


def test_add_to_cart_needs_the_visitors_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        keripik = variant()
        db.session.commit()
        client = app.test_client()
        data = {"variant_id": keripik.id, "quantity": 1}

        assert client.post("/keranjang/tambah", data=data).status_code == 400
        with client.session_transaction() as session:
            assert "cart" not in session

        token = client.get("/keranjang/token")
        assert token.cache_control.no_store and token.cache_control.private
        response = client.post(
            "/keranjang/tambah", data=data | {"csrf_token": token.json["csrf_token"]}
        )
        assert response.status_code == 302
        with client.session_transaction() as session:
            assert session["cart"]


def test_product_page_has_the_add_form_and_stays_cacheable(make_app):
    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        keripik = variant()
        db.session.commit()
        url = f"/produk/{keripik.product.id}-{keripik.product.slug}"
        client = app.test_client()
        response = client.get(url)
        assert "Tambah ke keranjang" in response.get_data(as_text=True)
        assert 'name="csrf_token" value=""' in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
        assert client.get(url).data == response.data  # from the cache


def test_cart_warns_when_stock_ran_out_and_blocks_checkout(client, login_as):
    keripik = variant(stock=5)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 3))
    keripik.stock = 0
    db.session.commit()
    page = client.get("/keranjang").get_data(as_text=True)
    assert "Stok habis." in page
    response = client.get("/checkout")
    assert response.status_code == 302 and response.location.endswith("/keranjang")


def test_update_and_remove_cart_lines(client, login_as):
    keripik = variant(stock=5)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 1))
    db.session.commit()
    client.post("/keranjang/ubah", data={"variant_id": keripik.id, "quantity": 4})
    assert db.session.scalars(select(CartLine.quantity)).one() == 4
    page = client.post(
        "/keranjang/ubah", data={"variant_id": keripik.id, "quantity": 9}, follow_redirects=True
    ).get_data(as_text=True)
    assert "tinggal 5" in page
    client.post("/keranjang/ubah", data={"variant_id": keripik.id, "quantity": 4, "hapus": "1"})
    assert count(CartLine) == 0


def test_checkout_places_one_order_even_when_submitted_twice(client, login_as):
    keripik = variant(price=20_000, stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 2))
    db.session.commit()
    assert "Buat pesanan" in client.get("/checkout").get_data(as_text=True)

    first = client.post("/checkout", data=_form(keripik.product.member_id))
    second = client.post("/checkout", data=_form(keripik.product.member_id))
    order = db.session.scalars(select(Order)).one()
    assert first.location == second.location == f"/pesanan/{order.code}"
    assert order.delivery_total == 6_000 and stock_of(keripik.id) == 3
    (sent_at,) = db.session.scalars(select(OutboxEmail.sent_at)).all()
    assert sent_at is not None  # the order's email went after the commit

    page = client.get(f"/pesanan/{order.code}").get_data(as_text=True)
    total = f"Rp{order.total:,}".replace(",", ".")
    for expected in (
        total,
        order.code,
        "Bank Jateng",
        "Unit Usaha Aspikmas Banyumas",
        "Menunggu pembayaran",
    ):
        assert expected in page
    assert order.code in client.get("/pesanan").get_data(as_text=True)


def test_checkout_refuses_delivery_where_not_offered_and_writes_nothing(client, login_as):
    keripik = variant(stock=5)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 1))
    db.session.commit()
    response = client.post("/checkout", data=_form(keripik.product.member_id))
    assert response.status_code == 200
    assert "tidak mengantar ke Kecamatan Sokaraja" in response.get_data(as_text=True)
    assert nothing_written() and stock_of(keripik.id) == 5


def test_checkout_taken_at_the_same_moment_asks_to_try_again(client, login_as, monkeypatch):
    """Another checkout took the order code at the same moment: the UNIQUE
    constraint refuses, the shopper is asked to try again, nothing is kept."""
    keripik = variant(stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    other = shopper()
    taken = checkout(other, cart_with(other, (variant(), 1)))
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 2))
    db.session.commit()
    monkeypatch.setattr("marketplace.orders.checkout._new_code", lambda: taken.code)

    response = client.post("/checkout", data=_form(keripik.product.member_id))

    assert response.status_code == 200
    assert "Pesanan belum tersimpan. Silakan coba lagi." in response.get_data(as_text=True)
    assert count(Order) == 1 and stock_of(keripik.id) == 5
    assert db.session.scalars(
        select(CartLine.quantity).where(CartLine.variant_id == keripik.id)
    ).all() == [2]


def test_checkout_recalculate_does_not_place(client, login_as):
    keripik = variant(stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 1))
    db.session.commit()
    page = client.post("/checkout", data=_form(keripik.product.member_id, hitung="1"))
    assert "Rp6.000" in page.get_data(as_text=True) and nothing_written()


@pytest.mark.parametrize("path", ["/checkout", "/pesanan", "/pesanan/PA-AAAAAA"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/akun/masuk" in response.location


def test_another_shoppers_order_is_not_found(client, login_as):
    keripik = variant()
    owner = shopper()
    order = checkout(owner, cart_with(owner, (keripik, 1)))
    db.session.commit()
    login_as(shopper())
    assert client.get(f"/pesanan/{order.code}").status_code == 404
    assert client.post(f"/pesanan/{order.code}/batal").status_code == 404
    assert order.status == OrderStatus.PENDING_PAYMENT and stock_of(keripik.id) == 9
    assert order.code not in client.get("/pesanan").get_data(as_text=True)


def test_shopper_cancels_an_unpaid_order(client, login_as):
    keripik = variant(stock=5)
    buyer = login_as(shopper())
    order = checkout(buyer, cart_with(buyer, (keripik, 2)))
    db.session.commit()
    page = client.post(f"/pesanan/{order.code}/batal", follow_redirects=True).get_data(as_text=True)
    assert "dibatalkan" in page
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and stock_of(keripik.id) == 5
    again = client.post(f"/pesanan/{order.code}/batal", follow_redirects=True)
    assert f"Pesanan {order.code} sudah dibatalkan." in again.get_data(as_text=True)
    assert stock_of(keripik.id) == 5


def _cancel_as_buyer(app):
    """An unpaid transfer order, and its shopper cancelling it: the answer."""
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (variant(stock=5), 2)))
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, buyer)
    return order, client, client.post(f"/pesanan/{order.code}/batal")


def _cancel_emails(order):
    subject = f"Pesanan {order.code} dibatalkan"
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.subject == subject)).all()


def test_shoppers_cancel_emails_them_after_the_commit(make_app, mail_server):
    app = make_app(**mail_server.config)
    with app.app_context():
        order, _, response = _cancel_as_buyer(app)
        assert response.status_code == 302
        (email,) = _cancel_emails(order)
        assert email.sent_at is not None
        arrived = [(m.recipients, m.message["Subject"]) for m in mail_server.received]
        assert ([order.buyer.email], f"Pesanan {order.code} dibatalkan") in arrived


def test_shopper_sees_the_cancel_done_when_the_mail_server_is_down(make_app, unused_port_config):
    app = make_app(**unused_port_config)
    with app.app_context():
        order, client, response = _cancel_as_buyer(app)
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"Pesanan {order.code} dibatalkan dan stoknya dikembalikan." in page
        db.session.refresh(order)
        assert order.status == OrderStatus.CANCELLED
        (email,) = _cancel_emails(order)
        assert email.sent_at is None  # kept for `flask accounts deliver-outbox`


def test_checkout_reads_each_thing_once(client, login_as):
    """The checkout page and placing the order each send a fixed number of
    statements: the kecamatan chosen is found in the form's list (not read
    again), and nothing of the order is read back after its commit."""
    from tests.sql import recorded_statements

    keripik = variant(price=20_000, stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 2))
    db.session.commit()
    with client.session_transaction() as session:
        session["kecamatan_saya"] = "sokaraja"
    form = _form(keripik.product.member_id, total_seen="46000")
    with recorded_statements() as page:
        assert "Buat pesanan" in client.get("/checkout").get_data(as_text=True)
    with recorded_statements() as placing:
        placed = client.post("/checkout", data=form)
    order = db.session.scalars(select(Order)).one()
    assert placed.location == f"/pesanan/{order.code}"
    kecamatan_reads = [s for s in page + placing if s.startswith("SELECT kecamatan.id")]
    assert len(kecamatan_reads) == 2  # the form's list, once per request
    # The page: the user and roles, kecamatan, last order, the cart with its
    # lines, variants, fees, the top bar (cart count and membership). Placing reads
    # the cart once, under its lock (the cart locked, then its lines, the variants
    # with their product, member and category, the fees), then writes the
    # stock (each variant's UPDATE names its product) and the order, and
    # sends the email after the commit (its claim, which returns it, and
    # its sent mark).
    cart_reads = [s for s in placing if s.startswith("SELECT") and "cart_lines" in s]
    assert len(cart_reads) == 1
    assert (len(page), len(placing)) == (7, 18)


def test_adding_to_the_cart_reads_the_variant_and_the_cart_once(client, login_as):
    """The variant comes with its product and member (the checks and the
    message read them), the cart with its lines, and the message is worded
    before the commit: nothing is read again after it."""
    from tests.sql import recorded_statements

    keripik = variant(price=12_000, stock=5)
    buyer = login_as(shopper())
    cart_with(buyer, (variant(), 1))
    db.session.commit()
    added = {"variant_id": keripik.id, "quantity": 2}
    with recorded_statements() as adding:
        response = client.post("/keranjang/tambah", data=added)
    assert response.location.endswith("/keranjang")
    lines = db.session.scalars(select(CartLine).order_by(CartLine.id)).all()
    assert (lines[-1].variant_id, lines[-1].quantity) == (keripik.id, 2)
    # The user and roles, the variant, the cart with its lines, the new line.
    assert len(adding) == 4
    page = client.get("/keranjang").get_data(as_text=True)
    assert f"{keripik.product.name} ({keripik.name}) masuk keranjang." in page


@pytest.mark.parametrize("applied", [False, True])
def test_the_top_bar_asks_one_statement(client, login_as, applied):
    """The cart's badge and the membership link of a logged-in shopper come
    from one statement."""
    from tests.sql import recorded_statements

    buyer = login_as(shopper())
    cart_with(buyer, (variant(), 3))
    if applied:
        factories.MemberFactory(user=buyer, status=MemberStatus.PENDING)
    db.session.commit()
    with recorded_statements() as seen:
        page = client.get("/pesanan").get_data(as_text=True)
    assert '<span class="cart-count" aria-hidden="true">3</span>' in page
    assert ("Keanggotaan saya" in page, "Daftar jadi anggota" in page) == (applied, not applied)
    top_bar = [s for s in seen if "cart_lines" in s or "members.status" in s]
    assert len(top_bar) == 1


@pytest.mark.parametrize("payment", ["bank_transfer", "cash"])
def test_the_same_form_again_after_its_order_goes_to_that_order(client, login_as, payment):
    """The second submit of one form (a double tap, a slow network) finds the
    cart already placed: it goes to the order the first placed, whatever the
    payment (cash is no longer offered for an empty cart, so the form alone
    would not even validate)."""
    keripik = variant(price=20_000, stock=5)
    keripik.product.member.accepts_cash = True
    buyer = login_as(shopper())
    cart_with(buyer, (keripik, 1))
    db.session.commit()
    form = _form(keripik.product.member_id, payment_method=payment)
    form[f"pengiriman-{keripik.product.member_id}"] = "pickup"

    first = client.post("/checkout", data=form)
    second = client.post("/checkout", data=form, follow_redirects=True)

    order = db.session.scalars(select(Order)).one()
    assert first.status_code == 302 and first.location == f"/pesanan/{order.code}"
    assert second.request.path == f"/pesanan/{order.code}"
    assert order.code in second.get_data(as_text=True)
    assert stock_of(keripik.id) == 4
