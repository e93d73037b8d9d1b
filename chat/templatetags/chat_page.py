"""What the watch page's chat needs to know of its viewer, for the first paint: their role (moderator tools),
who they are (their mentions), and the rules they chat under. Streams' page view knows nothing of chat."""

from django import template

from chat.selectors import chat_emote_set, chat_role, chat_settings_payload

register = template.Library()

# The emoji picker's curated set: Unicode characters (nothing to download), each with the name a screen reader
# says and a tooltip shows.
PICKER_EMOJI = [
    ("😀", "grinning face"),
    ("😂", "face with tears of joy"),
    ("🤣", "rolling on the floor laughing"),
    ("😍", "smiling face with heart-eyes"),
    ("😎", "smiling face with sunglasses"),
    ("🤔", "thinking face"),
    ("😮", "face with open mouth"),
    ("😢", "crying face"),
    ("😭", "loudly crying face"),
    ("😡", "angry face"),
    ("👍", "thumbs up"),
    ("👎", "thumbs down"),
    ("👏", "clapping hands"),
    ("🙌", "raising hands"),
    ("🙏", "folded hands"),
    ("💪", "flexed biceps"),
    ("👋", "waving hand"),
    ("❤️", "red heart"),
    ("💚", "green heart"),
    ("🔥", "fire"),
    ("🎉", "party popper"),
    ("✨", "sparkles"),
    ("💯", "hundred points"),
    ("⭐", "star"),
    ("🥁", "drum"),
    ("🎶", "musical notes"),
    ("🍚", "cooked rice"),
    ("🇳🇬", "flag: Nigeria"),
]


@register.simple_tag
def chat_viewer(stream, user) -> dict:
    role = chat_role(stream=stream, user=user)  # no query for a visitor or the creator
    signed_in = user is not None and user.is_authenticated
    # An ended stream's chat is closed: no rules to show (and no query for them).
    settings = chat_settings_payload(stream) if stream.status != "ended" else {"chat_enabled": False}
    return {
        "role": role or "",
        "moderates": role is not None,
        "user_id": str(user.pk) if signed_in else "",
        "username": user.username if signed_in else "",
        "settings": settings,
        "emoji": PICKER_EMOJI,
        "emotes": chat_emote_set(),
    }


@register.simple_tag
def chat_emotes() -> list[dict]:
    """The emote set alone, for a page that shows chat without its box (the replayed chat of an ended stream)."""
    return chat_emote_set()
