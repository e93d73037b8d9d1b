"""Display names people can trust: what a name may not contain, in one place.

A display name is shown next to the platform's verified badge in chat, on creator pages and in gift
events, so a name must not imitate the badge or hide what it says. ``display_name_clean`` is the one
validator; registration, ``/users/me`` and creator profile updates all call it. ``display_name_repair`` cleans
a name stored before the validator existed the same way (the data migration 0002_display_names_cleaned).
"""

import unicodedata

from django.core.exceptions import ValidationError

MAX_LENGTH = 60

# The verified badge and what passes for it: every character Unicode names a check mark (✓ ✔ ✅ 🗸 ⍻ 𐄂 ...),
# ballot boxes with a check (☑ 🗹) and the radical sign (√).
BADGE_CHARACTERS = frozenset("\u2611\U0001f5f9\u221a")


def _is_badge(char: str) -> bool:
    return char in BADGE_CHARACTERS or "CHECK MARK" in unicodedata.name(char, "")


# Invisible although they are letters or symbols: fillers and blanks that make two names look alike.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")


def _kept(char: str) -> bool:
    if char in INVISIBLE:
        return False
    category = unicodedata.category(char)
    # Cc controls, Cf format (bidi overrides and isolates, zero-width space/joiners, BOM, soft hyphen),
    # Co private use, Cs surrogates, Cn unassigned; Zl/Zp line breaks; Mn variation selectors.
    if category in {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}:
        return False
    return not ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef")


def _visible(value: str) -> str:
    name = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFKC", value)
        if char.isspace() or _kept(char)
    )
    return " ".join(name.split())


def display_name_repair(value: str, *, username: str) -> str:
    """A stored name made one ``display_name_clean`` accepts, without asking anyone: cleaned as it cleans, badge
    characters removed rather than refused, cut to MAX_LENGTH, and the username where nothing visible is left."""
    name = _visible("".join(char for char in value if not _is_badge(char)))[:MAX_LENGTH].strip()
    return name or username


def display_name_clean(value: str, *, field: str = "display_name") -> str:
    """``value`` as it may be stored: NFKC-normalised, without control, bidi, zero-width or other invisible
    characters, runs of spaces made one.

    Raises ``ValidationError`` keyed by ``field``: code ``display_name_reserved`` if it contains a badge
    character (a check mark is the platform's, not a name's), ``display_name_blank`` if nothing is left
    after cleaning, ``max_length`` if it is longer than 60 characters after cleaning.
    """
    name = _visible(value)
    if any(_is_badge(char) for char in name):
        raise ValidationError(
            {
                field: ValidationError(
                    "Display names may not contain check marks or badges; verified accounts get the platform's.",
                    code="display_name_reserved",
                )
            }
        )
    if not name:
        raise ValidationError(
            {field: ValidationError("Enter a display name with visible letters.", code="display_name_blank")}
        )
    if len(name) > MAX_LENGTH:
        raise ValidationError(
            {field: ValidationError(f"Display names may be at most {MAX_LENGTH} characters.", code="max_length")}
        )
    return name
