"""Small helpers for sentences the platform builds from values (statuses, rarities)."""


def with_article(word: str) -> str:
    """``word`` after its indefinite article: "a live", "an ended", "an epic".

    By the first letter, which is right for the words the platform's values hold (no "an hour", "a user").
    """
    return f"{'an' if word[:1].lower() in 'aeiou' and word else 'a'} {word}"
