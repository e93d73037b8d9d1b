"""An ended stream's page around its replay: the chat replay panel (in place of the closed live chat) for viewers
who may watch the recording, the broadcast's date and length, and "More from <creator>"."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.tests.factories import StreamFactory
from streams.tests.test_pages_player import buyer_of, clip_of, page, premium, recording_of

pytestmark = pytest.mark.django_db

REPLAY_JS = '<script src="/static/js/replay.js" defer></script>'
STARTED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_an_ended_streams_page_follows_its_first_recording_in_a_chat_replay_panel():
    stream = StreamFactory(ended=True, started_at=STARTED, ended_at=STARTED + timedelta(seconds=3725))
    first = recording_of(stream)
    clip = clip_of(first)
    clip.start_seconds = 12.5
    clip.save()
    html = page(stream)
    panel = re.search(r'<aside id="replay-chat"[^>]*>', html).group(0)
    assert f'data-recording-id="{first.pk}"' in panel and f'data-stream-id="{stream.pk}"' in panel
    assert 'id="chat"' not in html and "its chat is closed" not in html and REPLAY_JS in html
    # A highlight carries its recording and where in it it starts: the chat follows a highlight too.
    assert re.search(rf'data-replay data-recording-id="{first.pk}" data-offset="12.500"', html)
    when = re.search(r'<p class="broadcast">Broadcast <time datetime="([^"]+)" data-local-time>', html).group(1)
    assert datetime.fromisoformat(when) == STARTED  # an instant replay.js shows in the viewer's zone
    assert '<time datetime="PT3725S">1:02:05</time>' in html  # the broadcast's length


def test_without_access_to_a_premium_recording_there_is_no_replay_of_its_chat_but_the_date_shows(settings):
    settings.DISPLAY_TIME_ZONE = "Africa/Lagos"
    stream = premium(ended=True, started_at=STARTED)
    recording_of(stream)
    html = page(stream, UserFactory())
    assert 'id="replay-chat"' not in html and 'id="chat"' in html and "data-buy-access" in html
    assert '<p class="broadcast">Broadcast <time datetime="2026-11-20T19:00:00+01:00"' in html  # DISPLAY_TIME_ZONE
    assert 'id="replay-chat"' in page(stream, buyer_of(stream))


def test_an_ended_stream_without_a_recording_keeps_the_closed_chat():
    html = page(StreamFactory(ended=True))
    assert 'id="replay-chat"' not in html and "its chat is closed" in html


def test_live_and_scheduled_pages_have_no_replay():
    for stream in (StreamFactory(live=True), StreamFactory()):
        html = page(stream)
        assert 'id="replay-chat"' not in html and REPLAY_JS not in html and "More from" not in html


def test_more_from_the_creator_lists_their_upcoming_streams_and_other_recordings():
    stream = StreamFactory(ended=True)
    recording_of(stream)
    creator = stream.creator
    creator.display_name = "Ada"
    creator.save()
    older = StreamFactory(creator=creator, ended=True, title="Drums, part one")
    recording_of(older)
    StreamFactory(creator=creator, ended=True, title="Never recorded")
    soon = StreamFactory(
        creator=creator, title="Drums, part three", scheduled_start_time=timezone.now() + timedelta(days=2)
    )
    html = page(stream)
    section = html[html.index('id="more-from-heading"') :]
    assert f'More from <a href="/@{creator.username}/">Ada</a>' in section  # the creator's channel
    assert f'href="/streams/{soon.pk}/"' in section and "Coming up" in section
    assert f'href="/streams/{older.pk}/"' in section and "Never recorded" not in section
    assert section.index("Drums, part three") < section.index("Drums, part one")  # upcoming first
