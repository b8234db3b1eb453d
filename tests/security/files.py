"""Files for upload tests: good pictures and PDFs, and hostile ones. All made
here, in memory, so the tests need nothing from outside."""

import io
import struct
import zlib

from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
JS_PAYLOAD = b"<script>fetch('/akun/keluar',{method:'POST'})</script>"
# Somewhere in Banyumas: what a phone writes into a photo's EXIF.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (7.0, 25.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (109.0, 14.0, 3.0),
}


def picture(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **options
) -> bytes:
    colour = (200, 120, 40) if mode == "RGB" else (200, 120, 40, 128)
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (400, 200), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HP Kamera"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(
        buffer, "JPEG", exif=exif, icc_profile=b"ICC-PROFIL" * 20, comment=b"komentar rahasia"
    )
    return buffer.getvalue()


def animated(fmt: str = "PNG") -> bytes:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims width x height
    pixels (10 billion by default: 30 GB once decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def zip_archive() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", HTML_PAYLOAD)
    return buffer.getvalue()


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
    )


def gif_with_html() -> bytes:
    """The classic GIFAR-style polyglot: a GIF header, then HTML."""
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00" + HTML_PAYLOAD


def jpeg_with_html() -> bytes:
    """A real JPEG with HTML and script after its end marker (and in a comment)."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(buffer, "JPEG", comment=JS_PAYLOAD)
    return buffer.getvalue() + HTML_PAYLOAD


def png_with_zip() -> bytes:
    """A real PNG with a ZIP archive appended (opens in both)."""
    return picture("PNG", (32, 32)) + zip_archive()


def pdf(
    pages: int = 1,
    *,
    javascript: bool = False,
    attachment: bool = False,
    password: str | None = None,
) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('halo');"),
            }
        )
    if attachment:
        writer.add_attachment("faktur.exe", b"MZ\x90\x00 bukan faktur")
    if password:
        writer.encrypt(password, algorithm="RC4-40")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_hidden_javascript() -> bytes:
    """JavaScript whose names are written with #xx escapes, which a plain
    byte search misses and a PDF reader decodes."""
    return pdf().replace(
        b"/Type /Catalog",
        b"/Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>",
    )
