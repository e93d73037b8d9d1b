"""A demo catalogue: eight gifts across the three categories and four rarities, with images drawn and sounds
synthesised here (nothing downloaded)."""

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from gifts.models import Gift
from gifts.sounds import synthesised_gift_sound
from livestream.text import with_article

CATALOGUE = [
    # name, category, rarity, coins, naira, animation, colours
    ("Kola Nut", "traditional", "common", 1, "5.00", "float", ("#8b4513", "#d2a679")),
    ("Talking Drum", "traditional", "rare", 20, "100.00", "bounce", ("#6b3e26", "#e0b15a")),
    ("Agbada", "traditional", "epic", 200, "1000.00", "spin", ("#0b6e4f", "#f2c14e")),
    ("Jollof Rice", "modern", "common", 5, "25.00", "float", ("#d7263d", "#f9a03f")),
    ("Danfo Bus", "modern", "rare", 50, "250.00", "drive", ("#f4c430", "#222222")),
    ("Afrobeats Mic", "modern", "epic", 100, "500.00", "pulse", ("#5b2a86", "#ff66c4")),
    ("Golden Crown", "premium", "legendary", 1000, "5000.00", "rain", ("#b8860b", "#fff3b0")),
    ("Eagle of Unity", "premium", "legendary", 5000, "25000.00", "fly", ("#008751", "#ffffff")),
]


def gift_image(name: str, colours: tuple[str, str]) -> ContentFile:
    """A round badge in the gift's colours with its initials: made here, nothing downloaded."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=colours[0], outline=colours[1], width=12)
    draw.ellipse((56, 56, size - 56, size - 56), outline=colours[1], width=6)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw.text((size / 2, size / 2), initials, fill=colours[1], anchor="mm", font_size=72)
    out = BytesIO()
    image.save(out, format="WEBP", quality=90)
    return ContentFile(out.getvalue(), name="gift.webp")


def seed() -> Iterator[str]:
    for order, (name, category, rarity, coins, naira, animation, colours) in enumerate(CATALOGUE):
        gift, created = Gift.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "rarity": rarity,
                "cost_in_coins": coins,
                "naira_value": Decimal(naira),
                "animation": animation,
                "sort_order": order,
                "description": f"{with_article(rarity).capitalize()} {category} gift.",
            },
        )
        if created or not gift.image:
            gift.image.save("gift.webp", gift_image(name, colours), save=True)
        if not gift.sound:
            # Each gift its own pitch: a fifth apart around A3-A5, so a room's mixed gifts do not all sound alike.
            base_hz = 220 * 2 ** ((order * 7 % 24) / 12)
            gift.sound.save("sound.wav", synthesised_gift_sound(rarity=rarity, base_hz=base_hz), save=True)
    yield f"gifts: {Gift.objects.filter(is_active=True).count()}"
