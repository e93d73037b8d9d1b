"""Demo categories (with sub-categories), a creator, a viewer and a few streams."""

from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from streams.models import Category, ScheduleSlot, Stream
from streams.services import creator_profile_ensure, stream_create, stream_start

DEMO_PASSWORD = "naija-live-demo-2026"  # noqa: S105 - printed by seed_demo on purpose

CATEGORIES = [
    ("education", "Education", "📚", "#1f6feb", None),
    ("mathematics", "Mathematics", "➗", "#1f6feb", "education"),
    ("literature", "Literature", "📖", "#8250df", "education"),
    ("history", "Nigerian History", "🏛", "#9a6700", "education"),
    ("culture", "Culture & Heritage", "🪘", "#008751", None),
    ("music", "Music", "🎶", "#bf3989", "culture"),
    ("festivals", "Festivals", "🎉", "#cf222e", "culture"),
    ("languages", "Languages", "🗣", "#0a7d6b", "culture"),
    ("talks", "Talks & Q&A", "🎙", "#57606a", None),
]

STREAMS = [
    ("Algebra live: solving quadratics", "mathematics", ["waec", "jamb", "algebra"], "live"),
    ("Chinua Achebe reading circle", "literature", ["books", "achebe"], "live"),
    ("Yoruba for beginners", "languages", ["yoruba"], "scheduled"),
    ("Durbar festival preview", "festivals", ["kano", "durbar"], "scheduled"),
    ("Masterclass: the talking drum (premium)", "music", ["drums", "masterclass"], "scheduled"),
]
PREMIUM_TITLES = {"Masterclass: the talking drum (premium)": 50}  # price in coins


def _user(username: str, display_name: str) -> tuple[User, bool]:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    return user_create(
        username=username, email=f"{username}@example.com", password=DEMO_PASSWORD, display_name=display_name
    ), True


def seed() -> Iterator[str]:
    for order, (slug, name, icon, colour, parent) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icon": icon,
                "colour": colour,
                "sort_order": order,
                "parent": Category.objects.get(slug=parent) if parent else None,
            },
        )
    yield f"categories: {Category.objects.count()}"

    creator, created = _user("ada_teaches", "Ada Okafor")
    if created:
        creator.is_verified = True
        creator.save(update_fields=["is_verified"])
        profile = creator_profile_ensure(user=creator)
        profile.bio = "Maths teacher from Enugu. WAEC and JAMB prep every week."
        profile.social_links = {"website": "https://greatnigeria.example/ada"}
        profile.save()
        ScheduleSlot.objects.bulk_create(
            [
                ScheduleSlot(profile=profile, weekday=0, start_time="18:00", duration_minutes=90, title="Algebra"),
                ScheduleSlot(
                    profile=profile, weekday=3, start_time="18:00", duration_minutes=90, title="Reading circle"
                ),
            ]
        )
    _user("tunde_watches", "Tunde")
    yield f"demo creator: ada_teaches / {DEMO_PASSWORD}"
    yield f"demo viewer:  tunde_watches / {DEMO_PASSWORD}"

    if not Stream.objects.filter(creator=creator).exists():
        for index, (title, category, tags, status) in enumerate(STREAMS):
            stream = stream_create(
                creator=creator,
                title=title,
                description=f"{title} with Ada. Bring your questions.",
                category=category,
                tags=tags,
                scheduled_start_time=timezone.now() + timedelta(days=index + 1),
                is_premium=title in PREMIUM_TITLES,
                price_coins=PREMIUM_TITLES.get(title),
            )
            if status == "live":
                stream_start(stream=stream)
    yield f"streams: {Stream.objects.count()}"
