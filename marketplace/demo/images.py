"""Product photos for the demo, drawn with Pillow: a coloured background, a
simple shape for the kind of product, and a label with its name and shop.
Each is encoded twice, as JPEG (fast to encode, small enough): a 320 px
thumbnail for cards and a 960 px image for the product page."""

import io
import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

LARGE = 960
THUMB = 320
JPEG_QUALITY = 82

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = True) -> Font:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return ImageFont.load_default(size=size)  # Pillow's own font, always there


def _rgb(hex_colour: str) -> Colour:
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(colour: Colour, other: Colour, amount: float) -> Colour:
    """`colour` moved `amount` (0-1) of the way towards `other`."""
    red, green, blue = (round(a + (b - a) * amount) for a, b in zip(colour, other))
    return (red, green, blue)


WHITE: Colour = (255, 255, 255)
INK: Colour = (38, 30, 24)


def _pack(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A snack pouch with a zigzag seal and a round window."""
    x0, y0, x1, y1 = box
    draw.rounded_rectangle((x0, y0 + 30, x1, y1), radius=40, fill=fill)
    teeth = 12
    step = (x1 - x0) / teeth
    points: list[tuple[float, float]] = [(x0, y0 + 40)]
    for i in range(teeth):
        points += [(x0 + step * (i + 0.5), y0), (x0 + step * (i + 1), y0 + 40)]
    draw.polygon(points + [(x1, y0 + 80), (x0, y0 + 80)], fill=fill)
    draw.rectangle((x0, y0 + 70, x1, y0 + 100), fill=accent)
    cx, cy, r = (x0 + x1) // 2, (y0 + y1) // 2 + 40, (x1 - x0) // 4
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_mix(accent, WHITE, 0.55))
    for _ in range(7):
        dx, dy = rng.randint(-r // 2, r // 2), rng.randint(-r // 2, r // 2)
        draw.ellipse(
            (cx + dx - 22, cy + dy - 14, cx + dx + 22, cy + dy + 14), fill=_mix(accent, fill, 0.3)
        )


def _circle(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A stack of round cakes (gula cetak, nopia)."""
    x0, _y0, x1, y1 = box
    width = x1 - x0
    height = width // 3
    for level in range(3):
        top = y1 - height - level * (height * 2 // 3)
        inset = level * width // 10
        draw.ellipse(
            (x0 + inset, top, x1 - inset, top + height), fill=_mix(fill, accent, 0.45 - level * 0.1)
        )
        draw.ellipse((x0 + inset, top - 24, x1 - inset, top + height - 24), fill=fill)
        draw.ellipse(
            (x0 + inset + 40, top - 10, x1 - inset - 40, top + height - 50), outline=accent, width=6
        )


def _box(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A gift box with a ribbon and bow."""
    x0, y0, x1, y1 = box
    lid = y0 + (y1 - y0) // 4
    draw.rectangle((x0 + 20, lid, x1 - 20, y1), fill=fill)
    draw.rectangle((x0, lid - 60, x1, lid + 20), fill=_mix(fill, WHITE, 0.25))
    mid = (x0 + x1) // 2
    draw.rectangle((mid - 30, lid - 60, mid + 30, y1), fill=accent)
    draw.polygon([(mid, lid - 60), (mid - 120, lid - 160), (mid - 130, lid - 40)], fill=accent)
    draw.polygon([(mid, lid - 60), (mid + 120, lid - 160), (mid + 130, lid - 40)], fill=accent)


def _bottle(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    mid = (x0 + x1) // 2
    body = (x1 - x0) // 3
    draw.rectangle((mid - 40, y0 + 40, mid + 40, y0 + 140), fill=fill)
    draw.rectangle((mid - 50, y0, mid + 50, y0 + 50), fill=accent)
    draw.rounded_rectangle((mid - body, y0 + 120, mid + body, y1), radius=60, fill=fill)
    draw.rectangle((mid - body, y0 + 260, mid + body, y0 + 400), fill=_mix(accent, WHITE, 0.7))
    draw.ellipse((mid - 45, y0 + 285, mid + 45, y0 + 375), fill=accent)


def _jar(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    draw.rounded_rectangle((x0 + 30, y0 + 90, x1 - 30, y1), radius=70, fill=fill)
    draw.rounded_rectangle((x0 + 60, y0, x1 - 60, y0 + 110), radius=20, fill=accent)
    for i in range(5):
        x = x0 + 90 + i * (x1 - x0 - 180) // 4
        length = rng.randint(40, 110)
        draw.rounded_rectangle(
            (x - 14, y0 + 100, x + 14, y0 + 110 + length), radius=14, fill=accent
        )
    mid = (x0 + x1) // 2
    cy = (y0 + y1) // 2 + 60
    hexagon = [
        (mid + 70 * dx, cy + 60 * dy)
        for dx, dy in ((-1, 0), (-0.5, -1), (0.5, -1), (1, 0), (0.5, 1), (-0.5, 1))
    ]
    draw.polygon(hexagon, fill=_mix(fill, WHITE, 0.6), outline=accent, width=6)


def _cup(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    top = y0 + 140
    draw.ellipse((x0 - 30, y1 - 60, x1 + 30, y1 + 20), fill=_mix(fill, INK, 0.15))
    draw.polygon([(x0, top), (x1 - 60, top), (x1 - 110, y1 - 20), (x0 + 50, y1 - 20)], fill=fill)
    draw.ellipse((x1 - 140, top + 60, x1 + 10, top + 230), outline=fill, width=32)
    draw.ellipse((x0, top - 30, x1 - 60, top + 30), fill=accent)
    for i in range(3):
        x = x0 + 80 + i * 90
        draw.arc((x, y0 - 20, x + 60, y0 + 100), start=100, end=260, fill=fill, width=12)


def _cloth(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A folded cloth with a repeating batik motif."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=fill)
    step = 70
    flower = _mix(accent, fill, 0.15)
    for row, y in enumerate(range(y0 + step // 2, y1, step)):
        for x in range(x0 + step // 2 + (row % 2) * step // 2, x1, step):
            draw.polygon([(x, y - 26), (x + 26, y), (x, y + 26), (x - 26, y)], fill=flower)
            draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=fill)
    draw.rectangle((x0, y1 - 60, x1, y1), fill=accent)
    draw.rectangle((x0, y0, x0 + 24, y1), fill=_mix(accent, INK, 0.3))


def _shirt(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    w = x1 - x0
    points = [
        (x0 + w * 0.3, y0),
        (x0 + w * 0.42, y0 + 40),
        (x0 + w * 0.58, y0 + 40),
        (x0 + w * 0.7, y0),
        (x1, y0 + 110),
        (x1 - 70, y0 + 210),
        (x0 + w * 0.8, y0 + 160),
        (x0 + w * 0.8, y1),
        (x0 + w * 0.2, y1),
        (x0 + w * 0.2, y0 + 160),
        (x0 + 70, y0 + 210),
        (x0, y0 + 110),
    ]
    draw.polygon(points, fill=fill)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2 + 30
    draw.rounded_rectangle((cx - 110, cy - 60, cx + 110, cy + 60), radius=20, fill=accent)


def _weave(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A woven basket: interlaced strips in a bowl."""
    x0, y0, x1, y1 = box
    top = y0 + 120
    draw.ellipse((x0, top - 60, x1, top + 60), fill=_mix(fill, INK, 0.35))
    draw.polygon([(x0, top), (x1, top), (x1 - 70, y1), (x0 + 70, y1)], fill=fill)
    dark = _mix(fill, accent, 0.45)
    size = 44
    for row, y in enumerate(range(top + 10, y1 - 10, size)):
        inset = 70 * (y - top) // (y1 - top)
        for col, x in enumerate(range(x0 + inset, x1 - inset - size // 2, size)):
            if (row + col) % 2:
                draw.rectangle((x, y, x + size - 6, y + size - 6), fill=dark)
    draw.ellipse((x0, top - 60, x1, top + 60), outline=accent, width=14)


def _fish(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    cy = (y0 + y1) // 2
    draw.polygon([(x1 - 170, cy), (x1, cy - 150), (x1, cy + 150)], fill=accent)
    draw.ellipse((x0, cy - 170, x1 - 110, cy + 170), fill=fill)
    draw.ellipse((x0 + 90, cy - 60, x0 + 140, cy - 10), fill=INK)
    for i in range(4):
        x = x0 + 220 + i * 70
        draw.arc(
            (x, cy - 120, x + 100, cy + 120),
            start=300,
            end=60,
            fill=_mix(fill, accent, 0.5),
            width=8,
        )


def _leaf(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    draw.ellipse((x0 + 60, y0 + 40, x1 - 60, y1), fill=fill)
    draw.polygon([((x0 + x1) // 2, y0 - 20), (x0 + 140, y0 + 160), (x1 - 140, y0 + 160)], fill=fill)
    draw.line([((x0 + x1) // 2, y0 + 20), ((x0 + x1) // 2, y1 + 40)], fill=accent, width=14)
    for i in range(4):
        y = y0 + 140 + i * 80
        draw.line([((x0 + x1) // 2, y + 40), (x0 + 130, y - 20)], fill=accent, width=8)
        draw.line([((x0 + x1) // 2, y + 40), (x1 - 130, y - 20)], fill=accent, width=8)


def _figure(
    draw: ImageDraw.ImageDraw, box: Box, fill: Colour, accent: Colour, rng: random.Random
) -> None:
    """A wayang-like figure: round head, big belly, on a stick."""
    x0, y0, x1, y1 = box
    mid = (x0 + x1) // 2
    draw.line([(mid, y0 + 60), (mid, y1 + 30)], fill=INK, width=12)
    draw.ellipse((mid - 170, y0 + 200, mid + 170, y1 - 40), fill=fill)
    draw.ellipse((mid - 95, y0, mid + 95, y0 + 200), fill=fill)
    draw.ellipse((mid - 40, y0 + 60, mid + 10, y0 + 110), fill=INK)
    draw.polygon([(mid + 60, y0 + 90), (mid + 150, y0 + 120), (mid + 60, y0 + 150)], fill=accent)
    draw.rectangle((mid - 170, y0 + 330, mid + 170, y0 + 380), fill=accent)


SHAPES: dict[str, Callable[..., None]] = {
    "pack": _pack,
    "circle": _circle,
    "box": _box,
    "bottle": _bottle,
    "jar": _jar,
    "cup": _cup,
    "cloth": _cloth,
    "shirt": _shirt,
    "weave": _weave,
    "fish": _fish,
    "leaf": _leaf,
    "figure": _figure,
}


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, lines: int) -> list[str]:
    words, result, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            result.append(current)
            current = word
    result.append(current)
    if len(result) > lines:
        result = result[: lines - 1] + [" ".join(result[lines - 1 :])]
        while draw.textlength(result[-1] + "…", font=font) > width and " " in result[-1]:
            result[-1] = result[-1].rsplit(" ", 1)[0]
        result[-1] += "…"
    return result


def draw_product(
    *, title: str, shop: str, shape: str, colours: tuple[str, str, str], view: int, seed: int
) -> Image.Image:
    """The large image: `view` 0 is the cover, 1 and 2 are other angles."""
    rng = random.Random(seed)
    background, fill, accent = (_rgb(c) for c in colours)
    background = _mix(background, WHITE, (0.0, 0.18, 0.32)[view % 3])
    image = Image.new("RGB", (LARGE, LARGE), background)
    draw = ImageDraw.Draw(image)
    halo = _mix(background, WHITE, 0.22)
    cx, cy = rng.randint(560, 860), rng.randint(100, 260)
    draw.ellipse((cx - 260, cy - 260, cx + 260, cy + 260), fill=halo)
    draw.ellipse((-120, 480, 260, 860), fill=_mix(background, INK, 0.08))

    size = (440, 500, 560)[view % 3]
    left = (LARGE - size) // 2 + (0, -90, 90)[view % 3]
    SHAPES.get(shape, _box)(draw, (left, 110, left + size, 110 + size * 9 // 10), fill, accent, rng)

    draw.rounded_rectangle((40, 36, 330, 92), radius=28, fill=_mix(background, INK, 0.35))
    draw.text((185, 64), "Pasar Aspikmas", font=_font(28), fill=WHITE, anchor="mm")
    if view:
        label = ("", "Kemasan", "Detail")[view % 3]
        draw.rounded_rectangle((LARGE - 230, 36, LARGE - 40, 92), radius=28, fill=WHITE)
        draw.text((LARGE - 135, 64), label, font=_font(28), fill=INK, anchor="mm")

    draw.rounded_rectangle((40, 650, LARGE - 40, LARGE - 40), radius=36, fill=WHITE)
    draw.rectangle((40, 650, 64, LARGE - 40), fill=accent)
    title_font = _font(56)
    y = 682
    lines = _wrap(draw, title, title_font, LARGE - 170, 2)
    if len(lines) == 1:
        y += 34
    for line in lines:
        draw.text((96, y), line, font=title_font, fill=INK)
        y += 68
    draw.text((96, LARGE - 104), shop, font=_font(34, bold=False), fill=_mix(INK, WHITE, 0.35))
    return image


def encode(image: Image.Image) -> tuple[bytes, bytes]:
    """(thumbnail, large) as JPEG bytes."""
    large, thumb = io.BytesIO(), io.BytesIO()
    image.save(large, "JPEG", quality=JPEG_QUALITY, optimize=True)
    image.reduce(LARGE // THUMB).save(thumb, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return thumb.getvalue(), large.getvalue()
