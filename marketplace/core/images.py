"""Uploaded pictures: checked, decoded and re-encoded with Pillow, so what we
store is only pixels we wrote ourselves (no EXIF, no GPS, no ICC profile, no
comment, nothing appended after the picture).

`process_image(data)` is the one door for photos, logos, banners and
certificate scans that are images. What a file is comes from its content as
Pillow decodes it, never from its name or the Content-Type the browser sent;
the stored name is random (`core.storage`), so the sent name is never used.

Limits, checked before any pixel is decoded:
- MAX_BYTES of file;
- MAX_PIXELS of picture, read from the header: a few kilobytes of PNG can
  claim 100,000 x 100,000 pixels (a decompression bomb). Pillow's own guard
  (`Image.MAX_IMAGE_PIXELS`, about 89 million) warns above it and raises
  above twice it; both are caught, and ours is lower, so a bomb is refused
  whether Pillow's warning is an error (as under pytest) or not.

`render_variant(data, width, kind)` makes the smaller copies pages send to
phones (core.variants): the same decoding, so a stored file is trusted no
more than an upload, then one width in WebP or JPEG."""

import io
from dataclasses import dataclass

from PIL import ExifTags, Image

from marketplace.core.errors import DomainError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 8,000 x 5,000: more than any phone camera
THUMB_SIZE = 320
LARGE_SIZE = 1280
WEBP_QUALITY = 82
# Variants are what a phone downloads on every visit; the stored copy above
# stays the better one, as their source. JPEG is the fallback for browsers
# without WebP.
VARIANT_WEBP_QUALITY = 75
VARIANT_JPEG_QUALITY = 80
VARIANT_BACKGROUND = (255, 255, 255)  # JPEG has no transparency: a logo sits on white

TOO_BIG = f"Foto terlalu besar; maksimal {MAX_BYTES // (1024 * 1024)} MB."
TOO_MANY_PIXELS = (
    f"Ukuran foto terlalu besar (lebih dari {MAX_PIXELS // 1_000_000} juta piksel). "
    "Perkecil fotonya lalu unggah lagi."
)
NOT_A_PICTURE = "Berkas ini bukan foto JPEG, PNG, atau WebP. Pilih foto lain."
UNREADABLE = "Foto rusak atau tidak bisa dibaca. Coba simpan ulang fotonya lalu unggah lagi."
EMPTY = "Berkas yang diunggah kosong."

# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageRejected(DomainError):
    """The upload is not a picture we accept."""


class NotAPicture(ImageRejected):
    """The content is not a JPEG, PNG or WebP at all (SVG, GIF, HTML, PDF...)."""


@dataclass(frozen=True)
class ProcessedImage:
    thumb: bytes
    large: bytes
    suffix: str = ".webp"
    # The large size's pixels, for a page to reserve the picture's box.
    width: int = 0
    height: int = 0


def _decode(data: bytes) -> Image.Image:
    """The first frame of the picture in `data`, upright, at most LARGE_SIZE
    on its longer side, as plain RGB or RGBA pixels with no metadata; or
    ImageRejected."""
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            width, height = probe.size
            if width < 1 or height < 1:
                raise ImageRejected(UNREADABLE)
            if width * height > MAX_PIXELS:
                raise ImageRejected(TOO_MANY_PIXELS)
            probe.seek(0)  # an animated PNG or WebP: its first frame only
            orientation = probe.getexif().get(ExifTags.Base.Orientation)
            # Decodes (a JPEG at 1/2, 1/4 or 1/8 scale when that is enough)
            # and shrinks in place, so a big photo is held in full only once.
            probe.thumbnail((LARGE_SIZE, LARGE_SIZE), Image.Resampling.LANCZOS)
            mode = "RGBA" if probe.has_transparency_data else "RGB"
            pixels = probe.convert(mode)
        if orientation in UPRIGHT:
            pixels = pixels.transpose(UPRIGHT[orientation])
    except ImageRejected:
        raise
    except Image.UnidentifiedImageError as error:
        raise NotAPicture(NOT_A_PICTURE) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(TOO_MANY_PIXELS) from error
    except Exception as error:  # hostile input may break a decoder anywhere
        raise ImageRejected(UNREADABLE) from error
    # A fresh image holds pixels only: whatever `info` the file carried
    # (exif, icc_profile, xmp, comment, dpi...) stays behind.
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    return clean


def _encode(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """Check `data` is a JPEG, PNG or WebP within the limits and return it
    re-encoded as WebP in two sizes (THUMB_SIZE and LARGE_SIZE on the longer
    side, never enlarged), or raise ImageRejected with a message to show."""
    if not data:
        raise ImageRejected(EMPTY)
    if len(data) > MAX_BYTES:
        raise ImageRejected(TOO_BIG)
    image = _decode(data)  # already at most LARGE_SIZE on its longer side
    return ProcessedImage(
        thumb=_encode(image, THUMB_SIZE),
        large=_encode(image, LARGE_SIZE),
        width=image.width,
        height=image.height,
    )


def render_variant(data: bytes, width: int, kind: str) -> bytes:
    """The picture in `data` `width` pixels wide (never enlarged; the height
    follows), encoded as `kind` ("webp" or "jpg"), with no metadata; or
    ImageRejected when `data` is not a picture we accept."""
    image = _decode(data)
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if kind == "webp":
        image.save(buffer, "WEBP", quality=VARIANT_WEBP_QUALITY, method=4)
    else:
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, VARIANT_BACKGROUND)
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(buffer, "JPEG", quality=VARIANT_JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()
