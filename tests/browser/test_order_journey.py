"""An order from cart to completion, on phones, each person in their own
browser: a shopper buys from two members (one delivers, one for pickup) and
pays by bank transfer; the treasurer refuses a wrong amount, then confirms
the exact one; each member processes, sends or readies, and completes their
part; the shopper sees the order completed. Then the books: the order is
completed, the ledger balances, each member's share is available, and the
bank holds the total."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger import balances as ledger
from marketplace.ledger.models import LedgerEntry
from marketplace.orders.models import Order
from marketplace.orders.settlement import CASH_BANK, available_account, pending_account
from marketplace.orders.status import OrderPartStatus, OrderStatus
from marketplace.payments.models import PaymentReceipt
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.orders.helpers import deliver_to

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PHONE_WIDTH = 360
DELIVERY_FEE = 10_000
GETUK_PRICE, GETUK_QUANTITY = 25_000, 2
GULA_PRICE = 22_000


@pytest.fixture
def app(make_app):
    """As in production (CSRF on), with a member's share released on completion."""
    return make_app(WTF_CSRF_ENABLED=True, PAYOUT_HOLD_DAYS=0)


@pytest.fixture
def market(app):
    """Two approved members in different kecamatan, each with a product: the
    first delivers to the shopper's kecamatan for a fee, the second only
    offers pickup. Plus the shopper and the treasurer."""
    hadi = factories.MemberFactory(
        user=factories.UserFactory(
            email="hadi@contoh.id", name="Hadi Santoso", roles=[Role.MEMBER]
        ),
        shop_name="Getuk Goreng Pak Hadi",
        slug="getuk-goreng-pak-hadi",
        kecamatan=factories.kecamatan("sokaraja"),
        offers_pickup=True,
    )
    deliver_to(hadi, "purwokerto-utara", fee=DELIVERY_FEE)
    siti = factories.MemberFactory(
        user=factories.UserFactory(email="siti@contoh.id", name="Siti Aminah", roles=[Role.MEMBER]),
        shop_name="Gula Kelapa Bu Siti",
        slug="gula-kelapa-bu-siti",
        kecamatan=factories.kecamatan("cilongok"),
        offers_pickup=True,
    )
    getuk = factories.ProductFactory(
        member=hadi,
        name="Getuk Goreng Original",
        variants=[factories.VariantFactory.build(name="500 g", price=GETUK_PRICE, stock=12)],
    )
    gula = factories.ProductFactory(
        member=siti,
        name="Gula Kelapa Cetak",
        variants=[factories.VariantFactory.build(name="1 kg", price=GULA_PRICE, stock=40)],
    )
    factories.UserFactory(email="lestari@contoh.id", name="Sri Lestari", roles=[Role.SHOPPER])
    factories.UserFactory(
        email="bendahara@contoh.id", name="Wulan Bendahara", roles=[Role.TREASURER]
    )
    db.session.commit()
    return {"hadi": hadi, "siti": siti, "getuk": getuk, "gula": gula}


@pytest.fixture
def open_phone(browser) -> Iterator[Callable[[], Page]]:
    """Another person's phone: a fresh browser context (own cookies), 360 px wide."""
    contexts = []

    def open_() -> Page:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(database_url) -> Callable[[Page, str], None]:
    """The `screenshot` fixture's folder, for any page (not just `phone`)."""
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        to_top(page)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def to_top(page: Page) -> None:
    """Scrolled back up, so the sticky navbar sits at the top of a full-page shot."""
    page.evaluate("window.scrollTo(0, 0)")


