"""nginx-rtmp's callbacks (on_publish, on_publish_done, on_record_done) and its auth_request for premium HLS.

No nginx here: the tests post what nginx-rtmp posts (a form with app, name = the stream key, clientid, ...).
"""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.media.nginx import MediaServerUnavailable
from streams.models import Recording, Stream, Subscription
from streams.selectors import playback_token_make, stream_hls_url
from streams.services import media, stream_stop
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

PUBLISH = "/media-hooks/publish"
PUBLISH_DONE = "/media-hooks/publish-done"
RECORD_DONE = "/media-hooks/record-done"
PLAYBACK_AUTH = "/media-hooks/playback-auth"


@pytest.fixture(autouse=True)
def _media_server_root(settings, tmp_path):
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"
    (tmp_path / "mediaserver" / "recordings").mkdir(parents=True)


@pytest.fixture
def nginx():
    """What nginx-rtmp is to Django: a loopback caller (Django's test client says REMOTE_ADDR 127.0.0.1)."""
    return Client()


def publish(nginx, key: str, client_id: str = "1", app: str = "live", **extra):
    body = {"app": app, "name": key, "addr": "203.0.113.9", "clientid": client_id, "tcurl": "rtmp://x/live"}
    return nginx.post(PUBLISH, body, **extra)


def publish_done(nginx, key: str, client_id: str = "1", app: str = "live"):
    return nginx.post(PUBLISH_DONE, {"app": app, "name": key, "clientid": client_id})


def fresh(stream: Stream) -> Stream:
    return Stream.objects.get(pk=stream.pk)


# --- on_publish ---------------------------------------------------------------------


def test_publish_with_a_good_key_goes_live_and_renames_the_stream_to_its_id(
    nginx, django_capture_on_commit_callbacks, room_events
):
    stream = StreamFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = publish(nginx, stream.stream_key, client_id="7")
    assert response.status_code == 302
    assert response["Location"] == f"hls_normal.{stream.pk}"
    assert stream.stream_key not in response["Location"]
    stream = fresh(stream)
    assert stream.status == Stream.Status.LIVE
    assert stream.started_at is not None
    assert stream.publisher_client_id == "7"
    assert stream.media_app == "hls_normal"
    assert room_events == [(str(stream.pk), {"type": "stream_status", "status": "live"})]


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        ({"is_premium": True, "price_coins": 20}, "hlsp_normal"),
        ({"latency_mode": "low"}, "hls_low"),
        ({"latency_mode": "high", "is_premium": True, "price_coins": 5}, "hlsp_high"),
    ],
)
def test_publish_name_follows_premium_and_latency(nginx, flags, name):
    stream = StreamFactory(**flags)
    response = publish(nginx, stream.stream_key)
    assert response.status_code == 302
    assert response["Location"] == f"{name}.{stream.pk}"


def test_publish_keeps_the_start_time_of_a_stream_started_from_the_api(nginx):
    stream = StreamFactory(live=True)
    started = stream.started_at
    assert publish(nginx, stream.stream_key).status_code == 302
    assert fresh(stream).started_at == started


@pytest.mark.parametrize("key", ["live_no-such-key", ""])
def test_publish_with_an_unknown_or_empty_key_is_refused(nginx, key):
    StreamFactory()
    assert publish(nginx, key).status_code == 403
    assert not Stream.objects.filter(status=Stream.Status.LIVE).exists()


def test_publish_to_an_ended_stream_is_refused(nginx):
    stream = StreamFactory(ended=True)
    assert publish(nginx, stream.stream_key).status_code == 403
    assert fresh(stream).status == Stream.Status.ENDED


def test_a_second_encoder_with_the_same_key_is_refused_while_the_first_publishes(nginx):
    stream = StreamFactory()
    assert publish(nginx, stream.stream_key, client_id="1").status_code == 302
    with mock.patch("streams.services.media.publishing.publisher_present", return_value=True) as asked:
        assert publish(nginx, stream.stream_key, client_id="2").status_code == 403
    asked.assert_called_once()
    assert fresh(stream).publisher_client_id == "1"


