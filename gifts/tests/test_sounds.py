"""Gift sounds: staff upload only small, real audio files; the demo catalogue's own sounds are valid WAV."""

import io
import wave

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.factories import UserFactory
from gifts import demo
from gifts.models import Gift
from gifts.sounds import GIFT_SOUND_MAX_BYTES, synthesised_gift_sound, validate_gift_sound
from gifts.tests.factories import GiftFactory

pytestmark = pytest.mark.django_db


def wav_bytes(seconds: float = 0.3, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


OGG = b"OggS\x00\x02" + b"\x00" * 200
MP3 = b"ID3\x04\x00\x00" + b"\x00" * 200
M4A = b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 200


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_form(gift, sound) -> dict:
    return {
        "name": gift.name,
        "description": "",
        "category": gift.category,
        "rarity": gift.rarity,
        "cost_in_coins": gift.cost_in_coins,
        "naira_value": str(gift.naira_value),
        "animation": "bounce",
        "is_active": "on",
        "sort_order": 0,
        "sound": sound,
    }


@pytest.mark.parametrize(("name", "data"), [("drum.wav", wav_bytes()), ("d.ogg", OGG), ("d.mp3", MP3), ("d.m4a", M4A)])
def test_staff_upload_a_gift_sound_and_hear_it_in_admin(staff, name, data):
    gift = GiftFactory()
    response = staff.post(f"/admin/gifts/gift/{gift.pk}/change/", change_form(gift, SimpleUploadedFile(name, data)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    gift.refresh_from_db()
    extension = name.rsplit(".", 1)[1]
    assert gift.sound.name.startswith(f"gifts/{gift.pk}/") and gift.sound.name.endswith("." + extension)
    assert gift.sound.read() == data
    page = staff.get(f"/admin/gifts/gift/{gift.pk}/change/").content.decode()
    assert f'<audio controls preload="none" src="{gift.sound.url}">' in page
    # Saved again without a new file: the stored sound stays.
    assert staff.post(f"/admin/gifts/gift/{gift.pk}/change/", change_form(gift, "")).status_code == 302
    gift.refresh_from_db()
    assert gift.sound.read() == data


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("drum.txt", b"hello", "is a .wav, .mp3"),  # not an audio extension
        ("drum.mp3", b"<script>alert(1)</script>" * 4, "not the audio its name says"),  # a script named .mp3
        ("drum.mp3", wav_bytes(), "not the audio its name says"),  # audio, but not what its name says
        ("drum.wav", b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "cannot be read"),  # a broken WAV
        ("drum.wav", wav_bytes(seconds=7), "at most 6 seconds"),
        ("drum.ogg", b"OggS" + b"\x00" * GIFT_SOUND_MAX_BYTES, "at most 512 KB"),
    ],
)
def test_a_file_that_is_not_a_small_sound_is_refused(staff, name, data, says):
    gift = GiftFactory()
    response = staff.post(f"/admin/gifts/gift/{gift.pk}/change/", change_form(gift, SimpleUploadedFile(name, data)))
    assert response.status_code == 200
    assert says in " ".join(response.context["adminform"].form.errors["sound"])
    gift.refresh_from_db()
    assert not gift.sound


def test_the_model_validates_the_sound_wherever_it_is_saved_from():
    gift = GiftFactory.build()
    gift.sound = SimpleUploadedFile("bell.mp3", b"plain text, not audio")
    with pytest.raises(ValidationError) as refused:
        gift.full_clean()
    assert "sound" in refused.value.message_dict
    with pytest.raises(ValidationError):
        validate_gift_sound(SimpleUploadedFile("bell", wav_bytes()))  # no extension


def test_every_demo_gift_gets_a_short_valid_wav_of_its_own():
    list(demo.seed())
    gifts = list(Gift.objects.all())
    assert len(gifts) == len(demo.CATALOGUE)
    sounds = set()
    for gift in gifts:
        assert gift.sound.name.endswith(".wav")
        data = gift.sound.read()
        validate_gift_sound(SimpleUploadedFile("sound.wav", data))
        with wave.open(io.BytesIO(data)) as sound:
            assert sound.getnchannels() == 1 and sound.getsampwidth() == 2
            frames = sound.readframes(sound.getnframes())
            seconds = sound.getnframes() / sound.getframerate()
        assert 0.2 < seconds < 1.5
        assert max(abs(int.from_bytes(frames[i : i + 2], "little", signed=True)) for i in range(0, 4000, 2)) > 1000
        sounds.add(data)
    assert len(sounds) == len(gifts)  # no two gifts sound the same
    # Seeding again keeps the sounds it made.
    names = {gift.pk: gift.sound.name for gift in gifts}
    list(demo.seed())
    assert {gift.pk: gift.sound.name for gift in Gift.objects.all()} == names


def test_rarer_gifts_ring_longer():
    def seconds(rarity):
        with wave.open(io.BytesIO(synthesised_gift_sound(rarity=rarity, base_hz=330).read())) as sound:
            return sound.getnframes() / sound.getframerate()

    assert seconds("common") < seconds("rare") < seconds("epic") < seconds("legendary")