def fits(page: Page) -> None:
    """No sideways scrolling on a phone, once the page and its stylesheets
    have loaded (before, a table's scrolling wrapper may not be styled yet)."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


def log_in(page: Page, live_server: str, email: str, name: str) -> None:
    page.goto(live_server + "/akun/masuk")
    fits(page)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert")).to_contain_text(name)
    fits(page)


def open_menu_link(page: Page, name: str) -> None:
    """The navbar is collapsed on a phone: open it, then follow `name`."""
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#menu").get_by_role("link", name=name, exact=True).click()


def rupiah_typed(amount: int) -> str:
    """As a treasurer types it from the bank statement: 82.123."""
    return f"{amount:,}".replace(",", ".")


def the_order() -> Order:
    db.session.rollback()  # read what the server committed
    return db.session.scalars(select(Order)).one()


def ledger_entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def fulfil(
    page: Page,
    live_server: str,
    shoot,
    *,
    email,
    name,
    code,
    others_product,
    dispatch_label,
    dispatched_label,
    screenshots,
) -> None:
    """A member moves their part of `code` from new to completed."""
    log_in(page, live_server, email, name)
    open_menu_link(page, "Pesanan masuk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pesanan masuk")
    fits(page)
    card = page.locator("a.card-body").filter(has_text=code)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Pesanan baru")
    if "list" in screenshots:
        shoot(page, screenshots["list"])
    card.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.locator("main")).not_to_contain_text(others_product)  # only their own lines
    fits(page)
    if "new" in screenshots:
        shoot(page, screenshots["new"])
    page.get_by_role("button", name="Proses pesanan").click()
    expect(page.locator(".alert-success")).to_contain_text("sedang Anda siapkan")
    expect(page.locator("main .badge").first).to_have_text("Sedang disiapkan")
    fits(page)

    page.get_by_role("button", name=dispatch_label, exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(dispatched_label.lower())
    expect(page.locator("main .badge").first).to_have_text(dispatched_label)
    fits(page)

    page.get_by_role("button", name="Selesai", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"Pesanan {code} selesai.")
    expect(page.locator("main .badge").first).to_have_text("Selesai")
    expect(page.get_by_role("button", name="Selesai", exact=True)).to_have_count(0)
    fits(page)
    shoot(page, screenshots["done"])


def test_order_from_cart_to_completion_with_two_members(
    live_server, phone, screenshot, open_phone, shoot, market
):
    hadi, siti = market["hadi"], market["siti"]
    getuk, gula = market["getuk"], market["gula"]

    # 1. The shopper fills a cart from two members and pays by bank transfer.
    log_in(phone, live_server, "lestari@contoh.id", "Sri Lestari")
    phone.goto(f"{live_server}/produk/{getuk.id}-{getuk.slug}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Getuk Goreng Original")
    fits(phone)
    phone.fill("#jumlah-beli", str(GETUK_QUANTITY))
    phone.get_by_role("button", name="Tambah ke keranjang").click()  # token from /keranjang/token
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        "Getuk Goreng Original (500 g) masuk keranjang"
    )

    phone.goto(f"{live_server}/produk/{gula.id}-{gula.slug}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Gula Kelapa Cetak")
    fits(phone)
    phone.get_by_role("button", name="Tambah ke keranjang").click()
    expect(phone).to_have_url(re.compile(r"/keranjang$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        "Gula Kelapa Cetak (1 kg) masuk keranjang"
    )

    shops = phone.locator("main section.card")
    expect(shops).to_have_count(2)
    hadi_box = shops.filter(has=phone.get_by_role("heading", name="Getuk Goreng Pak Hadi"))
    expect(hadi_box).to_contain_text("Getuk Goreng Original")
    expect(hadi_box).to_contain_text(format_rupiah(GETUK_PRICE * GETUK_QUANTITY))
    siti_box = shops.filter(has=phone.get_by_role("heading", name="Gula Kelapa Bu Siti"))
    expect(siti_box).to_contain_text("Gula Kelapa Cetak")
    expect(siti_box).not_to_contain_text("Getuk")
    subtotal = GETUK_PRICE * GETUK_QUANTITY + GULA_PRICE
    expect(phone.locator("main")).to_contain_text(format_rupiah(subtotal))
    fits(phone)
    to_top(phone)
    screenshot("20-pesanan-keranjang")

    phone.get_by_role("link", name="Lanjut ke pembayaran").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pembayaran")
    phone.fill("input[name=name]", "Sri Lestari")
    phone.fill("input[name=whatsapp]", "0812 3456 7890")
    phone.fill("textarea[name=address]", "Jl. Jenderal Soedirman 12, RT 02/RW 03")
    phone.select_option("select[name=kecamatan]", label="Purwokerto Utara")
    phone.fill("input[name=desa]", "Grendeng")
    recount = phone.locator("button[data-recount]")  # "Hitung ulang": not needed with the script
    expect(recount).to_have_count(2)
    expect(recount.first).to_be_hidden()
    delivery = phone.locator(f"#antar-{hadi.id}")
    expect(delivery).to_be_enabled()
    expect(phone.locator(f"label[for=antar-{hadi.id}]")).to_contain_text(
        format_rupiah(DELIVERY_FEE)
    )
    expect(phone.locator("input[name=desa]")).to_have_value("Grendeng")  # kept across the recount
    delivery.check()
    phone.locator(f"#ambil-{siti.id}").check()
    phone.get_by_label("Transfer bank").check()
    total = subtotal + DELIVERY_FEE
    expect(phone.locator("#ringkasan-total")).to_have_text(
        f"{format_rupiah(total + 1)}–{format_rupiah(total + 999)}"
    )
    fits(phone)
    to_top(phone)
    screenshot("21-pesanan-checkout")
    phone.get_by_role("button", name="Buat pesanan", exact=True).click()

    expect(phone).to_have_url(re.compile(r"/pesanan/PA-[0-9A-Z]+$"))
    expect(phone.locator(".alert-success")).to_contain_text("Silakan selesaikan pembayaran")
    order = the_order()
    code = order.code
    assert order.subtotal == subtotal
    assert order.delivery_total == DELIVERY_FEE
    assert 1 <= order.unique_code <= 999
    assert order.total == subtotal + DELIVERY_FEE + order.unique_code
    instructions = phone.locator("section", has=phone.locator("#judul-transfer"))
    expect(instructions).to_contain_text(format_rupiah(order.total))
    expect(instructions).to_contain_text(code)
    expect(instructions).to_contain_text(f"{order.unique_code:03d}")
    expect(phone.locator("main")).to_contain_text("Menunggu pembayaran")
    fits(phone)
    to_top(phone)
    screenshot("22-pesanan-instruksi-transfer")

    # 2. The treasurer finds the transfer by its amount, refuses a wrong one, confirms the exact one.
    treasurer = open_phone()
    log_in(treasurer, live_server, "bendahara@contoh.id", "Wulan Bendahara")
    open_menu_link(treasurer, "Bendahara")
    expect(treasurer.get_by_role("heading", level=1)).to_have_text("Halaman bendahara")
    fits(treasurer)
    treasurer.get_by_text("Transfer menunggu konfirmasi").click()
    expect(treasurer.get_by_role("heading", level=1)).to_have_text("Konfirmasi transfer")
    fits(treasurer)
    treasurer.fill("#q", rupiah_typed(order.total))
    treasurer.locator("main").get_by_role("button", name="Cari", exact=True).click()
    expect(treasurer.locator("main")).to_contain_text("1 hasil untuk")
    row = treasurer.locator(f"li#pesanan-{code}")
    expect(row).to_contain_text("Sri Lestari")
    fits(treasurer)

    wrong = order.total - 1_000
    row.get_by_text("Uang sudah masuk").click()
    row.get_by_label("Jumlah diterima").fill(rupiah_typed(wrong))
    fits(treasurer)
    shoot(treasurer, "23-bendahara-antrean")
    row.get_by_role("button", name="Tandai lunas").click()
    refusal = treasurer.locator(".alert-danger")
    expect(refusal).to_contain_text(
        f"Jumlah diterima {format_rupiah(wrong)} tidak sama dengan tagihan"
    )
    expect(refusal).to_contain_text("Pesanan tidak ditandai lunas")
    fits(treasurer)
    shoot(treasurer, "24-bendahara-jumlah-salah")
    order = the_order()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert db.session.scalar(select(func.count()).select_from(PaymentReceipt)) == 0
    assert ledger_entry_count() == 0

    row = treasurer.locator(f"li#pesanan-{code}")  # the list came back, searched as before
    expect(row).to_be_visible()
    row.get_by_text("Uang sudah masuk").click()
    row.get_by_label("Jumlah diterima").fill(rupiah_typed(order.total))
    row.get_by_label("Catatan (boleh kosong)").fill("Masuk di mutasi Bank Jateng.")
    row.get_by_role("button", name="Tandai lunas").click()
    expect(treasurer.locator(".alert-success")).to_contain_text(
        f"Pesanan {code} lunas: {format_rupiah(order.total)} diterima."
    )
    expect(treasurer.locator(f"li#pesanan-{code}")).to_have_count(0)
    fits(treasurer)
    shoot(treasurer, "25-bendahara-lunas")
    assert the_order().status == OrderStatus.PAID

    # 3. Each member moves their own part to completed.
    fulfil(
        open_phone(),
        live_server,
        shoot,
        email="hadi@contoh.id",
        name="Hadi Santoso",
        code=code,
        others_product="Gula Kelapa Cetak",
        dispatch_label="Tandai dikirim",
        dispatched_label="Sedang diantar",
        screenshots={
            "list": "26-anggota-pesanan-masuk",
            "new": "27-anggota-pesanan-baru",
            "done": "28-anggota-antar-selesai",
        },
    )
    fulfil(
        open_phone(),
        live_server,
        shoot,
        email="siti@contoh.id",
        name="Siti Aminah",
        code=code,
        others_product="Getuk Goreng Original",
        dispatch_label="Siap diambil",
        dispatched_label="Siap diambil",
        screenshots={"done": "29-anggota-ambil-selesai"},
    )

    # 4. The shopper sees both parts and the order completed.
    phone.goto(live_server + "/")
    open_menu_link(phone, "Pesanan saya")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pesanan saya")
    fits(phone)
    phone.get_by_role("link").filter(has_text=code).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(code)
    expect(phone.locator("main .badge").first).to_have_text("Selesai")
    parts = phone.locator("main section.card[aria-labelledby^=bagian-]")
    expect(parts).to_have_count(2)
    for shop, how in (
        ("Getuk Goreng Pak Hadi", "Diantar penjual"),
        ("Gula Kelapa Bu Siti", "Ambil sendiri"),
    ):
        part = parts.filter(has=phone.get_by_role("heading", name=shop))
        expect(part.locator(".card-header .badge")).to_have_text("Selesai")
        expect(part).to_contain_text(how)
    expect(phone.locator("#judul-transfer")).to_have_count(0)
    expect(phone.get_by_role("button", name="Batalkan pesanan")).to_have_count(0)
    fits(phone)
    to_top(phone)
    screenshot("30-pesanan-selesai")

    # The books.
    order = the_order()
    assert order.status == OrderStatus.COMPLETED and order.completed_at is not None
    assert {part.status for part in order.parts} == {OrderPartStatus.COMPLETED}
    assert db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) == 0
    assert ledger.problems() == []
    for part in order.parts:
        assert ledger.balance(available_account(part.member_id)) == part.member_share
        assert ledger.balance(pending_account(part.member_id)) == 0
    delivered = {part.member_id: part for part in order.parts}
    assert delivered[hadi.id].delivery_method == "delivery"
    assert delivered[hadi.id].delivery_fee == DELIVERY_FEE
    assert delivered[siti.id].delivery_method == "pickup"
    assert ledger.balance(CASH_BANK) == order.total
