"""The stall poster and the product labels, as a member prints them from
/kelola/cetak: the PDF is drawn to a picture (pypdfium2) and its QR codes are
read back (zxing-cpp), as a shopper's phone camera would."""

import io

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.poster import MAX_LABELS
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus
from tests import factories
from tests.catalog.seeding import add_photos, jpeg

pytestmark = pytest.mark.usefixtures("app_context")

PUBLIC = "https://pasar.aspikmas.test"
A4_POINTS = (595, 842)
A5_POINTS = (420, 593)  # A5 is 148 x 210 mm: the A4 poster zoomed fits within 0.7 mm


def qr_codes(pdf: bytes, *, dpi: int = 200) -> list[list[str]]:
    """The text of every QR code on each page of `pdf`, page by page."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        pages.append(sorted(code.text for code in found))
    return pages


def page_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return [
        (round(page.mediabox.width), round(page.mediabox.height))
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def text_of(pdf: bytes) -> str:
    """The words of `pdf`, whatever line they were broken over."""
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def longest(words: str, column) -> str:
    """`words` again and again, as long as `column` takes."""
    length = column.type.length
    return (words * length)[:length]


def product_url(product) -> str:
    return f"{PUBLIC}/produk/{product.id}-{product.slug}"


@pytest.fixture
def owner(app):
    member = factories.MemberFactory(
        shop_name="Getuk Goreng Pak Hadi",
        slug="getuk-goreng-pak-hadi",
        desa="Sokaraja Tengah",
        kecamatan=factories.kecamatan("sokaraja"),
        logo_key=LocalStorage(app.config["UPLOAD_DIR"]).save(
            jpeg(64), folder="shops", suffix=".jpg"
        ),
    )
    db.session.commit()
    return member


def sells(member, name: str, *, sold: int = 0, price: int = 15_000, **values):
    product = factories.ProductFactory(
        member=member,
        name=name,
        variants=[factories.VariantFactory.build(price=price)],
        **values,
    )
    product.sold_count = sold
    return product


def test_the_poster_shows_the_shop_its_best_sellers_and_a_qr_to_the_shop(
    app, client, login_as, owner
):
    for number in range(8):
        product = sells(owner, f"Getuk rasa {number}", sold=number * 10, price=10_000 + number)
        add_photos(app, product, 1)
    sells(owner, "Getuk draf laris", sold=999, status=ProductStatus.DRAFT)
    db.session.commit()
    login_as(owner.user)

    response = client.get("/kelola/cetak/poster.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="poster-a4.pdf"' in response.headers["Content-Disposition"]
    assert page_sizes(response.data) == [A4_POINTS]
    assert qr_codes(response.data) == [[f"{PUBLIC}/toko/getuk-goreng-pak-hadi"]]
    text = text_of(response.data)
    assert "Getuk Goreng Pak Hadi" in text and "Kecamatan Sokaraja" in text
    shown = [f"Getuk rasa {number}" for number in range(8) if f"Getuk rasa {number}" in text]
    assert shown == [f"Getuk rasa {number}" for number in range(2, 8)], "the six best sellers"
    assert "Rp10.007" in text
    assert "draf" not in text


def test_a_poster_on_a5_and_of_a_shop_without_products(client, login_as, owner):
    login_as(owner.user)
    response = client.get("/kelola/cetak/poster.pdf?ukuran=a5")
    assert page_sizes(response.data) == [A5_POINTS]
    assert qr_codes(response.data) == [[f"{PUBLIC}/toko/getuk-goreng-pak-hadi"]]
    # a size no form offers: A4, as the form's default
    assert page_sizes(client.get("/kelola/cetak/poster.pdf?ukuran=A0").data) == [A4_POINTS]


@pytest.mark.parametrize(("size", "points"), [("a4", A4_POINTS), ("a5", A5_POINTS)])
def test_the_longest_names_and_prices_still_make_one_page(app, client, login_as, size, points):
    member = factories.MemberFactory(
        shop_name=longest(
            "Usaha Dagang Keripik Tempe dan Olahan Singkong Mbok Sri ", Member.shop_name
        ),
        slug="mbok-sri",
        logo_key=LocalStorage(app.config["UPLOAD_DIR"]).save(
            jpeg(64), folder="shops", suffix=".jpg"
        ),
    )
    for number in range(6):
        product = factories.ProductFactory(
            member=member,
            name=longest(f"Keripik Tempe Sagu Pedas Daun Jeruk {number} ", Product.name),
            unit="bungkus besar",
            variants=[
                factories.VariantFactory.build(name="Kecil", price=1_500),
                factories.VariantFactory.build(name="Besar", price=12_345_678_900),
            ],
        )
        add_photos(app, product, 1)
    db.session.commit()
    login_as(member.user)
    response = client.get(f"/kelola/cetak/poster.pdf?ukuran={size}")
    assert page_sizes(response.data) == [points]
    assert qr_codes(response.data) == [[f"{PUBLIC}/toko/mbok-sri"]]


def test_the_labels_hold_a_qr_to_each_product_page(app, client, login_as, owner):
    products = [sells(owner, f"Keripik {number}", price=5_000 * number) for number in range(1, 27)]
    db.session.commit()
    login_as(owner.user)

    response = client.get("/kelola/cetak/label.pdf")

    assert response.status_code == 200
    assert 'filename="label-produk.pdf"' in response.headers["Content-Disposition"]
    assert page_sizes(response.data) == [A4_POINTS, A4_POINTS], "24 labels a sheet"
    codes = qr_codes(response.data)
    assert [len(page) for page in codes] == [24, 2]
    assert sorted(codes[0] + codes[1]) == sorted(product_url(p) for p in products)
    assert "Rp130.000" in text_of(response.data)


def test_labels_only_for_the_chosen_products_of_the_member_themself(client, login_as, owner):
    wanted, unwanted = sells(owner, "Gula Kelapa"), sells(owner, "Gula Semut")
    draft = sells(owner, "Gula Draf", status=ProductStatus.DRAFT)
    someone_elses = sells(factories.MemberFactory(), "Produk anggota lain")
    db.session.commit()
    login_as(owner.user)
    chosen = [wanted.id, draft.id, someone_elses.id, 2**31, 10**30, "x", "", -1, wanted.id]
    query = "&".join(f"produk={number}" for number in chosen)

    response = client.get(f"/kelola/cetak/label.pdf?{query}")

    assert qr_codes(response.data) == [[product_url(wanted)]]
    text = text_of(response.data)
    assert "Gula Kelapa" in text
    assert "Gula Semut" not in text and "Gula Draf" not in text and "anggota lain" not in text
    assert unwanted.id  # printed only when chosen


def test_no_label_to_print_sends_the_member_back_to_choose(client, login_as, owner):
    login_as(owner.user)
    response = client.get("/kelola/cetak/label.pdf?produk=")
    assert response.status_code == 302
    assert response.location == "/kelola/cetak"
    page = client.get("/kelola/cetak").text
    assert "Pilih paling sedikit satu produk yang tayang" in page
    assert "Belum ada produk yang tayang" in page


def test_the_print_page_offers_the_poster_sizes_and_the_member_s_public_products(
    client, login_as, owner
):
    kept = sells(owner, "Keripik Tempe")
    sells(owner, "Keripik Arsip", status=ProductStatus.ARCHIVED)
    db.session.commit()
    login_as(owner.user)
    assert 'href="/kelola/cetak#judul-poster"' in client.get("/kelola").text
    page = client.get("/kelola/cetak").text
    assert 'name="ukuran" id="ukuran-a4" value="a4" checked' in page
    assert 'value="a5"' in page
    assert f'name="produk" value="{kept.id}" id="label-{kept.id}" checked' in page
    assert "Keripik Arsip" not in page
    assert f"Paling banyak {MAX_LABELS} label" in page


@pytest.mark.parametrize(
    "route", ["/kelola/cetak", "/kelola/cetak/poster.pdf", "/kelola/cetak/label.pdf"]
)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("shopper", 403),
        ("pending member", 403),
        ("suspended member", 403),
    ],
)
def test_only_an_approved_member_prints_and_only_their_own_shop(
    client, login_as, owner, route, role, status
):
    sells(owner, "Keripik Tempe")
    db.session.commit()
    who = {
        "shopper": Role.SHOPPER,
        "pending member": factories.MemberFactory(status=MemberStatus.PENDING).user,
        "suspended member": factories.MemberFactory(status=MemberStatus.SUSPENDED).user,
    }
    db.session.commit()
    if role in who:
        login_as(who[role])
    response = client.get(route)
    assert response.status_code == status
    if role == "anonymous":
        assert response.location.startswith("/akun/masuk")
    assert response.mimetype != "application/pdf"


def test_another_member_prints_their_own_shop_never_this_one(client, login_as, owner):
    product = sells(owner, "Keripik Tempe")
    other = factories.MemberFactory(shop_name="Batik Sekar", slug="batik-sekar")
    db.session.commit()
    login_as(other.user)
    poster = client.get("/kelola/cetak/poster.pdf")
    assert qr_codes(poster.data) == [[f"{PUBLIC}/toko/batik-sekar"]]
    assert "Getuk Goreng Pak Hadi" not in text_of(poster.data)
    refused = client.get(f"/kelola/cetak/label.pdf?produk={product.id}")
    assert refused.status_code == 302 and refused.location == "/kelola/cetak"
