"""One normal form for searchable text, applied in Python to what is stored and to what is asked.

Lower-case, with accents, tone marks and under-dots removed (NFKD, combining marks dropped: "Yorùbá" and
"Ọ̀ṣun" become "yoruba" and "osun"; Hausa's hooked letters "ɓ ɗ ƙ ƴ" become "b d k y"), and anything but
letters and digits turned into single spaces. Done here rather than with PostgreSQL's ``unaccent`` because
``unaccent`` is not IMMUTABLE, so an index cannot be built on it, and because SQLite then searches the very
same strings. Nigerian languages are written both with and without diacritics, so a search must not care.
"""

import unicodedata

# Letters NFKD leaves alone (no decomposition) but people type without their hook or stroke.
_FOLD = str.maketrans({"ɓ": "b", "ɗ": "d", "ƙ": "k", "ƴ": "y", "ƒ": "f", "ŋ": "n", "ø": "o", "đ": "d", "ł": "l"})

QUERY_WORDS_MAX = 8


def normalize(value: str) -> str:
    """``value`` in the search's normal form (see the module's docstring)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(_FOLD))
    kept = [ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)]
    return " ".join("".join(kept).split())


def query_words(value: str) -> list[str]:
    """The normalised words of a query, at most QUERY_WORDS_MAX (letters and digits only: safe in a tsquery)."""
    return normalize(value).split()[:QUERY_WORDS_MAX]


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def word_similarity(query: str, text: str) -> float:
    """How well ``query`` matches the best word of ``text`` (0..1): pg_trgm's idea of similarity, per word,
    for the few things matched in Python (categories and tags). Both arguments in normal form."""
    wanted = _trigrams(query)
    if not wanted:
        return 0.0
    best = 0.0
    for word in text.split():
        have = _trigrams(word)
        best = max(best, len(wanted & have) / len(wanted | have))
    return best
