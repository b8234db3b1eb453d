"""Responsive copies of public pictures: the same photo in a few widths, as
WebP and as JPEG, so a phone on a mobile connection downloads a 480 px card
picture rather than the 1280 px original.

A variant's address is its source's /media address plus its width and kind,
`/media/products/<name>.webp/480.jpg`, and it is made on its first request,
then kept on disk next to the uploads (`variants/<key>/480.jpg`) and served
from there. Why made on request rather than at upload time:
- one door for every picture already stored (product photos, shop logos and
  banners, the demo's photos) without a migration, a backfill command or a
  second list of keys per photo to keep in step; a new width is a change to
  WIDTHS, not a rewrite of every stored photo;
- the cost is bounded: only the WIDTHS and KINDS below, of a key that exists
  in a public folder, so nobody can make the server render arbitrary sizes;
  at most len(WIDTHS) * len(KINDS) files per picture, each made once;
- addresses never change (keys are random names and never rewritten), so
  browsers keep a variant for a year, as the original.
The source is decoded as an upload is (core.images), so a stored file is
trusted no more than a new one. Deleting a key (core.storage) deletes its
variants; and a variant is served only while its source exists, so one made
by a request racing the delete is unreachable."""

import os
import re
import secrets
from pathlib import Path

from marketplace.core.images import ImageRejected, render_variant
from marketplace.core.storage import KEY, LocalStorage

WIDTHS = (160, 320, 480, 640, 960, 1280)
KINDS = {"webp": "image/webp", "jpg": "image/jpeg"}
VARIANT = re.compile(
    rf"(?P<key>{KEY.pattern})/(?P<width>[1-9][0-9]{{0,3}})\.(?P<kind>{'|'.join(KINDS)})"
)


def parse(address: str) -> tuple[str, int, str] | None:
    """(key, width, kind) when `address` (what follows /media/) names a
    variant we make, else None."""
    match = VARIANT.fullmatch(address)
    if match is None or int(match["width"]) not in WIDTHS:
        return None
    return match["key"], int(match["width"]), match["kind"]


def srcset(base: str, kind: str, widths: tuple[int, ...] = WIDTHS) -> str:
    """The `srcset` of the picture at /media address `base`: one variant
    per width, `/media/k/320.webp 320w, ...`."""
    return ", ".join(f"{base}/{width}.{kind} {width}w" for width in widths)


def variant_path(store: LocalStorage, key: str, width: int, kind: str) -> Path | None:
    """Where the variant is kept once made."""
    return store.path(f"{store.VARIANTS}/{key}/{width}.{kind}")


def variant_file(store: LocalStorage, key: str, width: int, kind: str) -> Path | None:
    """The file of the variant, made now if it is not there yet; None when
    the source is gone or is not a picture."""
    source = store.path(key)
    if source is None or not source.is_file():
        return None
    path = variant_path(store, key, width, kind)
    if path is None:
        return None
    if not path.is_file():
        try:
            data = render_variant(source.read_bytes(), width, kind)
        except (ImageRejected, OSError):
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        # Two requests may make the same variant at once: each writes its
        # own file and the rename makes one of them whole.
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return path
