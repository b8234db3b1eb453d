"""A member's listing pages under /kelola, as the member uses them, and who
else may open them (nobody: the IDOR matrix covers every route)."""

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductImage, ProductStatus, ProductVariant
from marketplace.catalog.views.manage.products import PRODUCT_ACTIONS
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.seeding import add_photos, jpeg

pytestmark = pytest.mark.usefixtures("app_context")

DRAFT, ACTIVE, ARCHIVED = ProductStatus.DRAFT, ProductStatus.ACTIVE, ProductStatus.ARCHIVED


@pytest.fixture
def owner(app):
    member = factories.MemberFactory(shop_name="Keripik Bu Sri")
    db.session.commit()
    return member


@pytest.fixture
def product(app, owner):
    found = factories.ProductFactory(
        member=owner,
        name="Keripik Tempe Sagu",
        status=DRAFT,
        variants=[
            factories.VariantFactory.build(name="Original", price=15_000, stock=10),
            factories.VariantFactory.build(name="Pedas", price=16_000, stock=4),
        ],
    )
    add_photos(app, found, 2)
    db.session.commit()
    return found


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.text))


def words_of(response) -> str:
    """What the page says, without its tags."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def product_form(product=None, variants=None, **fields) -> dict:
    """The product form as the browser posts it."""
    data = {
        "name": product.name if product else "Getuk Goreng Sokaraja",
        "category_id": str(factories.category().id),
        "description": "Manis.\r\nLegit.",
        "unit": "bungkus",
        "weight_grams": "250",
        "status": "draft",
    }
    if variants is None:
        variants = (
            [
                {
                    "variant_id": v.id,
                    "stock_seen": v.stock,
                    "name": v.name,
                    "price": v.price,
                    "stock": v.stock,
                }
                for v in product.variants
            ]
            if product
            else [{"name": "", "price": "12.500", "stock": "8"}]
        )
    for index, variant in enumerate(variants):
        for key, value in variant.items():
            data[f"variants-{index}-{key}"] = "" if value is None else str(value)
    return data | fields


def bulk_rows(*rows) -> dict:
    data = {}
    for index, (variant, price, stock) in enumerate(rows):
        data |= {
            f"rows-{index}-variant_id": variant.id,
            f"rows-{index}-stock_seen": variant.stock,
            f"rows-{index}-price": price,
            f"rows-{index}-stock": stock,
        }
    return data


# --- the IDOR matrix -----------------------------------------------------------

ROLES = ("owner", "other member", "pending member", "shopper", "admin", "anonymous")


def _requests(product, photo, variant) -> dict[str, tuple[str, dict | None]]:
    """Every route of catalog.manage as "endpoint METHOD": (url, form data)
    the owner would send. The other member sends the same, naming the
    owner's ids."""
    base = f"/kelola/produk/{product.id}"
    csv = b"nama,kategori,harga,stok\nMendoan,Makanan & Minuman,5000,3\n"
    return {
        "index GET": ("/kelola?status=draft", None),
        "create GET": ("/kelola/produk/baru", None),
        "create POST": ("/kelola/produk/baru", product_form()),
        "edit GET": (base, None),
        "edit POST": (base, product_form(product)),
        "product_action salin POST": (f"{base}/salin", {}),
        "product_action arsipkan POST": (f"{base}/arsipkan", {}),
        "product_action pulihkan POST": (f"{base}/pulihkan", {}),
        "product_action tayangkan POST": (f"{base}/tayangkan", {}),
        "add_photos POST": (f"{base}/foto", {"photos": (io.BytesIO(jpeg()), "baru.jpg")}),
        "move_photo POST": (f"{base}/foto/{photo.id}/geser", {"direction": "turun"}),
        "cover_photo POST": (f"{base}/foto/{photo.id}/sampul", {}),
        "delete_photo POST": (f"{base}/foto/{photo.id}/hapus", {}),
        "bulk_update GET": ("/kelola/stok", None),
        "bulk_update POST": ("/kelola/stok", bulk_rows((variant, "20.000", "3"))),
        "import_products GET": ("/kelola/impor", None),
        "import_products POST": ("/kelola/impor", {"file": (io.BytesIO(csv), "produk.csv")}),
        "import_template GET": ("/kelola/impor/templat.csv", None),
        "printing GET": ("/kelola/cetak", None),
        "poster_pdf GET": ("/kelola/cetak/poster.pdf?ukuran=a5", None),
        "labels_pdf GET": (f"/kelola/cetak/label.pdf?produk={product.id}", None),
    }


