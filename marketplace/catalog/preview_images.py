"""The pictures of link previews (og:image): a 1200×630 JPEG under 300 KB,
as WhatsApp, Facebook, Telegram and X want it, drawn with Pillow on the
shop's green: a product's cover photo with its name, price, shop and
kecamatan; a shop's logo (on its banner); the site's card for lists.

A card is drawn once per `Card.version`, a digest of everything drawn on
it (and of DESIGN), and kept in storage under that version: a changed
price, name or photo is a new version, so a new address that no chat app
has cached the old picture under."""

import hashlib
import io
import os
import tempfile
from dataclasses import astuple, dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from marketplace.core.storage import LocalStorage

WIDTH, HEIGHT = 1200, 630
MAX_BYTES = 300 * 1024
DESIGN = "2"  # bump when the drawing changes: every card gets a new address
FOLDER = "pratinjau"
GREEN = (25, 135, 84)  # Bootstrap's success green, the navbar's
DARK_GREEN = (15, 81, 50)
YELLOW = (255, 193, 7)
WHITE = (255, 255, 255)
PALE = (209, 231, 221)
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 48
PHOTO = HEIGHT - 2 * MARGIN  # the square photo or logo on the left
QUALITIES = (85, 75, 65, 55)
PRICE_SIZES = (60, 52, 44, 38, 32)  # a price range is long: the largest that fits
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Card:
    """What a preview shows. `photo_key` is a stored picture (a product's
    cover, a shop's logo) drawn square on the left; `banner_key` a shop's
    banner behind everything, darkened."""

    title: str
    price: str = ""
    lines: tuple[str, ...] = ()
    photo_key: str | None = None
    banner_key: str | None = None
    footer: str = ""

    @property
    def version(self) -> str:
        digest = hashlib.sha256("\x1f".join(map(str, (DESIGN, *astuple(self)))).encode())
        return digest.hexdigest()[:16]


@cache
def _font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans (fonts-dejavu-core); Pillow's own font where it is missing."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_FOLDER / name), size)
    except OSError:
        return ImageFont.load_default(size)


