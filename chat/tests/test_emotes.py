"""What emote-only mode lets through: emoji and known :name: codes, nothing else."""

import pytest

from chat.emotes import emote_codes, is_emotes_only

pytestmark = pytest.mark.django_db  # the emote set includes staff's curated emotes


@pytest.mark.parametrize(
    "content",
    [
        "🎉",
        "🎉🎉 🔥",
        "👍🏽",  # skin tone
        "👩🏾‍💻",  # ZWJ sequence with a skin tone
        "👨‍👩‍👧‍👦",
        "❤️",  # text-default symbol with the emoji selector
        "❤️‍🔥",
        "🇳🇬",  # flag
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # tag sequence (Scotland)
        "1️⃣ #️⃣",  # keycaps
        "☀️ ⭐ ✅",  # a text-default symbol with the emoji selector; emoji-presentation ones need none
        "©️ ®️ ™️ ↔️ ☑️ ‼️",  # text-default symbols asked for as emoji (U+FE0F)
        "☝🏽",  # a text-default hand with a skin tone is an emoji modifier sequence
        "👨‍⚕️",
        "🫨 🪿",  # Emoji 15.0
        "🫶",
        ":fire:",
        ":FIRE: :+1: :100:",
        " :clap: 👏 \n🙌 ",
    ],
)
def test_emotes_only(content):
    assert is_emotes_only(content)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "   ",
        "buy gold at evil.example",
        "hi 👋",
        "👋 hi",
        "🎉!",
        ":notanemote:",
        ":fire: and more",
        "::",
        ":fire",
        "1",
        "#",
        "🇳",  # a lone regional indicator spells a letter
        "🇭 🇮",
        "❶❷❸",  # digits in disguise
        "ⓗⓘ",  # letters in disguise
        "Ẹ kú",
        "😀\u200b",  # an invisible character is still not an emote
        # text-default symbols without U+FE0F are text, not emoji (Emoji_Presentation=No)
        "©",
        "®",
        "™",
        "↔",
        "☐",
        "☑",
        "‼",
        "☀",
        "© ® ™",
        "✔",
        "♥",
        "🎉\ufe0e",  # an emoji asked for as text (U+FE0E)
    ],
)
def test_not_emotes_only(content):
    assert not is_emotes_only(content)


def test_the_emote_set_is_one_extensible_place(monkeypatch):
    assert "fire" in emote_codes()
    monkeypatch.setattr("chat.emotes.emote_codes", lambda: frozenset({"jollof"}))
    assert is_emotes_only(":jollof:") and not is_emotes_only(":fire:")