def test_a_publisher_that_vanished_without_a_goodbye_is_replaced(nginx):
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="1")
    with mock.patch("streams.services.media.publishing.publisher_present", return_value=False):
        assert publish(nginx, stream.stream_key, client_id="2").status_code == 302
    assert fresh(stream).publisher_client_id == "2"


def test_nginx_is_asked_before_the_row_lock_and_a_publisher_that_arrived_meanwhile_wins(nginx):
    """The /stat call is a network call: it runs before the transaction, so the row is checked again after."""
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="1")

    def ask_while_a_third_encoder_takes_the_stream(known):
        Stream.objects.filter(pk=stream.pk).update(publisher_client_id="3")
        return False  # client 1 is gone

    present = "streams.services.media.publishing.publisher_present"
    with mock.patch(present, side_effect=ask_while_a_third_encoder_takes_the_stream):
        assert publish(nginx, stream.stream_key, client_id="2").status_code == 403
    assert fresh(stream).publisher_client_id == "3"


def test_when_the_media_server_cannot_say_the_known_publisher_is_kept(nginx):
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="1")
    with mock.patch("streams.media.nginx.stat", side_effect=MediaServerUnavailable("down")):
        assert publish(nginx, stream.stream_key, client_id="2").status_code == 403
    assert fresh(stream).publisher_client_id == "1"


def test_publish_into_another_application_is_refused(nginx):
    stream = StreamFactory()
    assert publish(nginx, stream.stream_key, app="hls_normal").status_code == 403
    assert fresh(stream).status == Stream.Status.SCHEDULED


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "198.51.100.4"},
        {"HTTP_X_FORWARDED_FOR": "198.51.100.4"},
        {"HTTP_X_REAL_IP": "198.51.100.4"},
    ],
    ids=["public-peer", "relayed-by-proxy", "real-ip-header"],
)
def test_hooks_refuse_anyone_but_the_local_media_server(nginx, extra):
    stream = StreamFactory()
    assert publish(nginx, stream.stream_key, **extra).status_code == 403
    assert fresh(stream).status == Stream.Status.SCHEDULED
    live = StreamFactory(live=True, publisher_client_id="3", media_app="hls_normal")
    body = {"app": "live", "name": live.stream_key, "clientid": "3"}
    assert nginx.post(PUBLISH_DONE, body, **extra).status_code == 403
    assert fresh(live).status == Stream.Status.LIVE


def test_ipv6_loopback_is_the_media_server_too(nginx):
    stream = StreamFactory()
    assert publish(nginx, stream.stream_key, REMOTE_ADDR="::1").status_code == 302


def test_hooks_take_post_only(nginx):
    stream = StreamFactory()
    assert nginx.get(PUBLISH, {"app": "live", "name": stream.stream_key}).status_code == 405
    assert nginx.get(PUBLISH_DONE).status_code == 405
    assert nginx.get(RECORD_DONE).status_code == 405
    assert fresh(stream).status == Stream.Status.SCHEDULED


def test_hooks_need_no_csrf_token():
    stream = StreamFactory()
    strict = Client(enforce_csrf_checks=True)
    assert publish(strict, stream.stream_key).status_code == 302


# --- on_publish_done ----------------------------------------------------------------


def test_publish_done_ends_the_stream_when_no_worker_can_wait(nginx, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="4")
    assert publish_done(nginx, stream.stream_key, client_id="4").status_code == 204
    stream = fresh(stream)
    assert stream.status == Stream.Status.ENDED
    assert stream.ended_at is not None
    assert stream.publisher_client_id == ""


def test_publish_done_with_no_grace_period_ends_the_stream(nginx, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.STREAM_RECONNECT_GRACE_SECONDS = 0
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="4")
    publish_done(nginx, stream.stream_key, client_id="4")
    assert fresh(stream).status == Stream.Status.ENDED


