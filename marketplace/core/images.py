"""Uploaded pictures: checked, decoded and re-encoded with Pillow, so what we
store is only pixels we wrote ourselves (no EXIF, no GPS, no hidden payload).

`process_image(data)` is the one door for photos, logos, banners and
certificate scans that are images."""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from marketplace.core.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = 320
LARGE_SIZE = 1280


class ImageRejected(DomainError):
    """The upload is not a picture we accept."""


@dataclass(frozen=True)
class ProcessedImage:
    thumb: bytes
    large: bytes
    suffix: str = ".webp"


def _encode(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "WEBP", quality=82, method=4)
    return buffer.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """Check `data` is a JPEG, PNG or WebP within the limits and return it
    re-encoded as WebP in two sizes, or raise ImageRejected."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"Foto terlalu besar; maksimal {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("Foto harus berformat JPEG, PNG, atau WebP.")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("Ukuran foto (jumlah piksel) terlalu besar.")
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except ImageRejected:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise ImageRejected("Berkas ini bukan foto yang bisa dibaca.") from error
    return ProcessedImage(thumb=_encode(image, THUMB_SIZE), large=_encode(image, LARGE_SIZE))
