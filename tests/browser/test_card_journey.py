"""Paying by card on a phone, against the fake Stripe server (the real
`stripe` library pointed at it by STRIPE_API_BASE): the shopper adds a
product, checks out choosing "Kartu / Stripe" and lands on the (fake)
Stripe page of the session made for the order. Coming back to the success
page before Stripe's webhook, they see the payment being confirmed (the
page refreshes itself); the shopper pays at Stripe, Stripe's signed webhook
arrives, and the page turns to paid by itself. Then the books: the sale is
on cash:stripe less Stripe's fee, the ledger balances, the stock stays
taken."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus
from marketplace.payments.models import StripeCheckout
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.orders.flows import books_balance
from tests.orders.helpers import deliver_to, stock_of
from tests.payments.conftest import fake_stripe, fake_stripe_server
from tests.payments.fake_stripe import webhook_headers

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

# The fake Stripe server's fixtures, shared with tests/payments.
__all__ = ["fake_stripe", "fake_stripe_server"]

PHONE_WIDTH = 360
PRICE, QUANTITY, STOCK = 27_500, 2, 9
DELIVERY_FEE = 7_500
FEE = 3_900


@pytest.fixture
def app(make_app, fake_stripe):
    """As in production (CSRF on), with Stripe's keys for the fake server."""
    return make_app(WTF_CSRF_ENABLED=True, **fake_stripe.config())


@pytest.fixture
def public(app, live_server) -> str:
    """The live server is the shop's PUBLIC_URL: Stripe sends the shopper back there."""
    app.config["PUBLIC_URL"] = live_server
    return live_server


@pytest.fixture
def shop(app):
    member = factories.MemberFactory(
        shop_name="Mendoan Bu Tarsih",
        slug="mendoan-bu-tarsih",
        kecamatan=factories.kecamatan("sokaraja"),
        offers_pickup=True,
    )
    deliver_to(member, "purwokerto-utara", fee=DELIVERY_FEE)
    product = factories.ProductFactory(
        member=member,
        name="Tempe Mendoan Mentah",
        variants=[factories.VariantFactory.build(name="isi 10", price=PRICE, stock=STOCK)],
    )
    factories.UserFactory(email="lestari@contoh.id", name="Sri Lestari", roles=[Role.SHOPPER])
    db.session.commit()
    return product


def fits(page: Page) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


def shoot(page: Page, database_url: str, name: str) -> None:
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def post_webhook(base: str, body: bytes) -> int:
    """Stripe's delivery: the raw body, signed, to the live server."""
    request = urllib.request.Request(
        f"{base}/webhooks/stripe", data=body, headers=webhook_headers(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["received"] is True
        return answer.status


def the_order() -> Order:
    db.session.rollback()  # read what the server committed
    return db.session.scalars(select(Order)).one()


def test_a_card_payment_from_cart_to_paid(phone, public, shop, fake_stripe, database_url):
    variant_id = shop.variants[0].id
    phone.goto(public + "/akun/masuk")
    phone.fill("input[name=email]", "lestari@contoh.id")
    phone.fill("input[name=password]", factories.PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()
    expect(phone.locator(".alert")).to_contain_text("Sri Lestari")

    # 1. A product in the cart; checkout with the card, delivered.
    phone.goto(f"{public}/produk/{shop.id}-{shop.slug}")
    phone.fill("#jumlah-beli", str(QUANTITY))
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    phone.get_by_role("link", name="Lanjut ke pembayaran").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pembayaran")
    phone.fill("input[name=name]", "Sri Lestari")
    phone.fill("input[name=whatsapp]", "0812 3456 7890")
    phone.fill("textarea[name=address]", "Jl. Jenderal Soedirman 12, RT 02/RW 03")
    phone.select_option("select[name=kecamatan]", label="Purwokerto Utara")
    phone.fill("input[name=desa]", "Grendeng")
    phone.locator("input[id^=antar-]").check()
    card = phone.get_by_label("Kartu / Stripe")
    expect(card).to_be_visible()
    card.check()
    total = PRICE * QUANTITY + DELIVERY_FEE
    expect(phone.locator("#ringkasan-total")).to_have_text(format_rupiah(total))
    summary = phone.locator("#ringkasan")
    expect(summary).to_contain_text("Dibayar dengan kartu di halaman Stripe")
    expect(summary).not_to_contain_text("tunai")
    expect(summary).not_to_contain_text("Kode unik transfer")
    fits(phone)
    shoot(phone, database_url, "60-kartu-checkout")

    # 2. "Buat pesanan" sends the shopper to Stripe's page for this order.
    phone.get_by_role("button", name="Buat pesanan", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/c/pay/cs_test_\w+$"))
    order = the_order()
    stored = db.session.scalars(select(StripeCheckout)).one()
    assert phone.url == stored.url and stored.url.startswith(fake_stripe.base_url)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.total == total
    assert order.unique_code == 0
    expect(phone.locator("#amount")).to_have_text(format_rupiah(total))
    expect(phone.locator("#reference")).to_have_text(order.code)
    (session,) = fake_stripe.of("checkout.session")
    assert session["amount_total"] == total * 100 and session["currency"] == "idr"
    assert stock_of(variant_id) == STOCK - QUANTITY  # reserved

    # 3. Back on the shop before Stripe's webhook: waiting, refreshing itself.
    success = session["success_url"]
    assert success == f"{public}/pesanan/{order.code}/kartu-selesai"
    phone.goto(success)
    expect(phone.locator("main")).to_contain_text("Pembayaran sedang dikonfirmasi")
    assert the_order().status == OrderStatus.PENDING_PAYMENT
    fits(phone)
    shoot(phone, database_url, "61-kartu-menunggu")

    # 4. The shopper pays at Stripe; Stripe's signed event comes; the page turns paid.
    fake_stripe.complete_session(session["id"], fee_rupiah=FEE)
    body = fake_stripe.session_event("checkout.session.completed", session["id"])
    assert post_webhook(public, body) == 200
    expect(phone.locator(".alert-success")).to_contain_text(
        f"Pembayaran {format_rupiah(total)} sudah diterima", timeout=15_000
    )
    fits(phone)
    shoot(phone, database_url, "62-kartu-lunas")

    phone.get_by_role("link", name="Lihat pesanan").click()
    expect(phone.locator("main")).to_contain_text("Kartu / Stripe · lunas")
    expect(phone.locator("main")).to_contain_text("Sudah dibayar")
    fits(phone)
    shoot(phone, database_url, "63-kartu-pesanan")

    order = the_order()
    assert order.status == OrderStatus.PAID
    assert balance("cash:stripe") == total - FEE and balance("expense:payment-fees") == FEE
    assert books_balance()
    assert stock_of(variant_id) == STOCK - QUANTITY  # sold: still taken
