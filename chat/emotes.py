"""What counts as an emote: the one place emote-only mode asks.

An emote is a Unicode emoji or a ``:name:`` code of the platform's emote set. A message is "emotes only"
when, whitespace aside, it is nothing else; its ``message_type`` has no say (a client can claim anything).

The emote set is ``emote_codes()``: the built-in names below (shown as text) and the staff-curated emotes
(``chat.models.Emote``, shown as images), so every rule that asks about emotes follows the admin.

Emoji are recognised without a Unicode emoji database, from two sets of code points taken from Unicode's
emoji data: those shown as emoji by default (``Emoji_Presentation``), and the other pictographic ones (leaving
out those that spell letters or digits in disguise, such as circled digits), which are text by default - ©,
®, ™, ↔, ☑ - and count as emoji only when asked for with the emoji selector U+FE0F (``©️``) or given a skin
tone (``☝🏽``). Each with its optional skin tone and tag sequence, joined by ZWJ into one emoji; flags (a pair
of regional indicators) and keycaps (``1️⃣``). An emoji asked for as text (U+FE0E) is text.
"""

import re

from chat.selectors import chat_emote_set

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
    """The names a ``:name:`` emote may have (lower case): the built-in ones and staff's active emotes."""
    curated = [emote["code"] for emote in chat_emote_set()]
    return BUILTIN_EMOTE_CODES.union(curated) if curated else BUILTIN_EMOTE_CODES


# Emoji_Presentation=Yes: shown as emoji with no selector. From Unicode's emoji-data.txt, Emoji 15.0
# (https://unicode.org/Public/15.0.0/ucd/emoji/emoji-data.txt), adjacent ranges merged; regional indicators
# are left to the flag rule below.
_EMOJI_PRESENTATION = (
    "\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab"
    "\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c"
    "\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55"
    "\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a\U0001f201\U0001f21a\U0001f22f\U0001f232-\U0001f236"
    "\U0001f238-\U0001f23a\U0001f250\U0001f251\U0001f300-\U0001f320\U0001f32d-\U0001f335\U0001f337-\U0001f37c"
    "\U0001f37e-\U0001f393\U0001f3a0-\U0001f3ca\U0001f3cf-\U0001f3d3\U0001f3e0-\U0001f3f0\U0001f3f4"
    "\U0001f3f8-\U0001f43e\U0001f440\U0001f442-\U0001f4fc\U0001f4ff-\U0001f53d\U0001f54b-\U0001f54e"
    "\U0001f550-\U0001f567\U0001f57a\U0001f595\U0001f596\U0001f5a4\U0001f5fb-\U0001f64f\U0001f680-\U0001f6c5"
    "\U0001f6cc\U0001f6d0-\U0001f6d2\U0001f6d5-\U0001f6d7\U0001f6dc-\U0001f6df\U0001f6eb\U0001f6ec"
    "\U0001f6f4-\U0001f6fc\U0001f7e0-\U0001f7eb\U0001f7f0\U0001f90c-\U0001f93a\U0001f93c-\U0001f945"
    "\U0001f947-\U0001f9ff\U0001fa70-\U0001fa7c\U0001fa80-\U0001fa88\U0001fa90-\U0001fabd\U0001fabf-\U0001fac5"
    "\U0001face-\U0001fadb\U0001fae0-\U0001fae8\U0001faf0-\U0001faf8"
)
# Every pictograph, the text-default ones included (Extended_Pictographic, less letters and digits in disguise).
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3"
    "\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u2775\u2794-\u27bf\u2934\u2935"
    "\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f004\U0001f0cf\U0001f170\U0001f171\U0001f17e\U0001f17f\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f201\U0001f202\U0001f21a\U0001f22f\U0001f232-\U0001f23a\U0001f250\U0001f251"
    "\U0001f300-\U0001f64f\U0001f680-\U0001f6ff\U0001f7e0-\U0001f7eb\U0001f7f0\U0001f90c-\U0001f9ff"
    "\U0001fa70-\U0001faff"
)
_SKIN_TONE = "[\U0001f3fb-\U0001f3ff]"
_TAGS = "(?:[\U000e0020-\U000e007e]+\U000e007f)?"
# The first of a sequence: emoji by default, or a text-default pictograph asked for as emoji (U+FE0F) or given a
# skin tone. After a ZWJ the sequence is already an emoji, and a part may go without its selector.
_ONE = rf"(?:[{_EMOJI_PRESENTATION}]\ufe0f?|[{_PICTOGRAPHS}](?:\ufe0f|(?={_SKIN_TONE})))(?:{_SKIN_TONE})?{_TAGS}"
_JOINED = rf"[{_PICTOGRAPHS}]\ufe0f?(?:{_SKIN_TONE})?{_TAGS}"
_EMOJI = (
    rf"(?:[0-9#*]\ufe0f?\u20e3"  # keycap
    rf"|[\U0001f1e6-\U0001f1ff]{{2}}"  # flag
    rf"|{_ONE}(?:\u200d{_JOINED})*)"  # an emoji, or several joined into one (ZWJ sequence)
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
