"""What counts as an emote: the one place emote-only mode asks.

An emote is a Unicode emoji or a ``:name:`` code of the platform's emote set. A message is "emotes only"
when, whitespace aside, it is nothing else; its ``message_type`` has no say (a client can claim anything).

The emote set is ``emote_codes()``: today the built-in names below; the staff-curated emote set (a later
issue) extends that function, and every rule that asks about emotes follows.

Emoji are recognised without a Unicode emoji database: pictographic code points (the ranges below, from
Unicode's emoji data, leaving out the ones that spell letters or digits in disguise, such as circled digits),
each with its optional presentation selector, skin tone and tag sequence, joined by ZWJ into one emoji;
flags (a pair of regional indicators) and keycaps (``1️⃣``).
"""

import re

BUILTIN_EMOTE_CODES = frozenset(
    {
        "+1",
        "-1",
        "100",
        "clap",
        "cry",
        "eyes",
        "fire",
        "heart",
        "heart_eyes",
        "joy",
        "laughing",
        "muscle",
        "ok_hand",
        "party",
        "pray",
        "raised_hands",
        "rofl",
        "smile",
        "sob",
        "sparkles",
        "star",
        "tada",
        "thumbsdown",
        "thumbsup",
        "wave",
        "wink",
    }
)


def emote_codes() -> frozenset[str]:
    """The names a ``:name:`` emote may have (lower case). The curated emote set extends this."""
    return BUILTIN_EMOTE_CODES


_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3"
    "\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u2775\u2794-\u27bf\u2934\u2935"
    "\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f004\U0001f0cf\U0001f170\U0001f171\U0001f17e\U0001f17f\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f201\U0001f202\U0001f21a\U0001f22f\U0001f232-\U0001f23a\U0001f250\U0001f251"
    "\U0001f300-\U0001f64f\U0001f680-\U0001f6ff\U0001f7e0-\U0001f7eb\U0001f7f0\U0001f90c-\U0001f9ff"
    "\U0001fa70-\U0001faff"
)
_ONE = rf"[{_PICTOGRAPHS}][\ufe0e\ufe0f]?[\U0001f3fb-\U0001f3ff]?(?:[\U000e0020-\U000e007e]+\U000e007f)?"
_EMOJI = (
    rf"(?:[0-9#*]\ufe0f?\u20e3"  # keycap
    rf"|[\U0001f1e6-\U0001f1ff]{{2}}"  # flag
    rf"|{_ONE}(?:\u200d{_ONE})*)"  # an emoji, or several joined into one (ZWJ sequence)
)
_TOKEN = re.compile(rf"\s+|(?P<emoji>{_EMOJI})|:(?P<code>[A-Za-z0-9_+-]{{1,32}}):")


def is_emotes_only(content: str) -> bool:
    """True when ``content`` is one or more emotes (emoji, known ``:name:`` codes) and whitespace, nothing else."""
    codes = emote_codes()
    position, emotes = 0, 0
    while position < len(content):
        token = _TOKEN.match(content, position)
        if token is None:
            return False
        code = token.group("code")
        if code is not None and code.lower() not in codes:
            return False
        emotes += token.group("emoji") is not None or code is not None
        position = token.end()
    return emotes > 0
