"""Photos under reviews: up to three, through the order page's "Beri
ulasan" and the same pipeline as product photos (core.images: checked and
re-encoded, random keys, the same limits and messages); a refused photo
refuses the whole review and keeps no file. Shown as small thumbnails on
the product page and the admin's list; /media serves them only while their
review is shown (an admin still sees a hidden one's). The report page of a
review the public cannot see is not found, as its product page would be."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductStatus, Review, ReviewPhoto
from marketplace.catalog.photos import REVIEW_PHOTO_FOLDER, saving
from marketplace.core import images
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from marketplace.orders import reviews
from marketplace.orders.models import Order
from tests import factories
from tests.orders.flows import bought
from tests.orders.helpers import count, variant
from tests.security import files

pytestmark = pytest.mark.usefixtures("app_context")
KEY = re.compile(rf"{REVIEW_PHOTO_FOLDER}/[0-9a-f]{{32}}\.webp")


def product_url(product: Product) -> str:
    return f"/produk/{product.id}-{product.slug}"


def stored(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def post_review(client, order: Order, *photos: tuple[bytes, str], rating: str = "5"):
    line = order.parts[0].lines[0]
    data = {
        "rating": rating,
        "text": "Renyah, fotonya di bawah",
        "photos": [(io.BytesIO(data), name) for data, name in photos],
    }
    return client.post(
        f"/pesanan/{order.code}/ulasan/{line.id}",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.fixture
def order(client, login_as) -> Order:
    """A completed order of a getuk, its buyer logged in."""
    sold = variant()
    sold.product.name = "Getuk Goreng Original"
    db.session.commit()
    done = bought(sold, done=None)
    login_as(done.buyer)
    return done


def test_the_buyer_attaches_photos_and_they_show_under_the_review(app, client, order):
    page = client.get(f"/pesanan/{order.code}").text
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    response = post_review(
        client, order, (files.picture("JPEG", (400, 200)), "a.jpg"), (files.picture("PNG"), "b.png")
    )
    assert "Terima kasih! Ulasan Anda sudah tampil" in response.text
    review = db.session.scalars(select(Review)).one()
    photos = review.photos
    assert [(p.position, p.width, p.height) for p in photos] == [(0, 400, 200), (1, 64, 48)]
    assert all(KEY.fullmatch(photo.key) for photo in photos)
    assert stored(app) == sorted(Path(app.config["UPLOAD_DIR"]) / p.key for p in photos)

    client.get("/akun/keluar")
    product = db.session.get(Product, review.product_id)
    page = client.get(product_url(product)).text
    first = photos[0]
    thumb = re.search(rf'<img src="/media/{first.key}/320\.jpg"[^>]*>', page)
    assert thumb is not None, page
    tag = thumb.group(0)
    assert 'loading="lazy"' in tag and 'width="400" height="200"' in tag
    assert 'class="review-photo"' in tag
    assert f'alt="Foto ulasan 1 dari {review.buyer_name} untuk Getuk Goreng Original"' in tag
    assert f'href="/media/{first.key}"' in page
    for address in (first.key, f"{first.key}/160.webp", f"{first.key}/320.jpg"):
        served = client.get(f"/media/{address}")
        assert served.status_code == 200, address
        assert "immutable" not in served.headers["Cache-Control"]
        assert "public" in served.headers["Cache-Control"]


def test_the_order_page_shows_the_buyer_their_photos(client, order):
    post_review(client, order, (files.picture(), "a.jpg"))
    (photo,) = db.session.scalars(select(ReviewPhoto)).all()
    assert f"/media/{photo.key}/320.jpg" in client.get(f"/pesanan/{order.code}").text


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([(files.picture(), f"{n}.jpg") for n in range(4)], "Paling banyak 3 foto per ulasan."),
        (
            [(files.picture(), "a.jpg"), (files.HTML_PAYLOAD, "b.jpg")],
            f"Foto ke-2: {images.NOT_A_PICTURE}",
        ),
        ([(b"\xff" * (images.MAX_BYTES + 1), "besar.jpg")], images.TOO_BIG),
        ([(files.png_bomb(), "bom.png")], images.TOO_MANY_PIXELS),
        ([(files.svg_with_script(), "../../etc/passwd.png")], images.NOT_A_PICTURE),
    ],
    ids=["four photos", "second not a picture", "too big", "pixel bomb", "hostile name"],
)
def test_a_refused_photo_refuses_the_review_and_keeps_nothing(app, client, order, photos, message):
    response = post_review(client, order, *photos)
    assert response.status_code == 200
    assert message in response.text
    assert count(Review) == count(ReviewPhoto) == 0
    assert stored(app) == []
    product = db.session.get(Product, order.parts[0].lines[0].product_id)
    db.session.refresh(product)
    assert product.rating_count == 0
    assert "Beri ulasan" in response.text  # the form is still there to try again


def test_a_hostile_file_name_is_never_used(app, client, order):
    post_review(client, order, (files.picture(), "../../etc/passwd"))
    (photo,) = db.session.scalars(select(ReviewPhoto)).all()
    assert KEY.fullmatch(photo.key) and "passwd" not in photo.key
    assert stored(app) == [Path(app.config["UPLOAD_DIR"]) / photo.key]


def test_a_failed_step_deletes_the_files_it_saved(tmp_path):
    store = LocalStorage(tmp_path)
    with pytest.raises(RuntimeError), saving(store, folder=REVIEW_PHOTO_FOLDER) as save:
        key = save(b"pixels", ".webp")
        assert (tmp_path / key).is_file()
        raise RuntimeError("flush failed")
    assert list(tmp_path.rglob("*.webp")) == []


def test_a_duplicate_review_with_photos_keeps_no_file(app, client, order):
    post_review(client, order, (files.picture(), "a.jpg"))
    first = stored(app)
    again = post_review(client, order, (files.picture(), "b.jpg"))
    assert "sudah Anda ulas" in again.text
    assert stored(app) == first and count(ReviewPhoto) == 1


def test_a_hidden_review_hides_its_photos_from_all_but_admins(app, client, login_as, order):
    post_review(client, order, (files.picture(), "a.jpg"))
    review = db.session.scalars(select(Review)).one()
    key = review.photos[0].key
    admin = factories.UserFactory(roles=[Role.ADMIN])
    reviews.hide_review(review=review, by=admin, reason="Foto tidak pantas")
    db.session.commit()
    for who in (None, order.buyer, factories.UserFactory(roles=[Role.SHOPPER])):
        client.get("/akun/keluar")
        if who is not None:
            login_as(who)
        for address in (key, f"{key}/160.webp", f"{key}/320.jpg"):
            assert client.get(f"/media/{address}").status_code == 404, (who, address)
    login_as(admin)
    shown_to_admin = client.get(f"/media/{key}/320.jpg")
    assert shown_to_admin.status_code == 200
    assert "no-store" in shown_to_admin.headers["Cache-Control"]
    assert "public" not in shown_to_admin.headers["Cache-Control"]
    listed = client.get("/pengurus/ulasan?tampil=tersembunyi").text
    assert f"/media/{key}/320.jpg" in listed and "Foto ulasan 1 dari" in listed

    reviews.unhide_review(review=db.session.get(Review, review.id), by=admin)
    db.session.commit()
    client.get("/akun/keluar")
    assert client.get(f"/media/{key}/160.webp").status_code == 200


def test_the_admin_sees_the_photos_of_a_reported_review(client, login_as, order):
    post_review(client, order, (files.picture(), "a.jpg"))
    review = db.session.scalars(select(Review)).one()
    login_as(factories.UserFactory(roles=[Role.SHOPPER]))
    client.post(f"/ulasan/{review.id}/laporkan", data={"reason": "Foto orang lain"})
    login_as(factories.UserFactory(roles=[Role.ADMIN]))
    listed = client.get("/pengurus/ulasan").text
    assert f"/media/{review.photos[0].key}/320.jpg" in listed and "1 laporan" in listed


def test_a_media_key_no_review_holds_is_not_found(app, client):
    key = LocalStorage(app.config["UPLOAD_DIR"]).save(
        images.process_image(files.picture()).large, folder=REVIEW_PHOTO_FOLDER, suffix=".webp"
    )
    assert client.get(f"/media/{key}").status_code == 404
    assert client.get(f"/media/{key}/160.webp").status_code == 404


def hide(review: Review) -> None:
    reviews.hide_review(review=review, by=factories.UserFactory(), reason="Kasar")


def draft(review: Review) -> None:
    review.product.status = ProductStatus.DRAFT


def archive(review: Review) -> None:
    review.product.status = ProductStatus.ARCHIVED


def suspend(review: Review) -> None:
    review.product.member.status = MemberStatus.SUSPENDED


@pytest.mark.parametrize("change", [hide, draft, archive, suspend])
def test_the_report_page_of_a_review_the_public_cannot_see_is_not_found(
    client, login_as, order, change
):
    post_review(client, order, (files.picture(), "a.jpg"))
    review = db.session.scalars(select(Review)).one()
    key = review.photos[0].key
    login_as(factories.UserFactory(roles=[Role.SHOPPER]))
    assert client.get(f"/ulasan/{review.id}/laporkan").status_code == 200
    change(review)
    db.session.commit()
    assert client.get(product_url(review.product)).status_code == 404 or change is hide
    assert client.get(f"/ulasan/{review.id}/laporkan").status_code == 404
    assert client.post(f"/ulasan/{review.id}/laporkan", data={"reason": "x"}).status_code == 404
    assert client.get(f"/media/{key}/160.webp").status_code == 404


def test_the_product_page_loads_the_photos_of_its_reviews_in_one_query(app, client):
    from tests.sql import recorded_statements

    def shown_reviews(how_many: int, with_photos: bool) -> int:
        sold = variant(stock=20)
        for _ in range(how_many):
            done = bought(sold, done=None)
            reviews.write_review(
                line=done.parts[0].lines[0],
                buyer=done.buyer,
                rating=5,
                text="Enak",
                uploads=[files.picture()] * (3 if with_photos else 0),
                store=LocalStorage(app.config["UPLOAD_DIR"]),
            )
        db.session.commit()
        url = product_url(sold.product)
        db.session.remove()
        with recorded_statements() as statements:
            page = client.get(url)
        assert page.status_code == 200
        assert page.text.count('class="review-photo"') == (3 * min(how_many, 10)) * with_photos
        return len(statements)

    none = shown_reviews(0, False)
    costs = {shown_reviews(n, photos) for n in (1, 12) for photos in (False, True)}
    # one for the latest reviews and one for all their photos, once there are some
    assert costs == {none + 2}
