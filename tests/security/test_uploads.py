"""The upload attack set. Each hostile file is refused with a clear message
in Indonesian, or neutralised (re-encoded: only its pixels are kept), and
never answered with a 500; a refused upload leaves nothing behind: no row
in the database and no file in UPLOAD_DIR. Every attack goes through
`process_image` directly and through each upload route as a logged-in
approved member: the certificate scan (catalog.certificates.create) and,
when present, the product photos (catalog.manage.add_photos)."""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.catalog.models import Certificate, ProductImage, Review, ReviewPhoto
from marketplace.core import images
from marketplace.core.images import ImageRejected, process_image
from marketplace.extensions import db
from tests import factories
from tests.security import files

RANDOM_KEY = re.compile(r"[a-z]+/[0-9a-f]{32}\.(webp|pdf)")
NOT_A_PICTURE = "not a picture"
TOO_MANY_PIXELS = "too many pixels"


@dataclass(frozen=True)
class Attack:
    data: bytes
    filename: str
    content_type: str
    refusal: str | None  # None: accepted, and neutralised


ATTACKS = {
    "polyglot GIF+HTML": Attack(files.gif_with_html(), "foto.gif", "image/gif", NOT_A_PICTURE),
    "polyglot JPEG+HTML": Attack(files.jpeg_with_html(), "foto.jpg", "image/jpeg", None),
    "polyglot PNG+ZIP": Attack(files.png_with_zip(), "foto.png", "image/png", None),
    "SVG with script": Attack(files.svg_with_script(), "logo.svg", "image/svg+xml", NOT_A_PICTURE),
    "SVG named .png": Attack(files.svg_with_script(), "logo.png", "image/png", NOT_A_PICTURE),
    "JPEG with EXIF GPS": Attack(files.jpeg_with_gps(), "IMG_2024.jpg", "image/jpeg", None),
    "PNG pixel bomb": Attack(files.png_bomb(), "bom.png", "image/png", TOO_MANY_PIXELS),
    "name ../../etc/passwd": Attack(files.picture("JPEG"), "../../etc/passwd", "image/jpeg", None),
    "name ..\\..\\win.ini": Attack(files.picture("JPEG"), "..\\..\\win.ini", "image/jpeg", None),
    "name /etc/passwd": Attack(files.picture("PNG"), "/etc/passwd", "image/png", None),
    "name foto.php.jpg": Attack(files.picture("PNG"), "shell.php.jpg", "image/jpeg", None),
    "text declared image/png": Attack(
        b"<?php system($_GET['c']); ?>", "foto.png", "image/png", NOT_A_PICTURE
    ),
    "PNG declared text/plain": Attack(files.picture("PNG"), "catatan.txt", "text/plain", None),
    "HTML declared image/jpeg": Attack(files.HTML_PAYLOAD, "foto.jpg", "image/jpeg", NOT_A_PICTURE),
}


# --- process_image, directly ---------------------------------------------------------------


@pytest.mark.parametrize("attack", list(ATTACKS.values()), ids=list(ATTACKS))
def test_process_image_refuses_or_neutralises(attack):
    if attack.refusal is not None:
        with pytest.raises(ImageRejected) as refused:
            process_image(attack.data)
        expected = (
            images.NOT_A_PICTURE if attack.refusal == NOT_A_PICTURE else images.TOO_MANY_PIXELS
        )
        assert refused.value.message == expected
        return
    processed = process_image(attack.data)
    for data in (processed.thumb, processed.large):
        assert_only_pixels(data)