@pytest.fixture
def grace(settings):
    """A real worker: an encoder that drops has a minute to come back."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.STREAM_RECONNECT_GRACE_SECONDS = 60
    with mock.patch("streams.tasks.end_dropped_streams.apply_async") as later:
        yield later


def test_a_dropped_encoder_leaves_the_stream_live_for_the_grace_period(
    nginx, grace, django_capture_on_commit_callbacks
):
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="4")
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_done(nginx, stream.stream_key, client_id="4").status_code == 204
    grace.assert_called_once_with(args=(), countdown=61)
    stream = fresh(stream)
    assert stream.status == Stream.Status.LIVE
    assert stream.publisher_client_id == ""
    assert stream.publisher_dropped_at is not None


def test_reconnecting_within_the_grace_period_is_the_same_stream(nginx, grace):
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="4")
    started = fresh(stream).started_at
    publish_done(nginx, stream.stream_key, client_id="4")
    response = publish(nginx, stream.stream_key, client_id="9")
    assert response.status_code == 302
    assert response["Location"] == f"hls_normal.{stream.pk}"
    assert Stream.objects.count() == 1
    stream = fresh(stream)
    assert (stream.status, stream.publisher_client_id, stream.publisher_dropped_at) == ("live", "9", None)
    assert stream.started_at == started
    # Back in time: the grace job finds nothing to end.
    assert media.dropped_streams_end(now=stream.updated_at + timedelta(minutes=5)) == 0
    assert fresh(stream).status == Stream.Status.LIVE


def test_a_dropped_stream_ends_once_the_grace_period_is_over(nginx, grace):
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="4")
    publish_done(nginx, stream.stream_key, client_id="4")
    dropped_at = fresh(stream).publisher_dropped_at
    assert media.dropped_streams_end(now=dropped_at + timedelta(seconds=30)) == 0
    assert fresh(stream).status == Stream.Status.LIVE
    assert media.dropped_streams_end(now=dropped_at + timedelta(seconds=61)) == 1
    stream = fresh(stream)
    assert stream.status == Stream.Status.ENDED and stream.ended_at is not None
    # Ended for good: the encoder cannot bring it back.
    assert publish(nginx, stream.stream_key, client_id="5").status_code == 403


def test_a_late_goodbye_from_an_older_connection_changes_nothing(nginx, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="1")
    with mock.patch("streams.services.media.publishing.publisher_present", return_value=False):
        publish(nginx, stream.stream_key, client_id="2")
    assert publish_done(nginx, stream.stream_key, client_id="1").status_code == 204
    stream = fresh(stream)
    assert (stream.status, stream.publisher_client_id, stream.publisher_dropped_at) == ("live", "2", None)


def test_publish_done_for_an_unknown_key_or_app_is_harmless(nginx, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stream = StreamFactory()
    publish(nginx, stream.stream_key, client_id="1")
    assert publish_done(nginx, "live_unknown", client_id="1").status_code == 204
    assert publish_done(nginx, stream.stream_key, client_id="1", app="hls_normal").status_code == 204
    assert fresh(stream).publisher_client_id == "1"


# --- on_record_done -----------------------------------------------------------------


def recording_path(settings, stream, *, app="hls_normal", stamp=1764000000):
    return settings.MEDIA_SERVER_ROOT / "recordings" / f"{app}.{stream.pk}-{stamp}.flv"


def record_done(nginx, path, app="live"):
    return nginx.post(RECORD_DONE, {"app": app, "name": "whatever", "clientid": "1", "path": str(path)})


def test_record_done_registers_one_recording_per_file_and_queues_it_once(
    nginx, settings, django_capture_on_commit_callbacks
):
    stream = StreamFactory(ended=True)
    path = recording_path(settings, stream)
    path.write_bytes(b"FLV")
    with mock.patch("streams.tasks.process_recording.delay") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            assert record_done(nginx, path).status_code == 204
        with django_capture_on_commit_callbacks(execute=True):
            assert record_done(nginx, path).status_code == 204
    recording = Recording.objects.get()
    assert recording.stream_id == stream.pk
    assert recording.status == Recording.Status.PROCESSING
    assert recording.source_path == str(path)
    queued.assert_called_once_with(str(recording.pk))


def test_each_recorded_file_of_a_stream_is_its_own_recording(nginx, settings):
    stream = StreamFactory(ended=True)
    with mock.patch("streams.tasks.process_recording.delay"):
        record_done(nginx, recording_path(settings, stream, stamp=1))
        record_done(nginx, recording_path(settings, stream, app="hlsp_low", stamp=2))
    assert stream.recordings.count() == 2


@pytest.mark.parametrize(
    "where",
    [
        "outside",  # another folder
        "traversal",  # recordings/../elsewhere
        "bad-name",  # not "<hls app>.<uuid>-<time>.flv"
        "not-our-app",  # a name nginx would not give a recording of ours
        "unknown-stream",
        "malformed-id",  # 36 characters, not a UUID
    ],
)
def test_record_done_ignores_files_that_are_not_our_recordings(nginx, settings, tmp_path, where):
    stream = StreamFactory(ended=True)
    recordings = settings.MEDIA_SERVER_ROOT / "recordings"
    name = f"hls_normal.{stream.pk}-1.flv"
    path = {
        "outside": tmp_path / name,
        "traversal": recordings / ".." / name,
        "bad-name": recordings / f"{stream.stream_key}.flv",
        "not-our-app": recordings / f"live_normal.{stream.pk}-1.flv",
        "unknown-stream": recordings / "hls_normal.00000000-0000-4000-8000-000000000000-1.flv",
        "malformed-id": recordings / f"hls_normal.{'0' * 36}-1.flv",
    }[where]
    with mock.patch("streams.tasks.process_recording.delay") as queued:
        assert record_done(nginx, path).status_code == 204
    assert not Recording.objects.exists()
    queued.assert_not_called()


def test_record_done_from_another_application_is_ignored(nginx, settings):
    stream = StreamFactory(ended=True)
    with mock.patch("streams.tasks.process_recording.delay"):
        assert record_done(nginx, recording_path(settings, stream), app="hls_normal").status_code == 204
    assert not Recording.objects.exists()


# --- playback_auth (nginx's auth_request for premium HLS) ------------------------------


@pytest.fixture
def premium(settings):
    settings.HLS_BASE_URL = "http://127.0.0.1:18080/hls"
    return StreamFactory(live=True, is_premium=True, price_coins=30, media_app="hlsp_normal")


def playlist_uri(stream, user) -> str:
    """The path nginx puts in X-Original-URI when the player loads the URL the API gave ``user``."""
    url = stream_hls_url(stream, user)
    return url.removeprefix("http://127.0.0.1:18080")


def auth(nginx, uri=None, **extra):
    headers = {"HTTP_X_ORIGINAL_URI": uri} if uri is not None else {}
    return nginx.get(PLAYBACK_AUTH, **headers, **extra)


def subscribe(user, creator):
    Subscription.objects.create(
        subscriber=user,
        creator=creator,
        price_coins=10,
        current_period_end=timezone.now() + timedelta(days=30),
    )


def test_the_creators_playlist_and_segments_pass(nginx, premium):
    uri = playlist_uri(premium, premium.creator)
    assert auth(nginx, uri).status_code == 204
    segment = uri.replace(f"{premium.pk}.m3u8", f"{premium.pk}_480p-12.ts")
    assert auth(nginx, segment).status_code == 204
    variant = uri.replace(f"{premium.pk}.m3u8", f"{premium.pk}_src.m3u8")
    assert auth(nginx, variant).status_code == 204


def test_a_subscribers_token_passes_until_the_subscription_lapses(nginx, premium):
    fan = UserFactory()
    subscribe(fan, premium.creator)
    uri = playlist_uri(premium, fan)
    assert auth(nginx, uri).status_code == 204
    Subscription.objects.update(status=Subscription.Status.LAPSED)
    assert auth(nginx, uri).status_code == 403


def test_a_token_for_a_viewer_without_access_is_refused(nginx, premium):
    stranger = UserFactory()
    token = playback_token_make(stream_id=premium.pk, user_id=stranger.pk)
    assert auth(nginx, f"/hls/p/{token}/normal/{premium.pk}.m3u8").status_code == 403


def test_a_token_of_a_deactivated_viewer_is_refused(nginx, premium):
    uri = playlist_uri(premium, premium.creator)
    type(premium.creator).objects.filter(pk=premium.creator_id).update(is_active=False)
    assert auth(nginx, uri).status_code == 403


def test_a_token_for_another_stream_is_refused(nginx, premium):
    other = StreamFactory(live=True, is_premium=True, price_coins=30, creator=premium.creator)
    token = playback_token_make(stream_id=other.pk, user_id=premium.creator_id)
    assert auth(nginx, f"/hls/p/{token}/normal/{other.pk}.m3u8").status_code == 204
    assert auth(nginx, f"/hls/p/{token}/normal/{premium.pk}.m3u8").status_code == 403


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        signing.dumps({"s": "x", "u": "y"}, salt="another.salt"),
        signing.dumps("just-a-string", salt="streams.playback"),
    ],
    ids=["garbage", "wrong-salt", "wrong-shape"],
)
def test_a_forged_token_is_refused(nginx, premium, token):
    assert auth(nginx, f"/hls/p/{token}/normal/{premium.pk}.m3u8").status_code == 403


def test_an_expired_token_is_refused(nginx, premium, settings):
    settings.PLAYBACK_TOKEN_MAX_AGE = 60 * 60
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 60 * 60):
        uri = playlist_uri(premium, premium.creator)
    assert auth(nginx, uri).status_code == 403
    settings.PLAYBACK_TOKEN_MAX_AGE = 3 * 60 * 60
    assert auth(nginx, uri).status_code == 204


@pytest.mark.parametrize(
    "uri",
    [None, "", "/hls/normal/{id}.m3u8", "/hls/p/{token}/normal/{id}.mp4", "/hls/p/{token}/../normal/{id}.m3u8"],
    ids=["missing", "empty", "public-path", "not-hls", "dot-dot"],
)
def test_a_request_that_is_not_a_premium_hls_path_is_refused(nginx, premium, uri):
    token = playback_token_make(stream_id=premium.pk, user_id=premium.creator_id)
    if uri is not None:
        uri = uri.format(id=premium.pk, token=token)
    assert auth(nginx, uri).status_code == 403


def test_playback_auth_is_for_the_local_media_server_only(nginx, premium):
    uri = playlist_uri(premium, premium.creator)
    assert auth(nginx, uri, REMOTE_ADDR="198.51.100.4").status_code == 403
    assert auth(nginx, uri, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 403
    assert nginx.post(PLAYBACK_AUTH, HTTP_X_ORIGINAL_URI=uri).status_code == 405


# --- the room hears every way a stream goes live or ends (the watch page follows it without a reload) ----------


def test_every_way_a_stream_ends_tells_the_room(
    nginx, grace, django_capture_on_commit_callbacks, room_events, settings
):
    stopped, dropped, gone = StreamFactory(), StreamFactory(), StreamFactory()
    for stream, client_id in ((stopped, "1"), (dropped, "2"), (gone, "3")):
        publish(nginx, stream.stream_key, client_id=client_id)
    room_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stream_stop(stream=fresh(stopped))  # the creator's stop (API, admin)
        publish_done(nginx, dropped.stream_key, client_id="2")  # an encoder gone: live for the grace period
    assert room_events == [(str(stopped.pk), {"type": "stream_status", "status": "ended"})]
    with django_capture_on_commit_callbacks(execute=True):
        assert media.dropped_streams_end(now=fresh(dropped).publisher_dropped_at + timedelta(seconds=61)) == 1
    settings.STREAM_RECONNECT_GRACE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        publish_done(nginx, gone.stream_key, client_id="3")  # no grace period: ended at once
    assert room_events[1:] == [
        (str(dropped.pk), {"type": "stream_status", "status": "ended"}),
        (str(gone.pk), {"type": "stream_status", "status": "ended"}),
    ]
