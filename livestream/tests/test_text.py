import pytest

from livestream.text import with_article


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ended", "an ended"),
        ("live", "a live"),
        ("scheduled", "a scheduled"),
        ("epic", "an epic"),
        ("legendary", "a legendary"),
        ("Unlisted", "an Unlisted"),
    ],
)
def test_with_article_picks_a_or_an(word, expected):
    assert with_article(word) == expected