# Expected status per route for the owner and for another approved member;
# everyone else gets the same answer on every route.
OWNER_AND_OTHER = {
    "index GET": (200, 200),
    "create GET": (200, 200),
    "create POST": (302, 302),
    "edit GET": (200, 404),
    "edit POST": (302, 404),
    "product_action salin POST": (302, 404),
    "product_action arsipkan POST": (302, 404),
    "product_action pulihkan POST": (302, 404),
    "product_action tayangkan POST": (302, 404),
    "add_photos POST": (302, 404),
    "move_photo POST": (302, 404),
    "cover_photo POST": (302, 404),
    "delete_photo POST": (302, 404),
    "bulk_update GET": (200, 200),
    "bulk_update POST": (302, 404),
    "import_products GET": (200, 200),
    "import_products POST": (200, 200),
    "import_template GET": (200, 200),
    "printing GET": (200, 200),
    "poster_pdf GET": (200, 200),  # each their own shop's (tests/catalog/test_poster.py)
    # The product is a draft: no label for the owner either, back to choosing.
    "labels_pdf GET": (302, 302),
}
OTHERS = {"pending member": 403, "shopper": 403, "admin": 403, "anonymous": 302}
OWN_WORK = {"create POST", "import_products POST"}  # into the other member's own shop


def test_the_matrix_covers_every_route_and_method(app):
    routes = {
        " ".join([rule.endpoint.removeprefix("catalog.manage."), *action, method])
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("catalog.manage.")
        for action in ([[a] for a in PRODUCT_ACTIONS] if "action" in rule.arguments else [[]])
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(OWNER_AND_OTHER)


def _snapshot(product: Product) -> tuple:
    product = fresh(product)
    return (
        product.name,
        product.status,
        [(v.id, v.price, v.stock) for v in product.variants],
        [(p.id, p.position) for p in product.images],
        count(Product),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(OWNER_AND_OTHER))
def test_only_the_owner_manages_their_products(client, login_as, owner, product, route, role):
    other = factories.ProductFactory(name="Produk anggota lain").member
    pending = factories.MemberFactory(status=MemberStatus.PENDING)
    db.session.commit()
    who = {
        "owner": owner.user,
        "other member": other.user,
        "pending member": pending.user,
        "shopper": Role.SHOPPER,
        "admin": Role.ADMIN,
    }
    if role in who:
        login_as(who[role])
    url, data = _requests(product, product.images[0], product.variants[0])[route]
    before = _snapshot(product)

    if route.endswith("GET"):
        response = client.get(url)
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")

    expected = dict(zip(("owner", "other member"), OWNER_AND_OTHER[route])) | OTHERS
    assert response.status_code == expected[role], (route, role)
    if role == "anonymous":
        assert response.location.startswith("/akun/masuk")
    if role != "owner" and route not in OWN_WORK:
        assert _snapshot(product) == before


def test_a_photo_of_another_members_product_is_not_found_under_my_product(
    app, client, login_as, owner, product
):
    stranger = factories.ProductFactory(name="Batik")
    (photo,) = add_photos(app, stranger, 1)
    db.session.commit()
    login_as(owner.user)
    for action in ("sampul", "hapus"):
        url = f"/kelola/produk/{product.id}/foto/{photo.id}/{action}"
        assert client.post(url).status_code == 404
    assert (
        client.post(
            f"/kelola/produk/{product.id}/foto/{photo.id}/geser", data={"direction": "naik"}
        ).status_code
        == 404
    )
    assert db.session.get(ProductImage, photo.id) is not None


def test_a_variant_of_another_member_in_the_product_form_is_not_found(
    client, login_as, owner, product
):
    stranger = factories.ProductFactory(name="Batik").variants[0]
    db.session.commit()
    login_as(owner.user)
    data = product_form(
        product,
        variants=[
            {
                "variant_id": stranger.id,
                "stock_seen": 10,
                "name": "Curian",
                "price": "1",
                "stock": "1",
            }
        ],
    )
    assert client.post(f"/kelola/produk/{product.id}", data=data).status_code == 404
    db.session.expire_all()
    assert db.session.get(ProductVariant, stranger.id).name == "Standar"


@pytest.mark.parametrize(
    "status, words",
    [
        (MemberStatus.PENDING, "sedang diperiksa"),
        (MemberStatus.REJECTED, "belum disetujui"),
        (MemberStatus.SUSPENDED, "dibekukan"),
    ],
)
def test_members_not_approved_are_told_why(client, login_as, status, words):
    member = factories.MemberFactory(status=status)
    login_as(member.user)
    response = client.get("/kelola")
    assert response.status_code == 403
    assert words in response.text and 'href="/anggota' in response.text


def test_buttons_need_the_csrf_token_outside_tests(make_app, owner, product):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        factories.log_in(client, owner.user)
        assert client.post(f"/kelola/produk/{product.id}/arsipkan").status_code == 400
        data = product_form(product, name="Tanpa token")
        assert client.post(f"/kelola/produk/{product.id}", data=data).status_code == 400
        assert fresh(product).status == DRAFT and fresh(product).name == "Keripik Tempe Sagu"


# --- dashboard -----------------------------------------------------------------


def test_dashboard_lists_only_my_products_in_every_status(client, login_as, owner, product):
    factories.ProductFactory(member=owner, name="Getuk Goreng", status=ACTIVE)
    factories.ProductFactory(
        member=owner,
        name="Nopia Lama",
        status=ARCHIVED,
        variants=[factories.VariantFactory.build(stock=0)],
    )
    factories.ProductFactory(
        member=owner,
        name="Mino Habis",
        status=ACTIVE,
        variants=[factories.VariantFactory.build(stock=0)],
    )
    factories.ProductFactory(name="Batik Orang Lain")
    db.session.commit()
    login_as(owner.user)
    page = text_of(client.get("/kelola"))
    for name in ("Keripik Tempe Sagu", "Getuk Goreng", "Nopia Lama", "Mino Habis"):
        assert name in page
    assert "Batik Orang Lain" not in page
    assert "Rp15.000 – Rp16.000" in page and "Stok 14" in page
    summary = words_of(client.get("/kelola"))
    assert "Semua 4 Aktif 2 Draf 1 Arsip 1" in summary
    assert "1 produk aktif kehabisan stok" in summary
    assert f"/media/{product.images[-1].thumb_key}" in page or "/media/products/" in page

    drafts = text_of(client.get("/kelola?status=draft"))
    assert "Keripik Tempe Sagu" in drafts and "Getuk Goreng" not in drafts
    archived = text_of(client.get("/kelola?status=archived"))
    assert "Nopia Lama" in archived and "Pulihkan" in archived and "Keripik Tempe" not in archived


def test_dashboard_of_a_new_member_invites_the_first_product(client, login_as, owner):
    login_as(owner.user)
    page = text_of(client.get("/kelola"))
    assert "belum punya produk" in page and "/kelola/produk/baru" in page


# --- create and edit -------------------------------------------------------------


def test_create_a_product_with_two_variants(client, login_as, owner):
    login_as(owner.user)
    data = product_form(
        variants=[
            {"name": "250 g", "price": "Rp15.000", "stock": "10"},
            {"name": "500 g", "price": "28000", "stock": "0"},
        ],
        status="active",
    )
    response = client.post("/kelola/produk/baru", data=data)
    created = db.session.scalars(select(Product)).one()
    assert response.status_code == 302
    assert response.location == f"/kelola/produk/{created.id}#foto"
    assert created.member_id == owner.id and created.status == ACTIVE
    assert [(v.name, v.price, v.stock) for v in created.variants] == [
        ("250 g", 15_000, 10),
        ("500 g", 28_000, 0),
    ]
    assert (created.min_price, created.max_price, created.total_stock) == (15_000, 28_000, 10)
    assert created.description == "Manis.\nLegit." and created.weight_grams == 250


def test_a_product_without_choices_gets_the_default_variant(client, login_as, owner):
    login_as(owner.user)
    client.post("/kelola/produk/baru", data=product_form())
    assert [(v.name, v.price) for v in db.session.scalars(select(ProductVariant))] == [
        ("Standar", 12_500)
    ]


@pytest.mark.parametrize(
    "variant, message",
    [
        ({"name": "A", "price": "15,5", "stock": "1"}, "Harga harus bilangan bulat"),
        ({"name": "A", "price": "", "stock": "1"}, "Isi harga."),
        ({"name": "A", "price": "0", "stock": "1"}, "Harga antara Rp1"),
        ({"name": "A", "price": "5000", "stock": "-1"}, "Stok tidak boleh negatif."),
        ({"name": "A", "price": "5000", "stock": "lima"}, "Stok harus bilangan bulat"),
    ],
)
def test_a_bad_variant_is_refused_with_a_message_and_nothing_saved(
    client, login_as, owner, variant, message
):
    login_as(owner.user)
    response = client.post("/kelola/produk/baru", data=product_form(variants=[variant]))
    assert response.status_code == 200
    assert message in text_of(response)
    assert count(Product) == 0


def test_two_variants_with_the_same_name_are_refused(client, login_as, owner):
    login_as(owner.user)
    response = client.post(
        "/kelola/produk/baru",
        data=product_form(
            variants=[
                {"name": "Pedas", "price": "1000", "stock": "1"},
                {"name": "pedas", "price": "2000", "stock": "1"},
            ]
        ),
    )
    assert "dipakai dua kali" in text_of(response) and count(Product) == 0


def test_add_and_remove_variant_rows_without_javascript(client, login_as, owner):
    login_as(owner.user)
    data = product_form(variants=[{"name": "A", "price": "1000", "stock": "1"}])
    added = client.post("/kelola/produk/baru", data=data | {"tambah_varian": "1"})
    assert added.status_code == 200 and 'name="variants-1-price"' in added.text
    assert count(Product) == 0
    two = product_form(
        variants=[
            {"name": "A", "price": "1000", "stock": "1"},
            {"name": "B", "price": "2000", "stock": "2"},
        ]
    )
    removed = client.post("/kelola/produk/baru", data=two | {"hapus_varian": "0"})
    assert 'name="variants-1-price"' not in removed.text and 'value="B"' in removed.text
    # A row added and left empty is ignored on saving.
    blank = product_form(
        variants=[
            {"name": "A", "price": "1000", "stock": "1"},
            {"name": "", "price": "", "stock": ""},
        ]
    )
    assert client.post("/kelola/produk/baru", data=blank).status_code == 302
    assert count(ProductVariant) == 1


def test_edit_keeps_variant_ids_and_deletes_a_removed_variant(client, login_as, owner, product):
    login_as(owner.user)
    original, pedas = product.variants
    original_id = original.id  # the edit deletes it
    page = client.get(f"/kelola/produk/{product.id}").text
    assert 'value="Keripik Tempe Sagu"' in page and 'value="15.000"' in page
    data = product_form(
        product,
        variants=[
            {
                "variant_id": pedas.id,
                "stock_seen": 4,
                "name": "Pedas",
                "price": "17.000",
                "stock": "4",
            },
            {"name": "Balado", "price": "18000", "stock": "5"},
        ],
        name="Keripik Tempe Sagu Spesial",
        status="active",
    )
    response = client.post(f"/kelola/produk/{product.id}", data=data)
    assert response.status_code == 302
    product = fresh(product)
    assert product.name == "Keripik Tempe Sagu Spesial" and product.status == ACTIVE
    assert next((v.id, v.name, v.price) for v in product.variants) == (pedas.id, "Pedas", 17_000)
    assert product.variants[1].name == "Balado"
    assert db.session.get(ProductVariant, original_id) is None
    assert (product.min_price, product.total_stock) == (17_000, 9)


def test_an_archived_product_shows_restore_instead_of_the_form(client, login_as, owner):
    archived = factories.ProductFactory(member=owner, status=ARCHIVED)
    db.session.commit()
    login_as(owner.user)
    page = text_of(client.get(f"/kelola/produk/{archived.id}"))
    assert "diarsipkan" in page and "Pulihkan produk" in page and 'id="form-produk"' not in page


@pytest.mark.parametrize(
    "action, start, end, message",
    [
        ("arsipkan", ACTIVE, ARCHIVED, "Produk diarsipkan"),
        ("pulihkan", ARCHIVED, DRAFT, "dipulihkan sebagai draf"),
        ("tayangkan", DRAFT, ACTIVE, "sudah tampil di toko"),
        ("pulihkan", ACTIVE, ACTIVE, "Hanya produk yang diarsipkan"),
        ("tayangkan", ARCHIVED, ARCHIVED, "tidak bisa dijadikan aktif"),
    ],
)
def test_status_buttons(client, login_as, owner, action, start, end, message):
    found = factories.ProductFactory(member=owner, status=start)
    db.session.commit()
    login_as(owner.user)
    response = client.post(
        f"/kelola/produk/{found.id}/{action}",
        data={"kembali": "/kelola?status=draft"},
        follow_redirects=True,
    )
    assert message in text_of(response)
    assert response.request.path == "/kelola"
    assert fresh(found).status == end


def test_duplicate_opens_the_draft_copy(client, login_as, owner, product):
    login_as(owner.user)
    response = client.post(f"/kelola/produk/{product.id}/salin")
    copy = db.session.scalars(select(Product).where(Product.id != product.id)).one()
    assert response.location == f"/kelola/produk/{copy.id}"
    assert copy.name == "Keripik Tempe Sagu (salinan)" and copy.status == DRAFT
    assert copy.images == [] and [v.stock for v in copy.variants] == [0, 0]


def test_back_to_the_list_stays_on_this_site(client, login_as, owner, product):
    login_as(owner.user)
    response = client.post(
        f"/kelola/produk/{product.id}/tayangkan", data={"kembali": "//jahat.example/kelola"}
    )
    assert response.location == "/kelola"


# --- quick update ------------------------------------------------------------------


def test_bulk_page_lists_variants_of_products_not_archived(client, login_as, owner, product):
    factories.ProductFactory(member=owner, name="Nopia Arsip", status=ARCHIVED)
    factories.ProductFactory(name="Punya Orang Lain")
    db.session.commit()
    login_as(owner.user)
    page = text_of(client.get("/kelola/stok"))
    assert "Keripik Tempe Sagu" in page and "Original" in page and "Pedas" in page
    assert 'value="15.000"' in page and 'value="10"' in page
    assert "Nopia Arsip" not in page and "Punya Orang Lain" not in page


def test_bulk_update_saves_all_rows_at_once(client, login_as, owner, product):
    login_as(owner.user)
    original, pedas = product.variants
    data = bulk_rows((original, "14.500", "0"), (pedas, "16.000", "30"))
    response = client.post("/kelola/stok", data=data)
    assert response.status_code == 302
    product = fresh(product)
    assert [(v.price, v.stock) for v in product.variants] == [(14_500, 0), (16_000, 30)]
    assert (product.min_price, product.total_stock) == (14_500, 30)
    assert "2 varian diperbarui" in text_of(client.get("/kelola/stok"))


@pytest.mark.parametrize(
    "price, stock, message",
    [
        ("abc", "3", "Harga harus bilangan bulat"),
        ("5000", "-3", "Stok tidak boleh negatif"),
        ("0", "3", "Harga antara Rp1"),
    ],
)
def test_bulk_update_with_a_bad_row_saves_nothing_and_marks_the_row(
    client, login_as, owner, product, price, stock, message
):
    login_as(owner.user)
    original, pedas = product.variants
    data = bulk_rows((original, "99.000", "99"), (pedas, price, stock))
    response = client.post("/kelola/stok", data=data)
    page = text_of(response)
    assert response.status_code == 200 and message in page and "Belum ada yang disimpan" in page
    assert [(v.price, v.stock) for v in fresh(product).variants] == [(15_000, 10), (16_000, 4)]


def test_bulk_update_refuses_a_row_whose_stock_was_sold_meanwhile(client, login_as, owner, product):
    login_as(owner.user)
    original = product.variants[0]
    data = bulk_rows((original, "15.000", "50"))
    original.stock = 6  # sold while the page was open
    db.session.commit()
    page = text_of(client.post("/kelola/stok", data=data))
    assert "berubah menjadi 6" in page
    assert fresh(product).variants[0].stock == 6


def test_bulk_update_sent_twice_saves_once_and_says_so_again(client, login_as, owner, product):
    """A double tap on "Simpan semua": the second form carries the stock seen
    before the first; the stock is already what it asks, so no conflict."""
    login_as(owner.user)
    original, pedas = product.variants
    data = bulk_rows((original, "14.500", "25"), (pedas, "16.000", "4"))
    assert client.post("/kelola/stok", data=data).status_code == 302
    again = client.post("/kelola/stok", data=data, follow_redirects=True)
    assert "Tersimpan: 0 varian diperbarui." in text_of(again)
    assert [(v.price, v.stock) for v in fresh(product).variants] == [(14_500, 25), (16_000, 4)]


# --- import pages (the rules are in test_import.py) -----------------------------


def test_template_download(client, login_as, owner):
    login_as(owner.user)
    response = client.get("/kelola/impor/templat.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "nama;kategori;deskripsi;satuan;berat_gram;varian;harga;stok;status"
    assert len(lines) == 3 and response.data.startswith(b"\xef\xbb\xbf")


def test_import_page_title_is_plain_words_and_its_script_loads_once(client, login_as, owner):
    login_as(owner.user)
    page = client.get("/kelola/impor").text
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)[1]
    assert title == "Impor produk dari CSV · Pasar Aspikmas Banyumas"
    assert len(re.findall(r"/static/js/manage\.[0-9a-f]{12}\.js", page)) == 1


def test_import_page_reports_refused_rows_and_imports_nothing(client, login_as, owner):
    login_as(owner.user)
    csv = "nama,kategori,harga,stok\nMendoan,Makanan & Minuman,5000,3\nGetuk,Sayuran,lima,3\n"
    response = client.post("/kelola/impor", data={"file": (io.BytesIO(csv.encode()), "p.csv")})
    page = text_of(response)
    assert "Belum ada yang diimpor: 1 dari 2 baris" in page
    assert "Baris 3" in page and "Kategori “Sayuran” tidak dikenal" in page
    assert "Harga harus bilangan bulat" in page
    assert count(Product) == 0


def test_import_page_imports_a_good_file(client, login_as, owner):
    login_as(owner.user)
    template = client.get("/kelola/impor/templat.csv").data
    response = client.post("/kelola/impor", data={"file": (io.BytesIO(template), "templat.csv")})
    assert "Berhasil: 1 produk (2 varian)" in text_of(response)
    imported = db.session.scalars(select(Product)).one()
    assert imported.member_id == owner.id and len(imported.variants) == 2


def test_import_sent_twice_imports_once(client, login_as, owner):
    login_as(owner.user)
    template = client.get("/kelola/impor/templat.csv").data
    client.post("/kelola/impor", data={"file": (io.BytesIO(template), "templat.csv")})
    again = client.post("/kelola/impor", data={"file": (io.BytesIO(template), "templat.csv")})
    assert "Belum ada yang diimpor" in text_of(again)
    assert "sudah ada di toko Anda" in text_of(again)
    assert count(Product) == 1 and count(ProductVariant) == 2


def test_import_page_tells_a_file_it_cannot_read(client, login_as, owner):
    login_as(owner.user)
    response = client.post(
        "/kelola/impor", data={"file": (io.BytesIO("nama;harga\nCafé;1".encode("cp1252")), "p.csv")}
    )
    assert "UTF-8" in text_of(response) and count(Product) == 0
    assert "Pilih berkas CSV." in text_of(client.post("/kelola/impor", data={}))
