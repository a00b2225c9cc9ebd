"""Seal images: drawing a department's round seal, and checking an uploaded one."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from yiwang.kernel import pdf as kernel_pdf

SIZE = 400
RED = (220, 30, 30, 255)
MAX_UPLOAD = 512 * 1024


class ImageInvalid(ValueError):
    """An upload that is not a usable seal picture."""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = kernel_pdf.TTF_PATH
    if path.is_file():
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


def draw(department: str, label: str) -> bytes:
    """A round red seal: the department's name along the top arc, a star, the seal's label
    (e.g. 证照专用章) below it. PNG with a transparent background."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)
    centre = SIZE / 2
    canvas.ellipse((8, 8, SIZE - 8, SIZE - 8), outline=RED, width=12)
    _star(canvas, centre, centre, 62)
    text = department[:20] or "—"
    font_size = 44 if len(text) <= 12 else 36
    font = _font(font_size)
    radius = centre - 44 - font_size / 2
    span = min(240.0, 18.0 * len(text))  # degrees of arc the name takes
    start = -90 - span / 2
    step = span / max(len(text) - 1, 1)
    for i, char in enumerate(text):
        angle = math.radians(start + i * step) if len(text) > 1 else math.radians(-90)
        glyph = Image.new("RGBA", (font_size + 8, font_size + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 0), char, font=font, fill=RED)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(angle) - glyph.width / 2
        y = centre + radius * math.sin(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    small = _font(34)
    width = canvas.textlength(label, font=small)
    canvas.text((centre - width / 2, centre + 86), label, font=small, fill=RED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def checked_upload(data: bytes) -> bytes:
    """An uploaded seal picture as a PNG: any common format, at most 512 kB, square-ish,
    at least 100 px. Re-encoded, so nothing but pixels goes into documents."""
    if not data:
        raise ImageInvalid("empty")
    if len(data) > MAX_UPLOAD:
        raise ImageInvalid("too_large")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ImageInvalid("not_an_image") from None
    if min(image.size) < 100 or max(image.size) > 2000:
        raise ImageInvalid("size")
    out = io.BytesIO()
    image.convert("RGBA").save(out, format="PNG", optimize=True)
    return out.getvalue()
