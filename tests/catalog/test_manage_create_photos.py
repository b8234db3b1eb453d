"""A new product with its photos in the same step (/kelola/produk/baru):
the photos go through the same checks and re-encoding as any upload; a
refused photo refuses the product too, with the member's typing kept; and
the same form sent twice (a double tap) adds one product."""

import io
import re
import threading
from html import unescape
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.catalog import photos
from marketplace.catalog.models import Category, Product, ProductImage
from marketplace.catalog.services import NameTaken, VariantInput
from marketplace.core.images import LARGE_SIZE, NOT_A_PICTURE
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import Member
from tests import factories
from tests.catalog.seeding import jpeg
from tests.catalog.test_manage_views import product_form

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def owner(app, login_as):
    member = factories.MemberFactory(shop_name="Gula Semut Bu Tini")
    db.session.commit()
    login_as(member.user)
    return member


def create(client, *files: tuple[bytes, str], **fields):
    data = product_form(**fields) | {"photos": [(io.BytesIO(d), name) for d, name in files]}
    return client.post("/kelola/produk/baru", data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def page_words(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_the_new_product_form_takes_photos(client, owner):
    page = client.get("/kelola/produk/baru").text
    form = re.search(r'<form[^>]*id="form-produk"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form and 'data-busy="Menyimpan…"' in form
    picker = re.search(r'<input[^>]*name="photos"[^>]*>', page).group(0)
    assert "multiple" in picker and f'data-resize="{photos.BROWSER_SIDE}"' in picker
    assert re.search(r"/static/js/photos\.[0-9a-f]{12}\.js", page)


def test_a_product_is_created_with_its_photos_re_encoded(app, client, owner):
    # Wider than the largest size kept, light enough for the test client to hold in memory.
    response = create(
        client, (jpeg(2400), "IMG_0001.jpg"), (jpeg(200, (20, 120, 60)), "samping.jpg")
    )
    product = db.session.scalars(select(Product)).one()
    assert response.status_code == 302
    assert response.location == f"/kelola/produk/{product.id}"
    assert [image.position for image in product.images] == [0, 1]
    assert len(stored_files(app)) == 4  # a thumbnail and a large picture each
    store = LocalStorage(app.config["UPLOAD_DIR"])
    with Image.open(store.path(product.images[0].large_key)) as large:
        assert large.format == "WEBP" and max(large.size) == LARGE_SIZE
    page = client.get(response.location)
    assert "Produk “Getuk Goreng Sokaraja” tersimpan dengan 2 foto." in unescape(page.text)
    assert "Foto (2 dari 8)" in page.text


def test_without_photos_the_product_is_created_and_photos_come_later(client, owner):
    response = create(client)
    product = db.session.scalars(select(Product)).one()
    assert response.location == f"/kelola/produk/{product.id}#foto"
    assert product.images == []


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (
            [(jpeg(), "baik.jpg"), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg")],
            f"Foto ke-2: {NOT_A_PICTURE}",
        ),
        ([(jpeg(), f"{n}.jpg") for n in range(9)], "Paling banyak 8 foto per produk"),
        ([(b"", "kosong.jpg")], "Berkas yang diunggah kosong."),
    ],
)
def test_a_refused_photo_refuses_the_product_and_keeps_what_was_typed(
    app, client, owner, files, said
):
    response = create(client, *files, name="Gula Semut Organik")
    assert response.status_code == 200
    words = page_words(response)
    assert "Produk belum disimpan: ada foto yang ditolak." in words
    assert said in words
    assert 'value="Gula Semut Organik"' in response.text  # typed once, kept
    assert count(Product) == count(ProductImage) == 0
    assert stored_files(app) == []


def test_the_same_form_sent_twice_adds_one_product(app, client, owner):
    first = create(client, (jpeg(), "depan.jpg"))
    again = create(client, (jpeg(), "depan.jpg"))
    assert first.status_code == 302 and again.status_code == 200
    assert "Produk “Getuk Goreng Sokaraja” sudah ada di toko Anda" in page_words(again)
    assert count(Product) == 1 and count(ProductImage) == 1
    assert len(stored_files(app)) == 2
    # The name is compared as people read it: spaces and capitals aside.
    create(client, name="  getuk   GORENG sokaraja ")
    assert count(Product) == 1


@pytest.mark.postgres
def test_the_same_form_sent_twice_at_the_same_moment_adds_one_product(make_app):
    """Two requests of one double tap, each in its own session, released
    together: the shop's row lock makes the second see the first's product."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 4})
    with app.app_context():
        member_id = factories.MemberFactory().id
        category = factories.category()
        db.session.commit()
        category_id = category.id
    barrier = threading.Barrier(2)
    results: list[str] = []

    def submit() -> None:
        with app.app_context():
            try:
                member = db.session.get(Member, member_id)
                barrier.wait()
                photos.create_product_with_photos(
                    member=member,
                    name="Nopia Banyumas",
                    category=db.session.get(Category, category_id),
                    variants=[VariantInput(name="", price=10_000, stock=5)],
                    uploads=[jpeg()],
                    store=LocalStorage(app.config["UPLOAD_DIR"]),
                )
                db.session.commit()
                results.append("created")
            except NameTaken as refused:
                db.session.rollback()
                results.append(refused.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert len(results) == 2 and results.count("created") == 1
        assert any("sudah ada di toko Anda" in said for said in results)
        assert db.session.scalar(select(func.count(Product.id))) == 1
        assert db.session.scalar(select(func.count(ProductImage.id))) == 1
