"""The media pipeline through the API: hls_url (premium tokens), the publishing lock on premium/latency,
rotate-key and stop dropping the encoder, thumbnails, clips, recordings and the studio's health."""

import uuid
from datetime import timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from kombu.exceptions import OperationalError
from PIL import Image
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import client_for
from streams.media.nginx import MediaServerUnavailable, PublisherStat
from streams.models import Clip, Recording, Stream
from streams.selectors import playback_token_stream, stream_hls_url
from streams.services import media
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

HLS = "https://video.example.com/hls"


@pytest.fixture(autouse=True)
def _media_urls(settings, tmp_path):
    settings.HLS_BASE_URL = HLS
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"


def detail(stream) -> str:
    return f"/api/v1/streams/{stream.pk}"


def publishing(**extra) -> Stream:
    """A live stream whose encoder is connected to nginx-rtmp now."""
    extra.setdefault("media_app", "hlsp_normal" if extra.get("is_premium") else "hls_normal")
    return StreamFactory(live=True, publisher_client_id="11", **extra)


def premium_stream(**extra) -> Stream:
    return StreamFactory(live=True, is_premium=True, price_coins=20, **extra)


def buyer_of(stream):
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")
    stream_access_buy(stream=stream, user=fan)
    return fan


def png(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def ready_recording(stream, *, duration=120.0, status=Recording.Status.READY) -> Recording:
    recording = Recording.objects.create(
        stream=stream,
        status=status,
        source_path=f"/nowhere/{stream.pk}-{Recording.objects.count()}.flv",
        duration_seconds=duration,
    )
    if status == Recording.Status.READY:
        recording.file.save("recording.mp4", ContentFile(b"mp4"))
    return recording


# --- hls_url ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["low", "normal", "high"])
def test_a_public_streams_hls_url_is_its_master_playlist(mode):
    stream = StreamFactory(live=True, latency_mode=mode)
    assert stream_hls_url(stream, None) == f"{HLS}/{mode}/{stream.pk}.m3u8"


def test_hls_url_follows_the_application_the_encoder_publishes_into():
    stream = publishing(media_app="hls_low")  # published before a latency change that came while offline
    assert stream_hls_url(stream, None) == f"{HLS}/low/{stream.pk}.m3u8"


def test_no_hls_url_unless_live():
    assert stream_hls_url(StreamFactory(), None) is None
    assert stream_hls_url(StreamFactory(ended=True), None) is None


def test_a_premium_stream_has_no_hls_url_for_viewers_without_access():
    stream = premium_stream()
    assert stream_hls_url(stream, None) is None
    assert stream_hls_url(stream, UserFactory()) is None
    assert APIClient().get(detail(stream)).json()["hls_url"] is None
    assert client_for(UserFactory()).get(detail(stream)).json()["hls_url"] is None


def test_a_premium_hls_url_carries_a_playback_token_for_that_viewer():
    stream = premium_stream(latency_mode="low")
    fan = buyer_of(stream)
    for viewer in (stream.creator, fan):
        url = client_for(viewer).get(detail(stream)).json()["hls_url"]
        prefix, suffix = f"{HLS}/p/", f"/low/{stream.pk}.m3u8"
        assert url.startswith(prefix) and url.endswith(suffix)
        token = url.removeprefix(prefix).removesuffix(suffix)
        assert "/" not in token
        assert playback_token_stream(token) == (str(stream.pk), str(viewer.pk))
        assert stream.stream_key not in url


def test_no_url_the_api_hands_out_contains_the_stream_key():
    for stream in (
        StreamFactory(live=True),
        premium_stream(),
        publishing(),
        publishing(is_premium=True, price_coins=5),
    ):
        body = client_for(stream.creator).get(detail(stream)).content.decode()
        assert body.count(stream.stream_key) == 1  # the owner's own stream_key field, nowhere else
        assert stream.stream_key not in client_for(stream.creator).get(detail(stream)).json()["hls_url"]


# --- Settings that decide how the video is served are fixed while publishing -------------------------


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"latency_mode": "low"}, "latency_mode"),
        ({"is_premium": True, "price_coins": 30}, "is_premium"),
        ({"is_premium": True, "price_coins": 30, "latency_mode": "high"}, "is_premium or latency_mode"),
    ],
)
def test_premium_and_latency_cannot_change_while_an_encoder_publishes(change, fields):
    stream = publishing()
    response = client_for(stream.creator).patch(detail(stream), change, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stream_publishing"
    assert fields in response.json()["detail"]
    stream.refresh_from_db()
    assert (stream.latency_mode, stream.is_premium) == ("normal", False)


def test_other_changes_and_unchanged_values_are_fine_while_publishing():
    stream = publishing()
    body = {"title": "Still live", "latency_mode": "normal", "is_premium": False}
    response = client_for(stream.creator).patch(detail(stream), body, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Still live"


def test_latency_can_change_when_no_encoder_publishes():
    stream = StreamFactory(live=True)
    response = client_for(stream.creator).patch(detail(stream), {"latency_mode": "low"}, format="json")
    assert response.status_code == 200 and response.json()["latency_mode"] == "low"
    assert response.json()["hls_url"] == f"{HLS}/low/{stream.pk}.m3u8"


# --- rotate-key and stop drop the encoder -----------------------------------------------------------


def test_rotating_the_key_while_publishing_drops_the_encoder(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.STREAM_RECONNECT_GRACE_SECONDS = 60
    stream = publishing(media_app="hls_low", latency_mode="low")
    old_key = stream.stream_key
    with (
        mock.patch("streams.tasks.drop_publisher_task.delay") as drop,
        mock.patch("streams.tasks.end_dropped_streams.apply_async") as later,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(stream.creator).post(f"{detail(stream)}/rotate-key")
    assert response.status_code == 200
    assert response.json()["stream_key"] != old_key
    drop.assert_called_once_with(f"hls_low.{stream.pk}")
    later.assert_called_once_with(args=(), countdown=61)
    stream.refresh_from_db()
    assert stream.status == Stream.Status.LIVE  # for the grace period, to come back with the new key
    assert stream.publisher_client_id == "" and stream.publisher_dropped_at is not None
    with pytest.raises(media.PublishRefused):
        media.publish_begin(key=old_key, client_id="12")
    assert media.publish_begin(key=stream.stream_key, client_id="12") == f"hls_low.{stream.pk}"


def test_rotating_the_key_while_publishing_without_a_worker_ends_the_stream(
    settings, django_capture_on_commit_callbacks
):
    """make run: eager Celery, so no worker waits out a grace period - the stream must not stay live forever."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stream = publishing()
    old_key = stream.stream_key
    with mock.patch("streams.media.nginx.drop_publisher", return_value=True) as drop:  # the real (eager) task
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(stream.creator).post(f"{detail(stream)}/rotate-key")
    assert response.status_code == 200 and response.json()["status"] == "ended"
    drop.assert_called_once_with(app="live", name=f"hls_normal.{stream.pk}")
    stream.refresh_from_db()
    assert stream.status == Stream.Status.ENDED and stream.ended_at is not None
    assert stream.publisher_client_id == "" and stream.publisher_dropped_at is None
    media.publish_end(key=old_key, client_id="11")  # nginx's goodbye for the dropped encoder changes nothing
    assert Stream.objects.get(pk=stream.pk).ended_at == stream.ended_at


def test_rotating_the_key_while_offline_drops_nobody(django_capture_on_commit_callbacks):
    stream = StreamFactory()
    with mock.patch("streams.tasks.drop_publisher_task.delay") as drop:
        with django_capture_on_commit_callbacks(execute=True):
            assert client_for(stream.creator).post(f"{detail(stream)}/rotate-key").status_code == 200
    drop.assert_not_called()


def test_stopping_while_publishing_drops_the_encoder(django_capture_on_commit_callbacks):
    stream = publishing(is_premium=True, price_coins=10)
    with mock.patch("streams.tasks.drop_publisher_task.delay") as drop:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(stream.creator).post(f"{detail(stream)}/status", {"action": "stop"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "ended"
    drop.assert_called_once_with(f"hlsp_normal.{stream.pk}")
    stream.refresh_from_db()
    assert stream.publisher_client_id == ""
    # nginx's publish_done for the dropped encoder then finds nobody and changes nothing.
    media.publish_end(key=stream.stream_key, client_id="11")
    assert Stream.objects.get(pk=stream.pk).ended_at == stream.ended_at


def test_stopping_a_stream_without_an_encoder_drops_nobody(django_capture_on_commit_callbacks):
    stream = StreamFactory(live=True)
    with mock.patch("streams.tasks.drop_publisher_task.delay") as drop:
        with django_capture_on_commit_callbacks(execute=True):
            client_for(stream.creator).post(f"{detail(stream)}/status", {"action": "stop"}, format="json")
    drop.assert_not_called()


def test_drop_publisher_task_asks_nginx_for_the_live_application():
    with mock.patch("streams.media.nginx.drop_publisher", return_value=True) as drop:
        from streams.tasks import drop_publisher_task

        assert drop_publisher_task.apply(args=["hls_normal.x"]).get() is True
    drop.assert_called_once_with(app="live", name="hls_normal.x")


# --- Thumbnails ---------------------------------------------------------------------------------


def put_thumbnail(client, stream, content: bytes, name="thumb.png"):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    return client.put(f"{detail(stream)}/thumbnail", {"image": upload}, format="multipart")


def image_size(url: str) -> tuple[int, int]:
    name = url.split("/media/", 1)[1]
    with default_storage.open(name, "rb") as handle, Image.open(handle) as image:
        return image.size


def test_the_creator_uploads_a_thumbnail_in_every_standard_size():
    stream = StreamFactory(live=True)
    response = put_thumbnail(client_for(stream.creator), stream, png(1000, 1000))  # square: cropped to 16:9
    assert response.status_code == 200, response.json()
    data = response.json()
    assert set(data["thumbnails"]) == {"1280x720", "640x360", "320x180"}
    for size, url in data["thumbnails"].items():
        assert image_size(url) == tuple(int(n) for n in size.split("x"))
    assert data["thumbnail_url"] == data["thumbnails"]["1280x720"]
    assert Stream.objects.get(pk=stream.pk).thumbnail_source == Stream.ThumbnailSource.CUSTOM


def test_only_the_creator_sets_the_thumbnail():
    stream = StreamFactory(live=True)
    assert put_thumbnail(client_for(UserFactory()), stream, png(1280, 720)).status_code == 403
    assert put_thumbnail(APIClient(), stream, png(1280, 720)).status_code == 401
    assert client_for(UserFactory()).delete(f"{detail(stream)}/thumbnail").status_code == 403
    assert not Stream.objects.get(pk=stream.pk).thumbnail


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"%PDF-1.4 not an image", "thumb.png"), (png(300, 169), "small.png"), (png(1280, 170), "thin.png")],
    ids=["not-an-image", "too-small", "too-short"],
)
def test_a_thumbnail_that_is_not_a_usable_image_is_refused(content, name):
    stream = StreamFactory(live=True)
    response = put_thumbnail(client_for(stream.creator), stream, content, name=name)
    assert response.status_code == 400
    assert not Stream.objects.get(pk=stream.pk).thumbnail
    assert not default_storage.exists(f"thumbnails/{stream.pk}")


def test_a_thumbnail_put_without_an_image_is_refused():
    stream = StreamFactory(live=True)
    response = client_for(stream.creator).put(f"{detail(stream)}/thumbnail", {}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()


def test_the_creators_thumbnail_wins_until_removed(django_capture_on_commit_callbacks):
    stream = StreamFactory(live=True)
    owner = client_for(stream.creator)
    custom = put_thumbnail(owner, stream, png(1280, 720)).json()["thumbnails"]
    media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source=Stream.ThumbnailSource.AUTO)
    assert owner.get(detail(stream)).json()["thumbnails"] == custom

    with django_capture_on_commit_callbacks(execute=True):
        removed = owner.delete(f"{detail(stream)}/thumbnail")
    assert removed.status_code == 200
    assert removed.json()["thumbnail_url"] is None and removed.json()["thumbnails"] == {}
    assert not any(default_storage.exists(url.split("/media/", 1)[1]) for url in custom.values())

    media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source=Stream.ThumbnailSource.AUTO)
    automatic = owner.get(detail(stream)).json()["thumbnails"]
    assert set(automatic) == {"1280x720", "640x360", "320x180"} and automatic != custom
    assert Stream.objects.get(pk=stream.pk).thumbnail_source == Stream.ThumbnailSource.AUTO


def test_removing_an_automatic_thumbnail_keeps_it():
    stream = StreamFactory(live=True)
    media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source=Stream.ThumbnailSource.AUTO)
    response = client_for(stream.creator).delete(f"{detail(stream)}/thumbnail")
    assert response.status_code == 200 and set(response.json()["thumbnails"]) == {"1280x720", "640x360", "320x180"}


def test_removing_the_creators_thumbnail_on_an_ended_stream_falls_back_to_its_recordings(
    django_capture_on_commit_callbacks,
):
    stream = StreamFactory(ended=True)
    older, newest = ready_recording(stream), ready_recording(stream)
    Recording.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    red = BytesIO()
    Image.new("RGB", (1280, 720), (200, 0, 0)).save(red, format="PNG")
    older.thumbnail.save("thumbnail.webp", ContentFile(red.getvalue()))
    newest.thumbnail.save("thumbnail.webp", ContentFile(png(1280, 720)))
    processing = ready_recording(stream, status=Recording.Status.PROCESSING)
    processing.thumbnail.save("thumbnail.webp", ContentFile(red.getvalue()))
    owner = client_for(stream.creator)
    custom = put_thumbnail(owner, stream, png(1280, 720)).json()["thumbnails"]

    with django_capture_on_commit_callbacks(execute=True):
        removed = owner.delete(f"{detail(stream)}/thumbnail")
    assert removed.status_code == 200
    data = removed.json()
    assert set(data["thumbnails"]) == {"1280x720", "640x360", "320x180"} and data["thumbnails"] != custom
    assert data["thumbnail_url"] == data["thumbnails"]["1280x720"]
    assert image_size(data["thumbnail_url"]) == (1280, 720)
    stream.refresh_from_db()
    assert stream.thumbnail_source == Stream.ThumbnailSource.AUTO
    with default_storage.open(stream.thumbnail.name, "rb") as handle, Image.open(handle) as image:
        red, _green, blue = image.convert("RGB").getpixel((10, 10))
    assert blue > 150 and red < 60  # the newest ready recording's picture (the others are red)
    assert not any(default_storage.exists(url.split("/media/", 1)[1]) for url in custom.values())


def test_removing_the_creators_thumbnail_while_publishing_falls_back_to_a_live_frame(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    stream = publishing()
    folder = tmp_path / "mediaserver" / "hls" / "public" / "normal"
    folder.mkdir(parents=True)
    (folder / f"{stream.pk}_src-1.ts").write_bytes(b"ts")
    (folder / f"{stream.pk}_src.m3u8").write_text(f"#EXTM3U\n#EXTINF:2.000,\n{stream.pk}_src-1.ts\n")
    owner = client_for(stream.creator)
    put_thumbnail(owner, stream, png(1280, 720))

    def grab(source, target, at_seconds=0.0):
        target.write_bytes(png(1280, 720))

    with (
        mock.patch("streams.media.tools.frame_grab", side_effect=grab) as grabbed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        removed = owner.delete(f"{detail(stream)}/thumbnail")
    assert removed.status_code == 200 and removed.json()["thumbnail_url"]
    assert grabbed.call_args.args[0] == folder / f"{stream.pk}_src-1.ts"
    assert Stream.objects.get(pk=stream.pk).thumbnail_source == Stream.ThumbnailSource.AUTO


# --- Clips -----------------------------------------------------------------------------------------


def clips(stream) -> str:
    return f"{detail(stream)}/clips"


def test_the_creator_cuts_a_clip_from_the_newest_ready_recording(django_capture_on_commit_callbacks):
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    newest = ready_recording(stream, duration=300)
    ready_recording(stream, status=Recording.Status.PROCESSING)
    body = {"start": 240, "duration": 60, "title": "The goal"}
    with mock.patch("streams.tasks.cut_clip.delay") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(stream.creator).post(clips(stream), body, format="json")
    assert response.status_code == 202, response.json()
    data = response.json()
    assert (data["recording"], data["start"], data["duration"]) == (str(newest.pk), 240.0, 60.0)
    assert (data["status"], data["url"], data["title"]) == ("processing", None, "The goal")
    queued.assert_called_once_with(data["id"])
    assert client_for(UserFactory()).get(clips(stream)).json()[0]["id"] == data["id"]


def test_a_clip_is_accepted_once_though_the_broker_is_down(django_capture_on_commit_callbacks):
    """The clip row has committed when the task is queued: a broker that is down is logged, not a 500 (the
    client's retry would cut a second clip)."""
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    broker_down = OperationalError("Connection refused")
    with mock.patch("streams.tasks.cut_clip.delay", side_effect=broker_down):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(stream.creator).post(clips(stream), {"start": 0, "duration": 30}, format="json")
    assert response.status_code == 202, response.content
    assert Clip.objects.filter(stream=stream).count() == 1


def test_a_clip_needs_a_ready_recording():
    stream = StreamFactory(ended=True)
    processing = ready_recording(stream, status=Recording.Status.PROCESSING)
    response = client_for(stream.creator).post(clips(stream), {"start": 0, "duration": 10}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "recording_not_ready"
    body = {"start": 0, "duration": 10, "recording": str(processing.pk)}
    response = client_for(stream.creator).post(clips(stream), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "recording_not_ready"
    assert not Clip.objects.exists()


@pytest.mark.parametrize("whose", ["another stream's", "nobody's"])
def test_a_clip_naming_a_recording_this_stream_does_not_have_is_a_field_error(whose):
    """Not "not ready yet" (409): no wait makes another stream's recording this one's. 400 on the field."""
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    other = ready_recording(StreamFactory(ended=True)).pk if whose == "another stream's" else uuid.uuid4()
    body = {"start": 0, "duration": 10, "recording": str(other)}
    response = client_for(stream.creator).post(clips(stream), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"recording": ["No such recording of this stream."]}
    assert not Clip.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": 0, "duration": 61}, "duration"),
        ({"start": 0, "duration": 0}, "duration"),
        ({"start": -1, "duration": 10}, "start"),
        ({"start": 115, "duration": 10}, "start"),  # past the 120 s recording's end
        ({"start": 500, "duration": 5}, "start"),
        ({"duration": 10}, "start"),
    ],
)
def test_a_clip_must_be_short_and_lie_within_the_recording(body, field):
    stream = StreamFactory(ended=True)
    ready_recording(stream, duration=120)
    response = client_for(stream.creator).post(clips(stream), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Clip.objects.exists()


def test_anonymous_viewers_cannot_cut_clips():
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    assert APIClient().post(clips(stream), {"start": 0, "duration": 10}, format="json").status_code == 401
    assert not Clip.objects.exists()


def test_only_the_creator_cuts_clips():
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    with mock.patch("streams.tasks.cut_clip.delay"):
        response = client_for(UserFactory()).post(clips(stream), {"start": 0, "duration": 10}, format="json")
    assert response.status_code == 403
    assert not Clip.objects.exists()


def test_clips_of_a_premium_stream_have_no_url_for_viewers_without_access():
    stream = premium_stream(ended=True)
    clip = Clip.objects.create(
        stream=stream,
        recording=ready_recording(stream),
        created_by=stream.creator,
        start_seconds=0,
        duration_seconds=5,
        status=Clip.Status.READY,
    )
    clip.file.save("clip.mp4", ContentFile(b"clip"))
    assert [row["url"] for row in APIClient().get(clips(stream)).json()] == [None]
    assert client_for(stream.creator).get(clips(stream)).json()[0]["url"].endswith(".mp4")


# --- Recordings ---------------------------------------------------------------------------------


def test_recordings_lists_only_ready_ones_oldest_first(django_assert_max_num_queries):
    stream = StreamFactory(ended=True)
    first, second = ready_recording(stream, duration=60), ready_recording(stream, duration=30)
    Recording.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    ready_recording(stream, status=Recording.Status.PROCESSING)
    ready_recording(stream, status=Recording.Status.FAILED)
    ready_recording(StreamFactory(ended=True))  # another stream's
    with django_assert_max_num_queries(3):
        response = APIClient().get(f"{detail(stream)}/recordings")
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [str(first.pk), str(second.pk)]
    assert all(row["status"] == "ready" and row["url"].endswith(".mp4") for row in rows)


def test_recordings_of_a_premium_stream_have_no_url_for_viewers_without_access():
    stream = premium_stream(ended=True)
    ready_recording(stream)
    url = f"{detail(stream)}/recordings"
    assert [row["url"] for row in APIClient().get(url).json()] == [None]
    assert [row["url"] for row in client_for(UserFactory()).get(url).json()] == [None]
    assert client_for(buyer_of(stream)).get(url).json()[0]["url"].endswith(".mp4")
    assert client_for(stream.creator).get(url).json()[0]["url"].endswith(".mp4")


def test_a_premium_recordings_file_cannot_be_guessed_from_what_everyone_sees():
    stream = premium_stream(ended=True)
    recording = ready_recording(stream)
    public = APIClient().get(f"{detail(stream)}/recordings").content.decode()
    secret_part = recording.file.name.rsplit("/", 1)[1].removesuffix(".mp4")
    assert recording.file.name != f"recordings/{stream.pk}/{recording.pk}.mp4"
    assert str(recording.pk) in public and secret_part not in public


def test_recordings_of_a_private_stream_are_hidden():
    stream = StreamFactory(ended=True, visibility="private")
    ready_recording(stream)
    assert APIClient().get(f"{detail(stream)}/recordings").status_code == 404
    assert client_for(stream.creator).get(f"{detail(stream)}/recordings").status_code == 200


# --- Stream health -----------------------------------------------------------------------------------

STAT = PublisherStat(
    bitrate_kbps=2612,
    video_kbps=2484,
    audio_kbps=128,
    width=1280,
    height=720,
    fps=30.0,
    video_codec="H264",
    audio_codec="AAC",
    seconds_live=44.7,
)


def health(stream, user=None):
    return client_for(user or stream.creator).get(f"{detail(stream)}/health")


def test_health_is_for_the_creator_only():
    stream = publishing()
    with mock.patch("streams.media.nginx.stat", return_value=STAT):
        assert health(stream, UserFactory()).status_code == 403
        assert APIClient().get(f"{detail(stream)}/health").status_code == 401


def test_health_without_an_encoder_says_not_publishing():
    stream = StreamFactory(live=True)
    with mock.patch("streams.media.nginx.stat") as stat:
        response = health(stream)
    assert response.status_code == 200
    data = response.json()
    assert (data["publishing"], data["warnings"], data["width"]) == (False, [], None)
    assert "bitrate_kbps" not in data
    stat.assert_not_called()


def test_health_reports_what_the_encoder_sends():
    stream = publishing()
    with (
        mock.patch("streams.media.nginx.stat", return_value=STAT) as stat,
        mock.patch("streams.media.tools.keyframe_times", return_value=[0.0, 2.0, 4.0]),
    ):
        data = health(stream).json()
    stat.assert_called_once_with(app="live", name=f"hls_normal.{stream.pk}")
    assert data["publishing"] is True
    assert (data["bitrate_kbps"], data["video_kbps"], data["audio_kbps"]) == (2612, 2484, 128)
    assert (data["width"], data["height"], data["fps"]) == (1280, 720, 30.0)
    assert (data["video_codec"], data["audio_codec"], data["seconds_live"]) == ("H264", "AAC", 44.7)
    assert data["keyframe_interval_seconds"] == 2.0
    assert data["warnings"] == []


def test_health_warns_about_long_keyframe_intervals_and_missing_video():
    stream = publishing()
    silent = PublisherStat(**{**STAT.__dict__, "video_kbps": 0})
    with (
        mock.patch("streams.media.nginx.stat", return_value=silent),
        mock.patch("streams.media.tools.keyframe_times", return_value=[0.0, 4.5, 9.0]),
    ):
        data = health(stream).json()
    assert data["keyframe_interval_seconds"] == 4.5
    assert [warning["code"] for warning in data["warnings"]] == ["keyframe_interval", "no_video"]


def test_health_when_nginx_does_not_know_the_stream_or_is_down():
    stream = publishing()
    with mock.patch("streams.media.nginx.stat", return_value=None):
        data = health(stream).json()
    assert (data["publishing"], data["warnings"]) == (False, [])
    with mock.patch("streams.media.nginx.stat", side_effect=MediaServerUnavailable("refused")):
        data = health(stream).json()
    assert data["publishing"] is False
    assert [warning["code"] for warning in data["warnings"]] == ["media_server_unavailable"]


def test_health_does_not_warn_of_missing_video_while_nginx_is_still_measuring():
    stream = publishing()
    early = PublisherStat(**{**STAT.__dict__, "video_kbps": 0, "seconds_live": 5.0})
    with (
        mock.patch("streams.media.nginx.stat", return_value=early),
        mock.patch("streams.media.tools.keyframe_times", return_value=[0.0, 2.0, 4.0]),
    ):
        data = health(stream).json()
    assert data["warnings"] == []


@pytest.mark.parametrize(
    ("latency_mode", "interval", "warned"),
    [("low", 1.0, False), ("low", 2.0, True), ("normal", 2.0, False), ("high", 2.0, False), ("high", 3.0, True)],
)
def test_the_keyframe_warning_follows_the_streams_latency(latency_mode, interval, warned):
    stream = publishing(latency_mode=latency_mode, media_app=f"hls_{latency_mode}")
    with (
        mock.patch("streams.media.nginx.stat", return_value=STAT),
        mock.patch("streams.media.tools.keyframe_times", return_value=[0.0, interval, 2 * interval]),
    ):
        data = health(stream).json()
    assert ("keyframe_interval" in [w["code"] for w in data["warnings"]]) is warned


def test_a_recordings_file_url_is_withheld_unless_the_caller_says_the_viewer_has_access():
    """Fail closed: a new caller that forgets ``has_access`` must not hand out a premium stream's file."""
    from streams.api.serializers import RecordingSerializer

    recording = ready_recording(StreamFactory(ended=True, is_premium=True, price_coins=5))
    assert RecordingSerializer(recording, context={"request": None}).data["url"] is None
    shown = RecordingSerializer(recording, context={"request": None, "has_access": True}).data["url"]
    assert shown and shown.endswith(".mp4")


@pytest.mark.parametrize("duration", [0.2, 61])
def test_clip_lengths_outside_the_bounds_are_refused_by_the_service_too(duration):
    from django.core.exceptions import ValidationError

    stream = StreamFactory(ended=True)
    ready_recording(stream)
    with pytest.raises(ValidationError):
        media.clip_create(stream=stream, user=stream.creator, start_seconds=0, duration_seconds=duration)