def _wrap(text: str, font: Font, width: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of at most `width` pixels; what does
    not fit is cut with `…`."""
    words = text.split()
    result: list[str] = []
    while words and len(result) < lines:
        line = words.pop(0)
        while words and font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        result.append(line)
    last = len(result) - 1
    return [_fit(line, font, width, cut=bool(words) and n == last) for n, line in enumerate(result)]


def _fit(line: str, font: Font, width: int, *, cut: bool) -> str:
    """`line`, or as much of it as fits with `…` (a word wider than the card)."""
    if not cut and font.getlength(line) <= width:
        return line
    while line and font.getlength(f"{line}…") > width:
        line = line[:-1]
    return f"{line.rstrip()}…"


def _cover(picture: Image.Image, width: int, height: int) -> Image.Image:
    """`picture` scaled and cropped to fill width×height (CSS object-fit: cover)."""
    scale = max(width / picture.width, height / picture.height)
    size = (max(width, round(picture.width * scale)), max(height, round(picture.height * scale)))
    scaled = picture.resize(size, Image.Resampling.LANCZOS)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return scaled.crop((left, top, left + width, top + height))


def _open(store: LocalStorage, key: str | None) -> Image.Image | None:
    """A stored picture as RGB (on white where it was transparent), or None
    when there is none or it cannot be read: the card is drawn without it."""
    path = store.path(key) if key else None
    if path is None or not path.is_file():
        return None
    try:
        with Image.open(path) as picture:
            picture.draft("RGB", (WIDTH, HEIGHT))
            rgba = picture.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    flat = Image.new("RGB", rgba.size, WHITE)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def draw(card: Card, store: LocalStorage) -> bytes:
    """The card as a JPEG of WIDTH×HEIGHT under MAX_BYTES."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), GREEN)
    banner = _open(store, card.banner_key)
    if banner is not None:
        shade = Image.new("RGB", (WIDTH, HEIGHT), DARK_GREEN)
        canvas = Image.blend(_cover(banner, WIDTH, HEIGHT), shade, 0.6)
    pen = ImageDraw.Draw(canvas)
    photo = _open(store, card.photo_key)
    left = MARGIN
    if photo is not None:
        pen.rectangle((MARGIN - 6, MARGIN - 6, MARGIN + PHOTO + 5, MARGIN + PHOTO + 5), fill=WHITE)
        canvas.paste(_cover(photo, PHOTO, PHOTO), (MARGIN, MARGIN))
        left = MARGIN + PHOTO + MARGIN
    width = WIDTH - left - MARGIN
    _draw_text(pen, card, left=left, width=width)
    return _jpeg(canvas)


def _draw_text(pen: ImageDraw.ImageDraw, card: Card, *, left: int, width: int) -> None:
    brand = _font(30, bold=True)
    pen.text((left, MARGIN), "Pasar Aspikmas", font=brand, fill=YELLOW)
    pen.rectangle((left, MARGIN + 44, left + 90, MARGIN + 49), fill=YELLOW)
    y = MARGIN + 84
    title_size = (
        76 if len(card.title) <= 24 and not card.price else 58 if len(card.title) <= 40 else 48
    )
    title_font = _font(title_size, bold=True)
    for line in _wrap(card.title, title_font, width, 3):
        pen.text((left, y), line, font=title_font, fill=WHITE)
        y += round(title_size * 1.2)
    if card.price:
        y += 14
        size, price_lines = _price_lines(card.price, width)
        for line in price_lines:
            pen.text((left, y), line, font=_font(size, bold=True), fill=YELLOW)
            y += round(size * 1.25)
        y += 6
    y += 10 if card.price else 24
    body = _font(30)
    for text in card.lines:
        for line in _wrap(text, body, width, 2):
            if y > HEIGHT - MARGIN - 80:
                break
            pen.text((left, y), line, font=body, fill=WHITE)
            y += 40
    if card.footer:
        small = _font(24)
        footer = _wrap(card.footer, small, width, 1)
        pen.text((left, HEIGHT - MARGIN - 28), footer[0] if footer else "", font=small, fill=PALE)


def _price_lines(price: str, width: int) -> tuple[int, list[str]]:
    """The price in the largest bold size that fits `width`: on one line,
    else a range on two (`Rp155.000 –` / `Rp1.650.000`)."""
    low, dash, high = price.partition(" – ")
    for lines in ([price], [f"{low}{dash}".rstrip(), high] if dash else [price]):
        for size in PRICE_SIZES:
            font = _font(size, bold=True)
            if all(font.getlength(line) <= width for line in lines):
                return size, lines
    font = _font(PRICE_SIZES[-1], bold=True)
    return PRICE_SIZES[-1], [_fit(line, font, width, cut=False) for line in lines]


def _jpeg(canvas: Image.Image) -> bytes:
    """Baseline JPEG (every chat app reads it), the best quality under MAX_BYTES."""
    data = b""
    for quality in QUALITIES:
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=quality, optimize=True)
        data = buffer.getvalue()
        if len(data) <= MAX_BYTES:
            break
    return data


def stored(card: Card, *, kind: str, ident: str, store: LocalStorage) -> Path:
    """The card's file, drawn now if this version was never drawn; the
    versions it replaces are removed."""
    folder = f"{FOLDER}/{kind}/{ident}"
    key = f"{folder}/{card.version}.jpg"
    path = store.path(key)
    if path is None:
        raise ValueError(f"no file for {key!r}")
    if path.is_file():
        return path
    data = draw(card, store)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Another worker may draw the same card at once: each writes its own
    # file and renames it into place, so a reader never sees half a picture.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(temporary, path)
    _remove_old(path, keep=path.name)
    return path


def _remove_old(path: Path, *, keep: str) -> None:
    for old in path.parent.glob("*.jpg"):
        if old.name != keep:
            old.unlink(missing_ok=True)
