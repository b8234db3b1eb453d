"""Photos of a product on its edit page: upload, reorder, cover, delete; a
refused upload leaves nothing behind."""

import io
from html import unescape
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.core.images import ImageRejected, process_image
from marketplace.extensions import db
from tests import factories
from tests.catalog.seeding import jpeg

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def owner(app, login_as):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    return member


@pytest.fixture
def product(owner):
    found = factories.ProductFactory(member=owner, name="Keripik Tempe", status=ProductStatus.DRAFT)
    db.session.commit()
    return found


def png(size: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (10, 200, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, product, *files: tuple[bytes, str]):
    return client.post(
        f"/kelola/produk/{product.id}/foto",
        data={"photos": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def photos_of(product) -> list[ProductImage]:
    db.session.expire_all()
    return list(db.session.get(Product, product.id).images)


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_upload_several_photos_at_once(app, client, product):
    response = upload(client, product, (jpeg(60), "depan.jpg"), (png(), "samping.png"))
    assert "2 foto ditambahkan" in response.text
    assert response.request.path == f"/kelola/produk/{product.id}"
    photos = photos_of(product)
    assert [p.position for p in photos] == [0, 1]
    assert len(stored_files(app)) == 4
    page = client.get(f"/kelola/produk/{product.id}").text
    assert "Foto (2 dari 8)" in page and f"/media/{photos[0].thumb_key}" in page
    assert "Masih bisa 6 foto lagi" in page
    # The cover shows on the public card and in the dashboard.
    assert f"/media/{photos[0].thumb_key}" in client.get("/kelola").text


def refusal(data: bytes) -> str:
    """What core.images says about `data` (its words are its own)."""
    with pytest.raises(ImageRejected) as refused:
        process_image(data)
    return refused.value.message


@pytest.mark.parametrize(
    "data, name",
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg"),
        (b"GIF89a" + b"\x00" * 40, "animasi.gif"),
        (b"bukan gambar sama sekali", "../../etc/passwd.jpg"),
    ],
)
def test_a_refused_upload_shows_why_and_leaves_nothing(app, client, product, data, name):
    response = upload(client, product, (jpeg(), "baik.jpg"), (data, name))
    assert response.status_code == 200
    assert f"Foto ke-2: {refusal(data)}" in unescape(response.text)
    assert photos_of(product) == [] and stored_files(app) == []


def test_choosing_no_file_says_so(client, product):
    response = client.post(f"/kelola/produk/{product.id}/foto", data={}, follow_redirects=True)
    assert "Pilih setidaknya satu foto." in response.text


def test_the_ninth_photo_is_refused(app, client, product):
    upload(client, product, *[(jpeg(), f"{i}.jpg") for i in range(8)])
    assert len(photos_of(product)) == 8
    page = client.get(f"/kelola/produk/{product.id}").text
    assert "batas per produk" in page and 'name="photos"' not in page
    response = upload(client, product, (jpeg(), "sembilan.jpg"))
    assert "Paling banyak 8 foto" in response.text
    assert len(photos_of(product)) == 8 and len(stored_files(app)) == 16


def test_reorder_choose_the_cover_and_delete(app, client, product):
    upload(client, product, *[(jpeg(), f"{i}.jpg") for i in range(3)])
    a, b, c = photos_of(product)
    base = f"/kelola/produk/{product.id}/foto"

    client.post(f"{base}/{a.id}/geser", data={"direction": "turun"})
    assert [p.id for p in photos_of(product)] == [b.id, a.id, c.id]
    client.post(f"{base}/{c.id}/geser", data={"direction": "naik"})
    assert [p.id for p in photos_of(product)] == [b.id, c.id, a.id]
    response = client.post(
        f"{base}/{b.id}/geser", data={"direction": "naik"}, follow_redirects=True
    )
    assert "sudah di ujung" in response.text
    assert client.post(f"{base}/{b.id}/geser", data={"direction": "kiri"}).status_code == 400

    response = client.post(f"{base}/{a.id}/sampul", follow_redirects=True)
    assert "Foto sampul diganti" in response.text
    assert [(p.id, p.position) for p in photos_of(product)] == [(a.id, 0), (b.id, 1), (c.id, 2)]
    db.session.expire_all()
    assert db.session.get(Product, product.id).cover_image.id == a.id

    files = {p.thumb_key for p in photos_of(product)} | {p.large_key for p in photos_of(product)}
    deleted = (a.thumb_key, a.large_key)
    response = client.post(f"{base}/{a.id}/hapus", follow_redirects=True)
    assert "Foto dihapus" in response.text
    assert [(p.id, p.position) for p in photos_of(product)] == [(b.id, 0), (c.id, 1)]
    root = Path(app.config["UPLOAD_DIR"])
    assert not any((root / key).exists() for key in deleted)
    assert len(stored_files(app)) == len(files) - 2


def test_photos_of_an_archived_product_stay_as_they_are(app, client, owner):
    archived = factories.ProductFactory(member=owner, status=ProductStatus.ARCHIVED)
    db.session.commit()
    response = upload(client, archived, (jpeg(), "a.jpg"))
    assert "Pulihkan dulu" in response.text
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 0
    assert stored_files(app) == []
