"""The upload pipeline: process_image (photos, logos, banners, scans that are
pictures) and process_scan (a picture or a PDF)."""

import io
import warnings

import pytest
from PIL import ExifTags, Image

from marketplace.core import images
from marketplace.core.images import (
    LARGE_SIZE,
    MAX_BYTES,
    THUMB_SIZE,
    ImageRejected,
    NotAPicture,
    ProcessedImage,
    process_image,
)
from marketplace.core.uploads import MAX_PDF_BYTES, ScanRejected, process_scan
from tests.security import files


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_clean(data: bytes) -> None:
    """A WebP we wrote: no EXIF (so no GPS), no ICC profile, no XMP, no comment."""
    image = opened(data)
    assert image.format == "WEBP"
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    for marker in (b"EXIF", b"Exif", b"ICCP", b"XMP ", b"komentar", b"HP Kamera"):
        assert marker not in data


# --- what is accepted -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_reencoded_as_webp_in_two_sizes(fmt):
    processed = process_image(files.picture(fmt, (2000, 1500)))
    assert isinstance(processed, ProcessedImage)
    assert processed.suffix == ".webp"
    assert opened(processed.thumb).size == (THUMB_SIZE, 240)
    assert opened(processed.large).size == (LARGE_SIZE, 960)
    assert_clean(processed.thumb)
    assert_clean(processed.large)


def test_small_pictures_are_never_enlarged():
    processed = process_image(files.picture("PNG", (100, 50)))
    assert opened(processed.thumb).size == (100, 50)
    assert opened(processed.large).size == (100, 50)


def test_exif_gps_icc_and_comment_are_gone_and_orientation_applied():
    original = files.jpeg_with_gps(size=(400, 200), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    processed = process_image(original)
    assert_clean(processed.thumb)
    assert_clean(processed.large)
    assert opened(processed.large).size == (200, 400)  # turned upright, as the phone meant


def test_transparency_is_kept():
    processed = process_image(files.picture("PNG", (40, 40), mode="RGBA"))
    assert opened(processed.large).mode == "RGBA"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_pictures_keep_their_first_frame(fmt):
    processed = process_image(files.animated(fmt))
    image = opened(processed.large)
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.convert("RGB").getpixel((20, 20))
    assert red > 200 and green < 60 and blue < 60


# --- what is refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(files.svg_with_script(), id="svg"),
        pytest.param(files.gif_with_html(), id="gif-html-polyglot"),
        pytest.param(files.picture("GIF"), id="gif"),
        pytest.param(files.picture("BMP"), id="bmp"),
        pytest.param(files.picture("TIFF"), id="tiff"),
        pytest.param(b"just text, named foto.png", id="text"),
        pytest.param(files.pdf(), id="pdf"),
        pytest.param(files.zip_archive(), id="zip"),
    ],
)
def test_other_content_is_not_a_picture(data):
    with pytest.raises(NotAPicture) as refused:
        process_image(data)
    assert refused.value.message == images.NOT_A_PICTURE


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(files.picture("JPEG", (64, 64))[:200], id="truncated-jpeg"),
        pytest.param(files.picture("PNG", (64, 64))[:-30], id="truncated-png"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, id="png-magic-only"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 64, id="jpeg-magic-only"),
        pytest.param(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64, id="webp-magic-only"),
    ],
)
def test_broken_pictures_are_refused_with_a_message(data):
    with pytest.raises(ImageRejected) as refused:
        process_image(data)
    assert refused.value.message in (images.UNREADABLE, images.NOT_A_PICTURE)


@pytest.mark.parametrize(
    "width, height",
    [
        (100_000, 100_000),  # past twice Pillow's own limit: DecompressionBombError
        (10_000, 9_500),  # past Pillow's limit: DecompressionBombWarning (an error under pytest)
        (8_000, 5_001),  # past ours only: refused before decoding
    ],
)
def test_pixel_bombs_are_refused_before_decoding(width, height):
    bomb = files.png_bomb(width, height)
    assert len(bomb) < 1000
    with pytest.raises(ImageRejected) as refused:
        process_image(bomb)
    assert refused.value.message == images.TOO_MANY_PIXELS


