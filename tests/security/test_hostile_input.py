"""The defects the route fuzzer (test_fuzz_routes.py) and testing by hand
found, each reproduced here: numbers too large for their column in forms
and page numbers, digits of other scripts read as numbers, and WTForms'
English messages. Each answer is a page with a message in Indonesian, and
a refused form writes nothing."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.admin.forms import parse_percent
from marketplace.catalog import imports
from marketplace.catalog.models import Product, ProductVariant
from marketplace.core.pages import BAD_PAGE
from marketplace.core.whatsapp import InvalidWhatsapp, normalise_whatsapp
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Member
from marketplace.members.services import MemberError, normalise_account_number, normalise_nib
from marketplace.orders.models import CartLine, Order
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")

HUGE = [str(2**31), str(2**63), str(10**20)]
OTHER_DIGITS = ["١٢٣", "１２３", "²"]
ENGLISH = ("Not a valid", "This field is required", "Field cannot be longer", "Invalid")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def english_in(html: str) -> list[str]:
    return [words for words in ENGLISH if words in html]


# --- checkout ----------------------------------------------------------------------


@pytest.fixture
def buyer(app, login_as):
    """A logged-in shopper with a product in the cart."""
    user = shopper()
    cart_with(user, (variant(), 1))
    login_as(user)
    return user


def checkout_form(**changes) -> dict:
    data = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(factories.kecamatan("sokaraja").id),
        "desa": "Karangrau",
        "payment_method": "bank_transfer",
        "idempotency_key": "k" * 24,
    }
    return data | changes


@pytest.mark.parametrize("kecamatan", [*HUGE, *OTHER_DIGITS, "-1", "abc"])
def test_checkout_with_an_impossible_kecamatan_asks_again(client, buyer, kecamatan):
    """The defect: kecamatan=2147483648 was a 500 on PostgreSQL (10^20 on
    SQLite too), and an unknown one said "Not a valid choice."."""
    response = client.post("/checkout", data=checkout_form(kecamatan=kecamatan))
    assert response.status_code == 200
    assert "Pilih salah satu pilihan yang ada." in response.text
    assert english_in(response.text) == []
    assert count(Order) == 0


def test_a_long_address_is_refused_in_indonesian(client, buyer):
    """The defect: "Field cannot be longer than 255 characters."."""
    response = client.post("/checkout", data=checkout_form(address="J" * 256, name="S" * 121))
    assert response.status_code == 200
    assert "Isian ini paling panjang 255 karakter." in response.text
    assert "Isian ini paling panjang 120 karakter." in response.text
    assert english_in(response.text) == []
    assert count(Order) == 0


def test_delivery_choices_with_odd_member_numbers_are_ignored(client, buyer):
    data = checkout_form(hitung="1") | {"pengiriman-²": "delivery", "pengiriman-١": "pickup",
                                        f"pengiriman-{10**20}": "pickup"}  # fmt: skip
    assert client.post("/checkout", data=data).status_code == 200


# --- the cart ------------------------------------------------------------------------


@pytest.mark.parametrize("variant_id", [*HUGE, *OTHER_DIGITS])
def test_adding_an_impossible_variant_finds_no_product(app, client, variant_id):
    factories.ProductFactory()
    db.session.commit()
    response = client.post("/keranjang/tambah", data={"variant_id": variant_id, "quantity": "1"},
                           follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert "Produk tidak ditemukan." in response.text
    assert count(CartLine) == 0


@pytest.mark.parametrize("quantity", [*HUGE, *OTHER_DIGITS])
def test_an_impossible_quantity_is_refused_in_indonesian(app, client, login_as, quantity):
    user = login_as(Role.SHOPPER)
    item = variant()
    db.session.commit()
    response = client.post("/keranjang/tambah", data={"variant_id": item.id, "quantity": quantity},
                           follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert english_in(response.text) == []
    assert "Isi dengan bilangan bulat" in response.text or "Jumlah harus antara" in response.text
    assert db.session.scalar(select(func.count(CartLine.id))) == 0, user


# --- page numbers ----------------------------------------------------------------------


PAGED = {
    "/pengurus/anggota": Role.ADMIN,
    "/pengurus/sertifikat": Role.ADMIN,
    "/bendahara/transfer": Role.TREASURER,
    "/bendahara/pengembalian": Role.TREASURER,
    "/bendahara/kartu": Role.TREASURER,
    "/bendahara/anggota": Role.TREASURER,
    "/bendahara/pembayaran-anggota": Role.TREASURER,
    "/pesanan": Role.SHOPPER,
}


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "١", "²", "0", "-1", "x"])
@pytest.mark.parametrize("address", list(PAGED))
def test_an_impossible_page_shows_the_first_with_a_message(client, login_as, address, page):
    """The defect: `?page=99999999999999999999` was a 500 (an OFFSET no
    database holds) on every paginated dashboard."""
    login_as(PAGED[address])
    response = client.get(f"{address}?page={page}")
    assert response.status_code == 200
    assert BAD_PAGE in response.text


@pytest.mark.parametrize("address", ["/kelola", "/kelola/pesanan"])
def test_the_member_dashboards_too(client, login_as, address):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    response = client.get(f"{address}?page=99999999999999999999")
    assert response.status_code == 200
    assert BAD_PAGE in response.text


def test_a_page_that_exists_is_still_shown(client, login_as):
    login_as(Role.ADMIN)
    for number in range(25):
        factories.MemberFactory(shop_name=f"Toko Halaman {number:02d}")
    db.session.commit()
    response = client.get("/pengurus/anggota?page=2")
    assert response.status_code == 200 and BAD_PAGE not in response.text


@pytest.mark.parametrize("address", ["/produk", "/kecamatan/sokaraja", "/api/v1/products"])
def test_the_catalog_page_number_too(client, address):
    response = client.get(f"{address}?hal=99999999999999999999")
    assert response.status_code == 200
    assert BAD_PAGE in response.get_data(as_text=True)


# --- the shop's delivery rates --------------------------------------------------------


@pytest.mark.parametrize("kecamatan_id", [*HUGE, *OTHER_DIGITS])
def test_a_delivery_row_for_an_impossible_kecamatan_is_refused(client, login_as, kecamatan_id):
    """The defect: a row's kecamatan 2147483648 was a 500 on PostgreSQL and
    `²` one everywhere."""
    member = factories.MemberFactory(shop_name="Toko Uji")
    db.session.commit()
    login_as(member.user)
    data = {
        "shop_name": "Baru", "whatsapp": "0812 3456 7890", "offers_pickup": "y",
        "delivery-0-kecamatan_id": kecamatan_id, "delivery-0-delivers": "y",
        "delivery-0-fee": "5000",
    }  # fmt: skip
    response = client.post("/anggota/toko", data=data)
    assert response.status_code == 200
    assert "Kecamatan tujuan tidak dikenal." in response.text
    db.session.expire_all()
    assert db.session.get(Member, member.id).shop_name == "Toko Uji"
    assert count(DeliveryRate) == 0


@pytest.mark.parametrize("fee", ["١٠.٠٠٠", "１００００", "9" * 5000])
def test_a_fee_in_other_digits_is_refused(client, login_as, fee):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    data = {
        "shop_name": "Baru", "whatsapp": "0812 3456 7890", "offers_pickup": "y",
        "delivery-0-kecamatan_id": str(factories.kecamatan("sokaraja").id),
        "delivery-0-delivers": "y", "delivery-0-fee": fee,
    }  # fmt: skip
    response = client.post("/anggota/toko", data=data)
    assert response.status_code == 200
    assert "Ongkir harus bilangan bulat" in response.text or "Ongkir terlalu besar" in response.text
    assert count(DeliveryRate) == 0


# --- a member's products -----------------------------------------------------------------


@pytest.fixture
def owner(app, login_as):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    return member


def product_form(**changes) -> dict:
    return {
        "name": "Getuk Goreng", "category_id": str(factories.category().id), "unit": "bungkus",
        "status": "draft", "variants-0-name": "", "variants-0-price": "12.500",
        "variants-0-stock": "8",
    } | changes  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"variants-0-price": "١٢٥٠٠"}, "Harga harus bilangan bulat"),
        ({"variants-0-price": "１２.５００"}, "Harga harus bilangan bulat"),
        ({"variants-0-stock": "٨"}, "Stok harus bilangan bulat"),
        ({"variants-0-stock": "²"}, "Stok harus bilangan bulat"),
        ({"weight_grams": "２５０"}, "Berat harus bilangan bulat"),
        ({"variants-0-stock": str(2**31)}, "Stok terlalu besar."),
        ({"category_id": str(2**31)}, "Pilih salah satu pilihan yang ada."),
        ({"category_id": "١"}, "Pilih salah satu pilihan yang ada."),
    ],
)
def test_product_numbers_in_other_digits_are_refused(client, owner, changes, message):
    response = client.post("/kelola/produk/baru", data=product_form(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert english_in(response.text) == []
    assert count(Product) == 0


@pytest.mark.parametrize("row", ["²", "١"])
def test_odd_row_numbers_in_the_product_form_are_ignored(client, owner, row):
    """WTForms' FieldList read `variants-²-price` with `int()` (a 500), and
    so did the remove-row button."""
    data = product_form(**{f"variants-{row}-price": "1", "hapus_varian": row})
    response = client.post("/kelola/produk/baru", data=data)
    assert response.status_code == 302  # saved, as if neither were sent
    assert db.session.scalars(select(ProductVariant.price)).all() == [12_500]


# --- digits elsewhere ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["0812 ٣٤٥٦ ٧٨٩٠", "0812 ３４５６ ７８９０", "+62 812 ３４５６ 7890"]
)
def test_whatsapp_numbers_are_ascii_digits(number):
    with pytest.raises(InvalidWhatsapp, match="Nomor WhatsApp tidak valid"):
        normalise_whatsapp(number)
    assert normalise_whatsapp("0812 3456 7890") == "6281234567890"


def test_registration_refuses_a_whatsapp_number_in_other_digits(client):
    response = client.post("/akun/daftar", data={
        "name": "Sri", "email": "sri@contoh.id", "whatsapp": "0812 ٣٤٥٦ ٧٨٩٠",
        "password": "rahasia-123", "password_confirmation": "rahasia-123",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Nomor WhatsApp tidak valid" in response.text
    assert count(User) == 0


def test_nib_and_account_numbers_are_ascii_digits():
    with pytest.raises(MemberError):
        normalise_nib("١٢٣٤٥٦٧٨٩٠١٢٣")
    with pytest.raises(MemberError):
        normalise_account_number("０１２３４５６７８９")
    assert normalise_nib("1234567890123") == "1234567890123"


@pytest.mark.parametrize("text", ["٥", "２,５", "5²"])
def test_commission_rates_are_ascii_digits(text):
    with pytest.raises(ValueError, match="Tulis komisi dalam persen"):
        parse_percent(text)


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("١٥٠٠٠,20", "Harga harus bilangan bulat"),
        ("15000,٢٠", "Stok harus bilangan bulat"),
        ("１５.０００,1", "Harga harus bilangan bulat"),
    ],
)
def test_csv_import_refuses_other_digits(app, cells, problem):
    member = factories.MemberFactory()
    db.session.commit()
    header = ",".join(imports.COLUMNS)
    data = f"{header}\r\nGetuk,Makanan & Minuman,,,,,{cells},\r\n".encode()
    report = imports.import_csv(member=member, data=data)
    assert not report.ok
    assert any(problem in text for text in report.rows[0].problems)
    db.session.rollback()
    assert count(ProductVariant) == 0


@pytest.mark.parametrize("amount", ["١١٥.١٢٣", "１１５１２３"])
def test_the_treasurer_types_amounts_in_ascii_digits(client, login_as, amount):
    login_as(Role.TREASURER)
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (variant(), 1)))
    db.session.commit()
    response = client.post(
        f"/bendahara/transfer/{order.code}/konfirmasi",
        data={f"transfer-{order.id}-amount": amount},
    )
    assert response.status_code == 200
    assert "Jumlah harus bilangan bulat" in response.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).paid_at is None


def test_uploads_in_forms_still_work_with_the_guard(client, owner):
    """A sanity check that multipart forms pass the guard (file bytes are not read)."""
    product = factories.ProductFactory(member=owner)
    db.session.commit()
    response = client.post(
        f"/kelola/produk/{product.id}/foto",
        data={"photos": [(io.BytesIO(b"\x00\x01 bukan gambar"), "foto.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
