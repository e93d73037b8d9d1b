"""Small helpers for sentences the platform builds from values (statuses, rarities)."""


def with_article(word: str) -> str:
    """``word`` after its indefinite article: "a live", "an ended", "an epic".

    By the first letter, which is right for the words the platform's values hold (no "an hour", "a user").
    """
    return f"{'an' if word[:1].lower() in 'aeiou' and word else 'a'} {word}"


def duration_label(seconds: float | None) -> str:
    """A length as players show it: "4:05", "1:02:03"; empty when unknown or zero."""
    if not seconds:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
