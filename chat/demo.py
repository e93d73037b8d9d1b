"""A demo emote set: a few emotes drawn here with Pillow (nothing downloaded), stored as staff would."""

from collections.abc import Iterator
from io import BytesIO
from math import cos, pi, sin

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from chat.models import Emote
from chat.services import emotes_changed

SIZE = 112
GREEN, WHITE, GOLD, RED, BROWN = "#008751", "#ffffff", "#f2c14e", "#d7263d", "#8b4513"


def _naija(draw: ImageDraw.ImageDraw) -> None:
    """The green-white-green flag, rounded."""
    draw.rounded_rectangle((4, 20, SIZE - 4, SIZE - 20), radius=12, fill=GREEN)
    draw.rectangle((SIZE // 3 + 2, 20, SIZE * 2 // 3 - 2, SIZE - 20), fill=WHITE)
    draw.rounded_rectangle((4, 20, SIZE - 4, SIZE - 20), radius=12, outline="#00603a", width=3)


def _hype(draw: ImageDraw.ImageDraw) -> None:
    """A gold star burst."""
    centre, outer, inner = SIZE / 2, SIZE / 2 - 4, SIZE / 4

    points = [
        (
            centre + (outer if i % 2 == 0 else inner) * cos(pi * i / 6 - pi / 2),
            centre + (outer if i % 2 == 0 else inner) * sin(pi * i / 6 - pi / 2),
        )
        for i in range(12)
    ]
    draw.polygon(points, fill=GOLD, outline=BROWN)


def _jollof(draw: ImageDraw.ImageDraw) -> None:
    """A plate of red rice."""
    draw.ellipse((4, 30, SIZE - 4, SIZE - 8), fill=WHITE, outline="#999999", width=3)
    draw.ellipse((20, 24, SIZE - 20, SIZE - 28), fill=RED)
    for x, y in ((36, 44), (56, 38), (72, 50), (48, 58), (64, 62)):
        draw.ellipse((x, y, x + 8, y + 6), fill=GOLD)


def _gnlheart(draw: ImageDraw.ImageDraw) -> None:
    """A green heart."""
    draw.ellipse((10, 18, 60, 68), fill=GREEN)
    draw.ellipse((52, 18, 102, 68), fill=GREEN)
    draw.polygon([(13, 52), (SIZE / 2, 102), (99, 52)], fill=GREEN)


EMOTES = [("naija", _naija), ("hype", _hype), ("jollof", _jollof), ("gnlheart", _gnlheart)]


def emote_image(draw_emote) -> ContentFile:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw_emote(ImageDraw.Draw(image))
    out = BytesIO()
    image.save(out, format="WEBP", quality=90)
    return ContentFile(out.getvalue(), name="emote.webp")


def seed() -> Iterator[str]:
    for order, (code, draw_emote) in enumerate(EMOTES):
        emote = Emote.objects.filter(code=code).first()
        if emote is None:
            emote = Emote(code=code, sort_order=order)
        if not emote.image:
            emote.image.save("emote.webp", emote_image(draw_emote), save=True)
    emotes_changed()
    yield f"chat: {Emote.objects.filter(is_active=True).count()} emotes"
