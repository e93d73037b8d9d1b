"""The premium playback check through the real nginx (manage.py mediaserver): the check Django runs and nginx's
cache key read the URI the same way, the path without its arguments (issue 11). A stray "?x" on a playlist
from a viewer without access must not cache a 403 that a viewer with access is then served for 5 s, and a
viewer with access adding "?x" is let in on the answer cached for the path.

No encoder is needed: the playlist is written where nginx-rtmp would write it.
"""

from pathlib import Path

import pytest
import requests

from accounts.tests.factories import UserFactory
from streams.models import Stream
from streams.selectors import playback_token_make
from streams.tests.factories import StreamFactory
from streams.tests.test_media_e2e import media, mediaserver  # noqa: F401 - fixtures

pytestmark = [pytest.mark.needs_media, pytest.mark.timeout(60)]

PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"


@pytest.fixture
def checks(monkeypatch):
    """The checks Django answered (nginx asks only when its cache has no answer for the path)."""
    import streams.hooks

    asked: list[str] = []
    allows = streams.hooks.playback_token_allows

    def counted(*, token: str, stream_id: str) -> bool:
        asked.append(token)
        return allows(token=token, stream_id=stream_id)

    monkeypatch.setattr(streams.hooks, "playback_token_allows", counted)
    return asked


def test_a_stray_argument_neither_caches_a_403_for_a_good_url_nor_bypasses_the_check(
    media,  # noqa: F811
    transactional_db,
    checks,
):
    stream = StreamFactory(is_premium=True, price_coins=50, live=True, latency_mode=Stream.Latency.LOW)
    folder = Path(media["MEDIA_SERVER_ROOT"]) / "hls" / "premium" / "low"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stream.pk}.m3u8").write_text(PLAYLIST)
    hls = media["HLS_BASE_URL"]
    with_access = f"{hls}/p/{playback_token_make(stream_id=stream.pk, user_id=stream.creator_id)}/low/{stream.pk}.m3u8"
    stranger = UserFactory()  # signed in, never paid: their token is well formed and refused
    without_access = f"{hls}/p/{playback_token_make(stream_id=stream.pk, user_id=stranger.pk)}/low/{stream.pk}.m3u8"

    def status(url: str) -> int:
        return requests.get(url, timeout=5).status_code

    # The viewer without access, with and without stray arguments: refused every time, one check for the path.
    assert status(f"{without_access}?x") == 403
    assert status(without_access) == 403
    assert status(f"{without_access}?x=1&y") == 403
    assert len(checks) == 1
    # The viewer with access is not served that 403 (nor one cached from a "?x" on their own URL).
    assert status(f"{with_access}?x") == 200
    response = requests.get(with_access, timeout=5)
    assert response.status_code == 200 and response.text == PLAYLIST
    assert len(checks) == 2  # their path was checked once; the clean URL came from the cache
    # An argument cannot reach another path's cached 204 either: a forged token with "?x" is its own check.
    forged = f"{hls}/p/forged-token/low/{stream.pk}.m3u8"
    assert status(f"{forged}?x") == 403
    assert len(checks) == 3
