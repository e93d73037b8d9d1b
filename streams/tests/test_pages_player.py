"""The stream page's video: live HLS player, replays of an ended stream, the premium prompt, the studio's
health panel, and only first-party assets (hls.js is vendored, never a CDN)."""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Clip, CreatorProfile, Follow, Recording, ScheduleSlot, Stream
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

HLS = "https://video.example.com/hls"
HLS_SCRIPT = '<script src="/static/vendor/hls.light.min.js" defer></script>'


@pytest.fixture(autouse=True)
def _hls_base(settings):
    settings.HLS_BASE_URL = HLS


def page(stream, user=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/streams/{stream.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def signed_link(item) -> str:
    """A pattern for the signed link to a recording's or clip's file (never its /media/ path)."""
    return '/files/[^/"]+/' + re.escape(item.file.name.rsplit("/", 1)[1])


def recording_of(stream, *, status=Recording.Status.READY, duration=754.0) -> Recording:
    recording = Recording.objects.create(
        stream=stream, status=status, source_path=f"/nowhere/{Recording.objects.count()}.flv", duration_seconds=duration
    )
    if status == Recording.Status.READY:
        recording.file.save("recording.mp4", ContentFile(b"mp4"))
    return recording


def clip_of(recording, *, title="The goal", status=Clip.Status.READY) -> Clip:
    clip = Clip.objects.create(
        stream=recording.stream,
        recording=recording,
        created_by=recording.stream.creator,
        title=title,
        start_seconds=30,
        duration_seconds=15,
        status=status,
    )
    if status == Clip.Status.READY:
        clip.file.save("clip.mp4", ContentFile(b"clip"))
    return clip


def premium(**extra) -> Stream:
    return StreamFactory(is_premium=True, price_coins=20, **extra)


def buyer_of(stream):
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")
    stream_access_buy(stream=stream, user=fan)
    return fan


def third_party_urls(html: str) -> list[str]:
    """Absolute addresses the page would load (src, poster, a <link>'s href): a canonical <link> or a share link
    (<a href>) loads nothing, and names SITE_URL or another site by design."""
    loads = re.findall(r'\b(?:src|poster)="((?:https?:)?//[^"]+)"', html)
    for tag in re.findall(r"<link\b[^>]*>", html):
        if 'rel="canonical"' not in tag:
            loads += re.findall(r'href="((?:https?:)?//[^"]+)"', tag)
    return loads


def test_a_live_stream_page_has_the_player_with_its_master_playlist_and_the_vendored_hls_js():
    stream = StreamFactory(live=True, latency_mode="low")
    html = page(stream)
    video = re.search(r"<video id=\"player\"[^>]*>", html).group(0)
    assert f'data-hls-url="{HLS}/low/{stream.pk}.m3u8"' in video
    assert 'data-latency="low"' in video
    # hls.js is player.js's to fetch (after the poster), never the markup's: the first paint waits for none of it.
    assert HLS_SCRIPT not in html and 'data-hls-script="/static/vendor/hls.light.min.js"' in video
    assert '<select id="quality">' in html
    assert 'id="replay"' not in html


def test_the_live_player_has_its_overlay_and_controls_and_starts_muted():
    stream = StreamFactory(live=True, title="Morning show", current_viewers=12)
    html = page(stream)
    video = re.search(r"<video id=\"player\"[^>]*>", html).group(0)
    assert " muted " in video and " autoplay " in video and " controls " in video  # controls: pages without script
    assert 'data-state="live"' in html and 'data-stream-status="live"' in html and 'data-visibility="public"' in html
    assert '<span class="player-title">Morning show</span>' in html and '<span class="live-badge">Live</span>' in html
    assert '<span id="player-viewer-count">12</span> watching' in html
    for label in ("Play", "Unmute", "Chat", "Theatre mode", "Full screen"):
        assert f'aria-label="{label}"' in html
    assert 'aria-label="Volume"' in html and "Muted · Tap to unmute" in html
    # The count is shown as it changes but spoken at most once a minute, by its own live region.
    assert '<span id="viewer-count">12 watching</span>' in html
    assert re.search(r'id="viewer-announcer" aria-live="polite"', html)
    assert html.count("aria-live") == html.count('aria-live="polite"')


def test_the_live_player_is_told_the_rewind_window_of_normal_and_high_streams_only(settings):
    settings.HLS_DVR_SECONDS = 5400

    def video(mode: str) -> str:
        return re.search(r"<video id=\"player\"[^>]*>", page(StreamFactory(live=True, latency_mode=mode))).group(0)

    assert 'data-dvr-seconds="5400"' in video("normal") and 'data-dvr-seconds="5400"' in video("high")
    assert "data-dvr-seconds" not in video("low")  # low keeps six 1 s fragments: no seek bar
    # In real time the window is counted from the stream's start (webrtc.js), in UTC whatever the zone.
    started = dt.datetime(2026, 11, 28, 3, 4, 5, tzinfo=dt.UTC)
    live = re.search(r"<video id=\"player\"[^>]*>", page(StreamFactory(live=True, started_at=started))).group(0)
    assert 'data-started-at="2026-11-28T03:04:05+00:00"' in live
    assert "data-started-at" not in video("low")
    html = page(StreamFactory(live=True))
    assert html.index("js/dvr.js") < html.index("js/player.js")  # player.js finds it when it sets up the controls


def test_a_scheduled_page_holds_the_player_for_when_the_stream_goes_live_without_loading_hls_js():
    stream = StreamFactory(scheduled_start_time=timezone.now() + dt.timedelta(days=1))
    html = page(stream)
    video = re.search(r"<video id=\"player\"[^>]*>", html).group(0)
    assert "data-hls-url" not in video and 'data-hls-script="/static/vendor/hls.light.min.js"' in video
    assert HLS_SCRIPT not in html and 'data-state="offline"' in html and "Starting soon" in html
    when = stream.scheduled_start_time.astimezone(dt.UTC)
    assert (
        f'<time datetime="{when.isoformat()}" data-local-time>{when:%A} {when.day} {when:%B %Y, %H:%M} UTC</time>'
        in html
    )


def test_the_offline_overlay_says_when_the_creator_is_next_on_air():
    creator = UserFactory(display_name="Ada")
    profile = CreatorProfile.objects.create(user=creator, timezone="UTC")
    ScheduleSlot.objects.create(
        profile=profile, weekday=2, start_time=dt.time(18, 0), duration_minutes=60, title="Maths"
    )
    html = page(StreamFactory(creator=creator, ended=True))
    assert "This broadcast has ended" in html
    found = re.search(
        r'<p class="offline-next">Next from Ada:\s*<time datetime="([^"]+)" data-local-time>([^<]+)</time> · Maths',
        html,
    )
    start = dt.datetime.fromisoformat(found.group(1))
    assert start.weekday() == 2 and (start.hour, start.minute) == (18, 0) and start > timezone.now()
    assert found.group(2).endswith(" 18:00 UTC")
    soon = StreamFactory(creator=creator, scheduled_start_time=timezone.now() + dt.timedelta(hours=1), title="Soon")
    html = page(StreamFactory(creator=creator, ended=True))
    assert f'<a href="/streams/{soon.pk}/">Soon</a>' in html  # an earlier scheduled stream comes first


def test_the_follow_button_is_a_log_in_link_signed_out_a_toggle_signed_in_and_absent_for_the_creator():
    creator = UserFactory(display_name="Ada")
    stream = StreamFactory(creator=creator)
    html = page(stream)
    assert f'<a class="button follow-button" href="/accounts/login/?next=/streams/{stream.pk}/">Follow Ada</a>' in html
    fan = UserFactory()
    assert re.search(
        r'data-follow="' + creator.username + r'"[^>]*data-following="0">Follow Ada</button>', page(stream, fan)
    )
    Follow.objects.create(follower=fan, creator=creator)
    assert re.search(r'data-following="1">Unfollow Ada</button>', page(stream, fan))
    assert "follow-button" not in page(stream, creator)


def test_the_live_player_uses_the_thumbnail_as_its_poster():
    stream = StreamFactory(live=True)
    stream.thumbnail.save("thumb.jpg", ContentFile(b"jpeg"))
    html = page(stream)
    assert f'poster="{stream.thumbnail.url}"' in html
    # The page's largest paint, asked for from the head at high priority, before the stylesheet's fonts or any script.
    preload = f'<link rel="preload" as="image" href="{stream.thumbnail.url}" fetchpriority="high">'
    assert preload in html and html.index(preload) < html.index("<script")


def test_an_ended_stream_plays_its_first_ready_recording_and_lists_recordings_and_clips():
    stream = StreamFactory(ended=True)
    first, second = recording_of(stream), recording_of(stream, duration=3725.0)
    recording_of(stream, status=Recording.Status.PROCESSING)
    highlight = clip_of(first)
    clip_of(first, title="Still cutting", status=Clip.Status.PROCESSING)
    html = page(stream)

    assert 'id="player"' not in html and "data-hls-url" not in html and HLS_SCRIPT not in html
    replay = re.search(r"<video id=\"replay\"[^>]*>", html).group(0)
    assert re.search(f'src="{signed_link(first)}"', replay) and "controls" in replay
    assert re.search(f'href="{signed_link(first)}"', html) and re.search(f'href="{signed_link(second)}"', html)
    assert "12:34" in html and "1:02:05" in html  # durations
    assert re.search(f'href="{signed_link(highlight)}"', html) and "The goal" in html
    assert "Still cutting" not in html
    assert html.count("data-replay") == 3  # two recordings, one clip


def test_an_ended_streams_replay_poster_is_the_recordings_thumbnail():
    stream = StreamFactory(ended=True)
    recording = recording_of(stream)
    recording.thumbnail.save("vod.jpg", ContentFile(b"jpeg"))
    replay = re.search(r"<video id=\"replay\"[^>]*>", page(stream)).group(0)
    assert f'poster="{recording.thumbnail.url}"' in replay
    assert 'preload="none"' in replay  # the poster stands in: nothing of the recording loads before play


def test_a_replay_without_a_poster_loads_its_first_frame():
    replay = re.search(r"<video id=\"replay\"[^>]*>", page(recording_of(StreamFactory(ended=True)).stream)).group(0)
    assert "poster=" not in replay and 'preload="metadata"' in replay


def test_an_ended_stream_without_a_ready_recording_says_so():
    stream = StreamFactory(ended=True)
    recording_of(stream, status=Recording.Status.FAILED)
    html = page(stream)
    assert "This broadcast has ended" in html and "<video" not in html


def test_the_replay_page_runs_a_fixed_number_of_queries(django_assert_num_queries):
    stream = StreamFactory(ended=True)
    for _ in range(3):
        clip_of(recording_of(stream))
    # stream (with the viewer's access), its tags, recordings, clips, "More from": recordings, upcoming, and the
    # emote set the replayed chat draws :codes: with (cached for a minute, so mostly none)
    with django_assert_num_queries(7):
        Client().get(f"/streams/{stream.pk}/")


def test_a_premium_live_stream_asks_a_signed_out_viewer_to_log_in_and_buy_and_hides_the_playlist():
    stream = premium(live=True)
    html = page(stream)
    assert "Premium stream" in html and "20 coins" in html
    assert f'href="/accounts/login/?next=/streams/{stream.pk}/"' in html
    assert "data-hls-url" not in html and ".m3u8" not in html and HLS_SCRIPT not in html


def test_a_premium_live_stream_offers_a_signed_in_viewer_access_for_coins():
    stream = premium(live=True)
    html = page(stream, UserFactory())
    assert 'id="premium-access"' in html and "Buy access · 20 coins" in html and "data-buy-access" in html
    assert ".m3u8" not in html


@pytest.mark.parametrize("who", ["buyer", "creator"])
def test_a_premium_live_stream_plays_with_a_playback_token_for_viewers_with_access(who):
    stream = premium(live=True)
    viewer = buyer_of(stream) if who == "buyer" else stream.creator
    html = page(stream, viewer)
    assert re.search(rf'data-hls-url="{HLS}/p/[^/"]+/normal/{stream.pk}\.m3u8"', html)
    assert "data-buy-access" not in html and 'data-hls-script="/static/vendor/hls.light.min.js"' in html


def test_a_premium_recording_is_only_for_viewers_with_access():
    stream = premium(ended=True)
    recording = recording_of(stream)
    clip = clip_of(recording)
    html = page(stream, UserFactory())
    assert "Premium recording" in html and "data-buy-access" in html
    assert not re.search(signed_link(recording), html) and not re.search(signed_link(clip), html)
    assert 'id="replay"' not in html

    html = page(stream, buyer_of(stream))
    assert re.search(f'src="{signed_link(recording)}"', html) and re.search(signed_link(clip), html)
    assert "data-buy-access" not in html


def test_a_scheduled_premium_stream_says_when_and_sells_access_ahead():
    html = page(premium(), UserFactory())
    assert "Starting soon" in html and "Buy access · 20 coins" in html


def test_an_ended_premium_stream_without_a_recording_sells_nothing():
    html = page(premium(ended=True), UserFactory())
    assert "This broadcast has ended" in html and "data-buy-access" not in html


def test_stream_pages_load_no_third_party_assets():
    live, ended, paid = StreamFactory(live=True), StreamFactory(ended=True), premium(live=True)
    clip_of(recording_of(ended))
    for stream, viewer in ((live, None), (live, live.creator), (ended, None), (paid, UserFactory())):
        html = page(stream, viewer)
        assert third_party_urls(html) == []
        scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
        assert scripts and all(src.startswith("/static/") for src in scripts)


def test_an_ended_streams_chat_is_closed_rather_than_offering_a_send_box(client):
    stream = StreamFactory(ended=True)
    client.force_login(UserFactory())
    html = client.get(f"/streams/{stream.pk}/").content.decode()
    assert "its chat is closed" in html and 'id="chat-input"' not in html
    live = StreamFactory(live=True)
    assert 'id="chat-input"' in client.get(f"/streams/{live.pk}/").content.decode()


def test_the_devices_theatre_and_gift_sound_choices_are_drawn_by_the_server():
    """Remembered in cookies the page is drawn with: no script reads storage (or moves the layout) as it starts."""
    stream = StreamFactory(live=True)
    plain = page(stream)
    assert 'class="stream-layout"' in plain and 'aria-pressed="false">Gift sounds off<' in plain
    client = Client()
    client.cookies["gnl_theatre"] = "1"
    client.cookies["gnl_gift_sounds"] = "on"
    html = client.get(f"/streams/{stream.pk}/").content.decode()
    assert 'class="stream-layout theatre"' in html and 'aria-pressed="true">Gift sounds on<' in html
    assert re.search(r'data-action="theatre" aria-label="Theatre mode" aria-pressed="true"', html)