def assert_only_pixels(data: bytes) -> None:
    """A WebP we wrote, with nothing of the upload but its pixels."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "WEBP"
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    for payload in (
        files.HTML_PAYLOAD,
        b"<script",
        b"<html",
        b"PK\x03\x04",
        b"komentar",
        b"HP Kamera",
    ):
        assert payload not in data


# --- through the upload routes -----------------------------------------------------------------


@dataclass
class Route:
    """One upload route, seen from outside: how to post a file, which rows an
    accepted upload made, what it says when it refuses."""

    name: str
    post: Callable  # (client, file tuple) -> response, redirects followed
    stored_keys: Callable[[], list[str]]  # keys of the files the new rows point to
    messages: dict[str, str]


def certificate_route(member) -> Route:
    def post(client, upload):
        data = {
            "kind": "pirt",
            "product_id": "",
            "number": "P-IRT 2063302010123",
            "issuer": "Dinas Kesehatan Kabupaten Banyumas",
            "expires_on": "",
            "scan": upload,
        }
        return client.post("/kelola/sertifikat/baru", data=data, follow_redirects=True)

    return Route(
        name="sertifikat",
        post=post,
        stored_keys=lambda: list(db.session.scalars(db.select(Certificate.scan_key))),
        messages={
            NOT_A_PICTURE: "Pindaian harus berupa foto (JPEG, PNG, WebP) atau berkas PDF.",
            TOO_MANY_PIXELS: images.TOO_MANY_PIXELS,
        },
    )


def photo_route(member) -> Route:
    product = factories.ProductFactory(member=member, name="Mendoan Beku")
    db.session.commit()
    product_id = product.id

    def post(client, upload):
        return client.post(
            f"/kelola/produk/{product_id}/foto", data={"photos": upload}, follow_redirects=True
        )

    def stored_keys():
        rows = db.session.execute(db.select(ProductImage.thumb_key, ProductImage.large_key))
        return [key for row in rows for key in row]

    return Route(
        name="foto produk",
        post=post,
        stored_keys=stored_keys,
        messages={NOT_A_PICTURE: images.NOT_A_PICTURE, TOO_MANY_PIXELS: images.TOO_MANY_PIXELS},
    )


def review_photo_route(member) -> Route:
    """A shopper's review of the member's product, with one photo: a refused
    photo refuses the review too."""
    from tests.orders.flows import bought

    product = factories.ProductFactory(member=member, name="Mendoan Beku")
    db.session.commit()
    order = bought(product.variants[0], done=None)
    line_id, buyer = order.parts[0].lines[0].id, order.buyer

    def post(client, upload):
        factories.log_in(client, buyer)
        data = {"rating": "5", "text": "Gurih", "photos": upload}
        return client.post(
            f"/pesanan/{order.code}/ulasan/{line_id}", data=data, follow_redirects=True
        )

    def stored_keys():
        keys = list(db.session.scalars(db.select(ReviewPhoto.key)))
        assert bool(keys) == bool(db.session.scalar(db.select(db.func.count(Review.id))))
        return keys

    return Route(
        name="foto ulasan",
        post=post,
        stored_keys=stored_keys,
        messages={NOT_A_PICTURE: images.NOT_A_PICTURE, TOO_MANY_PIXELS: images.TOO_MANY_PIXELS},
    )


ROUTES = {
    "sertifikat": certificate_route,
    "foto produk": photo_route,
    "foto ulasan": review_photo_route,
}


@pytest.fixture(params=list(ROUTES))
def route(request, app, client, login_as):
    if request.param == "foto produk" and "catalog.manage.add_photos" not in app.view_functions:
        pytest.skip("the product photo route is not there yet")
    member = factories.MemberFactory(shop_name="Mendoan Bu Darsi")
    db.session.commit()
    login_as(member.user)
    return ROUTES[request.param](member)


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("attack", list(ATTACKS.values()), ids=list(ATTACKS))
def test_upload_route_refuses_or_neutralises(app, client, tmp_path, route, attack):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    before = set(files_in(tmp_path))

    response = route.post(client, (io.BytesIO(attack.data), attack.filename, attack.content_type))

    assert response.status_code == 200, response.status_code
    db.session.expire_all()
    keys = route.stored_keys()
    if attack.refusal is not None:
        assert route.messages[attack.refusal] in response.text
        assert keys == []  # no row
        assert files_in(upload_dir) == []  # no file
        assert set(files_in(tmp_path)) == before  # nothing anywhere else either
        return
    assert keys, "the upload was accepted"
    # Stored under random names inside UPLOAD_DIR, and nowhere else.
    assert all(RANDOM_KEY.fullmatch(key) for key in keys), keys
    assert files_in(upload_dir) == sorted(upload_dir / key for key in keys)
    assert set(files_in(tmp_path)) - before == {upload_dir / key for key in keys}
    assert not (tmp_path / "etc").exists() and not (upload_dir.parent / "etc").exists()
    name_words = re.findall(r"[a-z]{3,}", attack.filename.lower())
    for key in keys:
        assert not any(word in key for word in name_words if word not in ("webp", "pdf"))
        assert_only_pixels((upload_dir / key).read_bytes())


@pytest.mark.parametrize("csrf", [False, True])
def test_an_oversize_body_gets_the_friendly_413_page(make_app, csrf):
    """30 MB against MAX_CONTENT_LENGTH (16 MB): refused from the declared
    length, before the body is read or anything is stored."""
    app = make_app(WTF_CSRF_ENABLED=csrf)
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    with app.app_context():
        member = factories.MemberFactory()
        product = factories.ProductFactory(member=member)
        db.session.commit()
        client = app.test_client()
        factories.log_in(client, member.user)
        thirty_mb = files.picture("JPEG") + b"\0" * (30 * 1024 * 1024)
        targets = {"/kelola/sertifikat/baru": "scan"}
        if "catalog.manage.add_photos" in app.view_functions:
            targets[f"/kelola/produk/{product.id}/foto"] = "photos"
        for url, field in targets.items():
            # Encoded here into bytes: the test client would spool 30 MB to a
            # temporary file that it never closes when the body is not read.
            upload = FileStorage(
                io.BytesIO(thirty_mb), filename="besar.jpg", content_type="image/jpeg"
            )
            boundary, body = encode_multipart({field: upload})
            assert len(body) > 30 * 1024 * 1024
            response = client.post(
                url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
            )
            assert response.status_code == 413, url
            assert "Berkas yang dikirim terlalu besar." in response.text
            assert '<html lang="id">' in response.text
        assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
        assert db.session.scalar(db.select(db.func.count(ProductImage.id))) == 0
        assert files_in(Path(app.config["UPLOAD_DIR"])) == []


# --- scans that are PDFs: the certificate route only ---------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(files.pdf(javascript=True), "berisi skrip", id="pdf-javascript"),
        pytest.param(files.pdf_with_hidden_javascript(), "berisi skrip", id="pdf-escaped-js"),
        pytest.param(files.pdf(attachment=True), "lampiran berkas", id="pdf-embedded-file"),
        pytest.param(files.pdf(password="x"), "dikunci kata sandi", id="pdf-encrypted"),
        pytest.param(files.pdf() + files.zip_archive(), "data lain", id="pdf+zip"),
        pytest.param(b"%PDF-1.4\n" + files.HTML_PAYLOAD + b"\n%%EOF\n", "rusak", id="pdf-html"),
        pytest.param(files.pdf(11), "maksimal 10 halaman", id="pdf-11-pages"),
    ],
)
def test_hostile_pdf_scans_are_refused(app, client, login_as, data, message):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    route = certificate_route(member)
    response = route.post(client, (io.BytesIO(data), "sertifikat.pdf", "application/pdf"))
    assert response.status_code == 200
    assert message in response.text
    assert route.stored_keys() == []
    assert files_in(Path(app.config["UPLOAD_DIR"])) == []


def test_a_pdf_declared_as_an_image_is_judged_by_content(app, client, login_as):
    member = factories.MemberFactory()
    db.session.commit()
    login_as(member.user)
    route = certificate_route(member)
    route.post(client, (io.BytesIO(files.pdf()), "foto.jpg", "image/jpeg"))
    [key] = route.stored_keys()
    assert RANDOM_KEY.fullmatch(key) and key.endswith(".pdf")