def test_pixel_bomb_is_refused_when_pillow_only_warns():
    """In production Pillow's DecompressionBombWarning is only a warning:
    our own limit must refuse the file all the same."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageRejected) as refused:
            process_image(files.png_bomb(10_000, 9_500))
    assert refused.value.message == images.TOO_MANY_PIXELS


def test_too_many_bytes_are_refused_before_reading(monkeypatch):
    data = files.picture("PNG")
    monkeypatch.setattr(images, "MAX_BYTES", len(data) - 1)
    with pytest.raises(ImageRejected) as refused:
        process_image(data)
    assert "terlalu besar" in refused.value.message
    assert MAX_BYTES == 8 * 1024 * 1024


def test_empty_file_is_refused():
    with pytest.raises(ImageRejected, match="kosong"):
        process_image(b"")


@pytest.mark.parametrize("polyglot", [files.jpeg_with_html(), files.png_with_zip()])
def test_polyglots_keep_only_their_pixels(polyglot):
    processed = process_image(polyglot)
    for data in (processed.thumb, processed.large):
        assert files.HTML_PAYLOAD not in data
        assert b"<script" not in data
        assert b"PK\x03\x04" not in data
        assert_clean(data)


# --- scans: a picture or a PDF ------------------------------------------------------------


def test_a_picture_scan_is_the_large_webp():
    scan = process_scan(files.jpeg_with_gps(size=(3000, 2000)))
    assert scan.suffix == ".webp"
    assert opened(scan.data).size == (LARGE_SIZE, 853)
    assert_clean(scan.data)


@pytest.mark.parametrize("pages", [1, 10])
def test_a_plain_pdf_is_kept_as_sent(pages):
    data = files.pdf(pages)
    scan = process_scan(data)
    assert (scan.suffix, scan.data) == (".pdf", data)


@pytest.mark.parametrize(
    "data, words",
    [
        pytest.param(files.pdf(javascript=True), "skrip", id="javascript"),
        pytest.param(files.pdf_with_hidden_javascript(), "skrip", id="escaped-javascript"),
        pytest.param(files.pdf(attachment=True), "lampiran", id="embedded-file"),
        pytest.param(files.pdf(password="rahasia"), "kata sandi", id="encrypted"),
        pytest.param(files.pdf(11), "maksimal 10 halaman", id="too-many-pages"),
        pytest.param(files.pdf() + files.zip_archive(), "data lain", id="zip-appended"),
        pytest.param(files.pdf() + files.HTML_PAYLOAD, "data lain", id="html-appended"),
        pytest.param(files.pdf()[:300] + b"\n%%EOF\n", "rusak", id="truncated"),
        pytest.param(b"%PDF-1.7\n" + files.HTML_PAYLOAD + b"\n%%EOF", "rusak", id="html-in-pdf"),
    ],
)
def test_hostile_or_broken_pdfs_are_refused(data, words):
    with pytest.raises(ScanRejected) as refused:
        process_scan(data)
    assert words in refused.value.message


def test_an_oversized_pdf_is_refused_before_parsing(monkeypatch):
    from marketplace.core import uploads

    data = files.pdf()
    monkeypatch.setattr(uploads, "MAX_PDF_BYTES", len(data) - 1)
    with pytest.raises(ScanRejected, match="terlalu besar"):
        process_scan(data)
    assert MAX_PDF_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize(
    "data, words",
    [
        (files.svg_with_script(), "foto (JPEG, PNG, WebP) atau berkas PDF"),
        (b"%!PS-Adobe-3.0 EPSF", "foto (JPEG, PNG, WebP) atau berkas PDF"),
        (files.png_bomb(), "piksel"),
        (b"", "kosong"),
    ],
)
def test_other_scans_are_refused_with_the_reason(data, words):
    with pytest.raises(ScanRejected) as refused:
        process_scan(data)
    assert words in refused.value.message
