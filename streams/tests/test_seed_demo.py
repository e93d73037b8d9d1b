import pytest
from django.core.management import call_command

from accounts.models import User
from streams.models import Category, Stream

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_demo_logins(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (User.objects.count(), Category.objects.count(), Stream.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Category.objects.count(), Stream.objects.count()) == counts
    assert "ada_teaches / " in first and "tunde_watches / " in first
    assert Category.objects.filter(parent__isnull=False).exists()
    assert Stream.objects.filter(status="live").exists() and Stream.objects.filter(status="scheduled").exists()
    assert User.objects.get(username="ada_teaches").check_password(first.split("ada_teaches / ")[1].split()[0])


def test_seeded_gift_descriptions_use_the_right_article():
    from gifts.models import Gift

    call_command("seed_demo")
    descriptions = dict(Gift.objects.values_list("rarity", "description").order_by("rarity"))
    assert descriptions["epic"].startswith("An epic ") and descriptions["common"].startswith("A common ")
