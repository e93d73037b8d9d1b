"""The media pipeline's services and tasks: /stat parsing, recordings to VOD, clips, thumbnails, retention.

ffmpeg and nginx are what leaves the process here: most tests patch streams.media.tools / nginx; those that
run the real ffmpeg carry the needs_media marker.
"""

import itertools
import re
import shutil
import subprocess
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from unittest import mock

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from streams.media import nginx, tools
from streams.media.config import hls_dir
from streams.media.nginx import PublisherStat, parse_stat
from streams.models import Clip, Recording, Stream
from streams.services import creator_profile_ensure, media
from streams.tasks import cut_clip, process_recording, prune_recordings, refresh_live_thumbnails
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

STREAM_ID = "3f1c7a52-2b0e-4d8e-9a51-0c6f2b9d1e77"

# What nginx-rtmp 1.2.2 (nginx 1.22) answered on /stat while ffmpeg published 720p30 H264/AAC into "live" under
# the renamed stream, with its ladder publishing into hls_normal; the bandwidth figures, 0 in the first 10 s of a
# publish, are filled in with a later sample's.
STAT_XML = f"""<?xml version="1.0" encoding="utf-8" ?>
<rtmp>
<nginx_version>1.22.1</nginx_version>
<nginx_rtmp_version>1.1.4</nginx_rtmp_version>
<built>Feb 13 2023 11:56:56</built>
<pid>13676</pid>
<uptime>46</uptime>
<naccepted>3</naccepted>
<bw_in>5402112</bw_in>
<bytes_in>24387086</bytes_in>
<bw_out>2701056</bw_out>
<bytes_out>12193543</bytes_out>
<server>
<application>
<name>live</name>
<live>
<stream>
<name>hls_normal.{STREAM_ID}</name>
<time>44708</time><bw_in>2612824</bw_in>
<bytes_in>14382648</bytes_in>
<bw_out>2612824</bw_out>
<bytes_out>14380112</bytes_out>
<bw_audio>128392</bw_audio>
<bw_video>2484432</bw_video>
<client><id>1</id><address>203.0.113.9</address><time>44885</time><flashver>FMLE/3.0 (compatible; Lavf59.27</flashver>\
<dropped>0</dropped><avsync>-5</avsync><timestamp>44556</timestamp><publishing/><active/></client>
<client><id>2</id><address>127.0.0.1</address><time>44102</time><flashver>LNX 9,0,124,2</flashver><dropped>0</dropped>\
<avsync>-5</avsync><timestamp>44556</timestamp><active/></client>
<meta><video><width>1280</width><height>720</height><frame_rate>30</frame_rate><codec>H264</codec><profile>High</profile>\
<compat>0</compat><level>3.1</level></video><audio><codec>AAC</codec><profile>LC</profile><channels>2</channels>\
<sample_rate>44100</sample_rate></audio></meta>
<nclients>2</nclients>
<publishing/>
<active/>
</stream>
<stream>
<name>live_someone_watching_nothing</name>
<time>3001</time><bw_in>0</bw_in><bytes_in>0</bytes_in><bw_out>0</bw_out><bytes_out>0</bytes_out>
<bw_audio>0</bw_audio><bw_video>0</bw_video>
<client><id>9</id><address>127.0.0.1</address><time>3001</time><flashver>LNX 9,0,124,2</flashver><dropped>0</dropped>\
<avsync>0</avsync><timestamp>0</timestamp><active/></client>
<meta><video></video><audio></audio></meta>
<nclients>1</nclients>
</stream>
<nclients>3</nclients>
</live>
</application>
<application>
<name>hls_normal</name>
<live>
<stream>
<name>{STREAM_ID}_src</name>
<time>43001</time><bw_in>2600000</bw_in><bytes_in>1</bytes_in><bw_out>0</bw_out><bytes_out>0</bytes_out>
<bw_audio>0</bw_audio><bw_video>0</bw_video>
<client><id>3</id><address>127.0.0.1</address><time>43001</time><flashver>FMLE/3.0</flashver><dropped>0</dropped>\
<avsync>0</avsync><timestamp>0</timestamp><publishing/><active/></client>
<meta><video><width>1280</width><height>720</height><frame_rate>30</frame_rate><codec>H264</codec></video>\
<audio></audio></meta>
<nclients>1</nclients>
<publishing/>
<active/>
</stream>
<nclients>1</nclients>
</live>
</application>
</server>
</rtmp>"""


@pytest.fixture(autouse=True)
def _media_server_root(settings, tmp_path):
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"
    (tmp_path / "mediaserver" / "recordings").mkdir(parents=True)


def png(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def stored_size(name: str) -> tuple[int, int]:
    with default_storage.open(name, "rb") as handle, Image.open(handle) as image:
        return image.size


def flv_for(stream, settings, stamp=1764000000) -> Path:
    path = settings.MEDIA_SERVER_ROOT / "recordings" / f"hls_normal.{stream.pk}-{stamp}.flv"
    path.write_bytes(b"FLV\x01")
    return path


def ready_recording(stream, *, duration=120.0, age=timedelta(0), source_path=None, **extra) -> Recording:
    recording = Recording.objects.create(
        stream=stream,
        status=Recording.Status.READY,
        source_path=source_path or f"/nowhere/{stream.pk}-{Recording.objects.count()}.flv",
        duration_seconds=duration,
        ready_at=timezone.now(),
        **extra,
    )
    recording.file.save("recording.mp4", ContentFile(b"mp4"), save=False)
    recording.thumbnail.save("thumbnail.webp", ContentFile(png(64, 36)), save=False)
    recording.save()
    if age:
        Recording.objects.filter(pk=recording.pk).update(created_at=timezone.now() - age)
        recording.refresh_from_db()
    return recording


# --- nginx-rtmp /stat and /control --------------------------------------------------


def test_parse_stat_reads_the_publisher_of_a_stream():
    stat = parse_stat(STAT_XML, app="live", name=f"hls_normal.{STREAM_ID}")
    assert stat == PublisherStat(
        bitrate_kbps=2612,
        video_kbps=2484,
        audio_kbps=128,
        width=1280,
        height=720,
        fps=30.0,
        video_codec="H264",
        audio_codec="AAC",
        seconds_live=44.708,
    )


@pytest.mark.parametrize(
    ("app", "name"),
    [
        ("live", "hls_normal.00000000-0000-4000-8000-000000000000"),  # not on the server
        ("live", "live_someone_watching_nothing"),  # players, no publisher
        ("hls_normal", f"hls_normal.{STREAM_ID}"),  # the name lives in another application
    ],
)
def test_parse_stat_is_none_without_that_publisher(app, name):
    assert parse_stat(STAT_XML, app=app, name=name) is None


def test_parse_stat_of_a_stream_without_metadata_yet():
    xml = (
        "<rtmp><server><application><name>live</name><live><stream><name>a.b</name><time>900</time>"
        "<bw_in>0</bw_in><meta><video></video><audio></audio></meta><publishing/></stream></live>"
        "</application></server></rtmp>"
    )
    stat = parse_stat(xml, app="live", name="a.b")
    assert (stat.width, stat.height, stat.fps, stat.video_codec, stat.bitrate_kbps) == (None, None, None, "", 0)


def test_stat_asks_the_media_server_and_says_when_it_is_down(settings):
    settings.MEDIA_CONTROL_URL = "http://127.0.0.1:18080/"
    answer = mock.Mock(text=STAT_XML, status_code=200)
    with mock.patch("streams.media.nginx.requests.get", return_value=answer) as get:
        assert nginx.stat(app="live", name=f"hls_normal.{STREAM_ID}").width == 1280
    assert get.call_args.args == ("http://127.0.0.1:18080/stat",)
    with mock.patch("streams.media.nginx.requests.get", side_effect=requests.ConnectionError("refused")):
        with pytest.raises(nginx.MediaServerUnavailable):
            nginx.stat(app="live", name="x")


@pytest.mark.parametrize(("status", "text", "dropped"), [(200, "1\n", True), (200, "0", False), (404, "", False)])
def test_drop_publisher_asks_the_control_module(settings, status, text, dropped):
    settings.MEDIA_CONTROL_URL = "http://127.0.0.1:18080"
    with mock.patch("streams.media.nginx.requests.get", return_value=mock.Mock(status_code=status, text=text)) as get:
        assert nginx.drop_publisher(app="live", name=f"hls_low.{STREAM_ID}") is dropped
    assert get.call_args.args == ("http://127.0.0.1:18080/control/drop/publisher",)
    assert get.call_args.kwargs["params"] == {"app": "live", "name": f"hls_low.{STREAM_ID}"}


def test_drop_publisher_with_the_media_server_down_is_false():
    with mock.patch("streams.media.nginx.requests.get", side_effect=requests.ConnectionError("refused")):
        assert nginx.drop_publisher(app="live", name="x") is False


# --- ffmpeg / ffprobe wrappers --------------------------------------------------------


def test_a_missing_tool_is_a_media_tool_error(settings, tmp_path):
    settings.FFMPEG_BINARY = str(tmp_path / "no-ffmpeg-here")
    with pytest.raises(tools.MediaToolError, match="is not installed"):
        tools.remux_to_mp4(tmp_path / "a.flv", tmp_path / "a.mp4")


def test_a_failing_tool_says_how_it_exited(settings, tmp_path):
    settings.FFMPEG_BINARY = "false"
    with pytest.raises(tools.MediaToolError, match="false exited 1"):
        tools.clip_cut(tmp_path / "a.mp4", tmp_path / "b.mp4", start=0, duration=1)


def test_a_tool_that_hangs_is_stopped(settings, tmp_path):
    settings.MEDIA_TOOL_TIMEOUT = 1
    with mock.patch(
        "streams.media.tools.subprocess.run", side_effect=subprocess.TimeoutExpired(cmd="ffmpeg", timeout=1)
    ):
        with pytest.raises(tools.MediaToolError, match="longer than 1 s"):
            tools.remux_to_mp4(tmp_path / "a.flv", tmp_path / "a.mp4")


# --- Recordings -------------------------------------------------------------------------


def test_recording_fails_with_ffmpegs_words_when_the_remux_fails(settings):
    stream = StreamFactory(ended=True)
    path = flv_for(stream, settings)
    error = tools.MediaToolError("ffmpeg exited 1: Invalid data found when processing input")
    with mock.patch("streams.tasks.process_recording.delay"):
        recording = media.recording_register(path=str(path))
    with mock.patch("streams.media.tools.remux_to_mp4", side_effect=error):
        result = process_recording.apply(args=[str(recording.pk)])  # eager: no retry, marked failed at once
    assert result.get() == "failed"
    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert recording.error == "ffmpeg exited 1: Invalid data found when processing input"
    assert not recording.file


def test_a_recording_whose_file_is_gone_fails():
    stream = StreamFactory(ended=True)
    recording = Recording.objects.create(stream=stream, source_path="/nowhere/hls_normal.x-1.flv")
    assert process_recording.apply(args=[str(recording.pk)]).get() == "failed"
    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert "is missing" in recording.error
    assert recording.attempts == 1


def test_a_recording_without_video_fails(settings):
    stream = StreamFactory(ended=True)
    recording = Recording.objects.create(stream=stream, source_path=str(flv_for(stream, settings)))
    audio_only = tools.Probe(duration_seconds=30.0, size_bytes=1000, width=None, height=None, has_video=False)
    with (
        mock.patch("streams.media.tools.remux_to_mp4", side_effect=lambda src, dst: dst.write_bytes(b"mp4")),
        mock.patch("streams.media.tools.probe", return_value=audio_only),
    ):
        assert process_recording.apply(args=[str(recording.pk)]).get() == "failed"
    recording.refresh_from_db()
    assert (recording.status, recording.error) == (Recording.Status.FAILED, "The recording holds no video.")


def test_processing_a_recording_that_is_no_longer_processing_does_nothing():
    stream = StreamFactory(ended=True)
    recording = ready_recording(stream)
    with mock.patch("streams.media.tools.remux_to_mp4") as remux:
        assert process_recording.apply(args=[str(recording.pk)]).get() == "ready"
    remux.assert_not_called()
    assert Recording.objects.get(pk=recording.pk).attempts == 0


def fake_tools(frame_size: tuple[int, int]):
    """ffmpeg as the recording job sees it: an MP4 appears, ffprobe reads it, a frame is grabbed."""
    probe = tools.Probe(duration_seconds=12.5, size_bytes=3, width=frame_size[0], height=frame_size[1], has_video=True)
    return [
        mock.patch("streams.media.tools.remux_to_mp4", side_effect=lambda src, dst: dst.write_bytes(b"mp4")),
        mock.patch("streams.media.tools.probe", return_value=probe),
        mock.patch(
            "streams.media.tools.frame_grab",
            side_effect=lambda src, dst, at_seconds=0.0: dst.write_bytes(png(*frame_size)),
        ),
    ]


def test_a_processed_recording_is_ready_with_its_file_thumbnail_and_the_streams_thumbnail(settings):
    stream = StreamFactory(ended=True)
    source = flv_for(stream, settings)
    recording = Recording.objects.create(stream=stream, source_path=str(source))
    patches = fake_tools((640, 360))
    for patch in patches:
        patch.start()
    try:
        assert process_recording.apply(args=[str(recording.pk)]).get() == "ready"
    finally:
        for patch in patches:
            patch.stop()
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY
    assert (recording.duration_seconds, recording.width, recording.height) == (12.5, 640, 360)
    assert recording.size_bytes == 3 and recording.ready_at is not None
    assert default_storage.exists(recording.file.name) and recording.file.name.endswith(".mp4")
    assert stored_size(recording.thumbnail.name) == (1280, 720)
    assert not source.exists()
    stream.refresh_from_db()
    assert stream.thumbnail_source == Stream.ThumbnailSource.AUTO
    assert set(stream.thumbnail_variants) == {"640x360", "320x180"}


def test_a_recording_of_a_source_below_the_thumbnail_minimum_is_still_processed(settings):
    stream = StreamFactory(ended=True)
    source = flv_for(stream, settings)
    recording = Recording.objects.create(stream=stream, source_path=str(source))
    patches = fake_tools((256, 144))
    for patch in patches:
        patch.start()
    try:
        assert process_recording.apply(args=[str(recording.pk)]).get() == "ready"
    finally:
        for patch in patches:
            patch.stop()
    assert not source.exists()
    stream.refresh_from_db()
    assert stream.thumbnail_source == Stream.ThumbnailSource.AUTO


def test_recordings_prune_follows_each_creators_retention(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.RECORDING_RETENTION_DAYS = 90
    short, long, default = UserFactory(), UserFactory(), UserFactory()
    for creator, days in ((short, 7), (long, 365)):
        profile = creator_profile_ensure(user=creator)
        profile.recording_retention_days = days
        profile.save()
    creator_profile_ensure(user=default)  # a profile that leaves retention to the platform
    flv = tmp_path / "left-over.flv"
    flv.write_bytes(b"FLV")

    def recording(creator, days_old, **extra):
        return ready_recording(StreamFactory(creator=creator, ended=True), age=timedelta(days=days_old), **extra)

    short_old = recording(short, 10, source_path=str(flv))
    clip = Clip.objects.create(
        stream=short_old.stream,
        recording=short_old,
        created_by=short,
        start_seconds=0,
        duration_seconds=5,
        status=Clip.Status.READY,
    )
    clip.file.save("clip.mp4", ContentFile(b"clip"))
    short_new = recording(short, 3)
    long_old = recording(long, 200)
    default_young = recording(default, 60)
    default_old = recording(default, 100)
    files = [short_old.file.name, short_old.thumbnail.name, clip.file.name, default_old.file.name]
    assert all(default_storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks() as after_commit:
        assert prune_recordings.apply().get() == 2
    assert all(default_storage.exists(name) for name in files)  # the files go once the rows are gone
    for callback in after_commit:
        callback()

    assert set(Recording.objects.values_list("pk", flat=True)) == {short_new.pk, long_old.pk, default_young.pk}
    assert not Clip.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    assert not flv.exists()
    assert default_storage.exists(long_old.file.name)


def test_recordings_prune_with_nothing_old_enough_keeps_everything():
    ready_recording(StreamFactory(ended=True), age=timedelta(days=1))
    assert media.recordings_prune() == 0
    assert Recording.objects.count() == 1


# --- Clips --------------------------------------------------------------------------------


def test_a_clip_fails_with_ffmpegs_words_when_the_cut_fails():
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    error = tools.MediaToolError("ffmpeg exited 1: Conversion failed!")
    with mock.patch("streams.media.tools.clip_cut", side_effect=error) as cut:
        clip = media.clip_create(stream=stream, user=stream.creator, start_seconds=10, duration_seconds=5)
        assert cut_clip.apply(args=[str(clip.pk)]).get() == "failed"
    assert cut.call_args.kwargs == {"start": 10, "duration": 5}
    clip.refresh_from_db()
    assert (clip.status, clip.error) == (Clip.Status.FAILED, "ffmpeg exited 1: Conversion failed!")
    assert not clip.file


def test_a_cut_clip_is_stored_and_ready():
    stream = StreamFactory(ended=True)
    ready_recording(stream)
    clip = media.clip_create(stream=stream, user=stream.creator, start_seconds=0, duration_seconds=30, title=" Goal ")

    def cut(source, target, *, start, duration):
        assert source.read_bytes() == b"mp4"  # the stored recording, copied for ffmpeg
        target.write_bytes(b"clip!")

    with mock.patch("streams.media.tools.clip_cut", side_effect=cut):
        assert cut_clip.apply(args=[str(clip.pk)]).get() == "ready"
    clip.refresh_from_db()
    assert (clip.status, clip.size_bytes, clip.title) == (Clip.Status.READY, 5, "Goal")
    assert default_storage.open(clip.file.name).read() == b"clip!"


# --- Thumbnails -----------------------------------------------------------------------------


def test_an_automatic_thumbnail_never_replaces_the_creators_own(django_capture_on_commit_callbacks):
    stream = StreamFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        media.thumbnail_upload(stream=stream, upload=ContentFile(png(1600, 900), name="mine.png"))
    stream.refresh_from_db()
    custom = (stream.thumbnail.name, dict(stream.thumbnail_variants))
    before = set(default_storage.listdir(f"thumbnails/{stream.pk}")[1])
    with django_capture_on_commit_callbacks() as after_commit:
        media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720, (0, 0, 255))), source="auto")
    stream.refresh_from_db()
    assert (stream.thumbnail.name, stream.thumbnail_variants) == custom
    assert stream.thumbnail_source == Stream.ThumbnailSource.CUSTOM
    # Storage can be S3: the unused files are deleted after commit, never while the stream's row is locked.
    assert len(set(default_storage.listdir(f"thumbnails/{stream.pk}")[1]) - before) == 3
    for callback in after_commit:
        callback()
    assert set(default_storage.listdir(f"thumbnails/{stream.pk}")[1]) == before  # the automatic ones went


def test_a_new_thumbnail_replaces_the_old_files(django_capture_on_commit_callbacks):
    stream = StreamFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source="auto")
    stream.refresh_from_db()
    old = [stream.thumbnail.name, *stream.thumbnail_variants.values()]
    with django_capture_on_commit_callbacks(execute=True):
        media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source="auto")
    stream.refresh_from_db()
    assert stream.thumbnail.name not in old
    assert not any(default_storage.exists(name) for name in old)
    assert len(default_storage.listdir(f"thumbnails/{stream.pk}")[1]) == 3


def write_live_playlist(stream, segments=("seg-1.ts", "seg-2.ts")) -> list[Path]:
    folder = hls_dir(latency_mode=stream.latency_mode, premium=stream.is_premium)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2"]
    paths = []
    for name in segments:
        lines += ["#EXTINF:2.000,", f"{stream.pk}_src-{name}"]
        paths.append(folder / f"{stream.pk}_src-{name}")
        paths[-1].write_bytes(b"ts")
    (folder / f"{stream.pk}_src.m3u8").write_text("\n".join(lines) + "\n")
    return paths


def live_publishing(**extra) -> Stream:
    return StreamFactory(live=True, publisher_client_id="5", media_app="hls_normal", **extra)


def test_live_thumbnails_come_from_the_newest_segment_and_skip_custom_ones(django_capture_on_commit_callbacks):
    auto = live_publishing()
    segments = write_live_playlist(auto)
    custom = live_publishing(thumbnail_source=Stream.ThumbnailSource.CUSTOM)
    write_live_playlist(custom)
    quiet = live_publishing()  # no segments yet
    StreamFactory(live=True)  # started from the API, no encoder
    grabbed = []

    def grab(source, target, at_seconds=0.0):
        grabbed.append(Path(source))
        target.write_bytes(png(1280, 720))

    with mock.patch("streams.media.tools.frame_grab", side_effect=grab):
        assert refresh_live_thumbnails.apply().get() == 1
    assert grabbed == [segments[-1]]
    auto.refresh_from_db()
    assert auto.thumbnail_source == Stream.ThumbnailSource.AUTO and auto.thumbnail
    quiet.refresh_from_db()
    assert not quiet.thumbnail


def test_one_stream_whose_frame_grab_fails_does_not_stop_the_others():
    broken, fine = live_publishing(), live_publishing()
    write_live_playlist(broken)
    write_live_playlist(fine)

    def grab(source, target, at_seconds=0.0):
        if str(broken.pk) in str(source):
            raise tools.MediaToolError("ffmpeg exited 1: Invalid data")
        target.write_bytes(png(1280, 720))

    with mock.patch("streams.media.tools.frame_grab", side_effect=grab):
        assert refresh_live_thumbnails.apply().get() == 1
    fine.refresh_from_db()
    assert fine.thumbnail


def test_a_frame_that_is_not_an_image_does_not_stop_the_others():
    broken, fine = live_publishing(), live_publishing()
    write_live_playlist(broken)
    write_live_playlist(fine)

    def grab(source, target, at_seconds=0.0):
        target.write_bytes(b"not a png" if str(broken.pk) in str(source) else png(1280, 720))

    with mock.patch("streams.media.tools.frame_grab", side_effect=grab):
        assert refresh_live_thumbnails.apply().get() == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.thumbnail and not broken.thumbnail


def test_a_tiny_live_source_still_gets_a_thumbnail_and_does_not_stop_the_others():
    tiny, fine = live_publishing(), live_publishing()
    write_live_playlist(tiny)
    write_live_playlist(fine)

    def grab(source, target, at_seconds=0.0):
        target.write_bytes(png(256, 144) if str(tiny.pk) in str(source) else png(1280, 720))

    with mock.patch("streams.media.tools.frame_grab", side_effect=grab):
        assert refresh_live_thumbnails.apply().get() == 2
    fine.refresh_from_db()
    tiny.refresh_from_db()
    assert fine.thumbnail and tiny.thumbnail  # the 256x144 frame is scaled up to the standard sizes
    assert set(tiny.thumbnail_variants) == {"640x360", "320x180"}


# --- With the real ffmpeg ---------------------------------------------------------------------


def ffmpeg() -> str:
    return shutil.which("ffmpeg") or "ffmpeg"


def make_flv(path: Path, *, seconds: int = 2, keyframe_every: int = 250) -> Path:
    """A test pattern at 10 fps, a keyframe every ``keyframe_every`` frames (x264's default: 250)."""
    subprocess.run(
        [
            ffmpeg(),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            str(keyframe_every),
            "-f",
            "flv",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


@pytest.mark.needs_media
def test_ffmpeg_makes_a_recording_into_a_vod_and_cuts_a_clip_from_it(settings, tmp_path):
    stream = StreamFactory(ended=True)
    source = make_flv(settings.MEDIA_SERVER_ROOT / "recordings" / f"hls_normal.{stream.pk}-1764000000.flv")
    with mock.patch("streams.tasks.process_recording.delay"):
        recording = media.recording_register(path=str(source))

    assert process_recording.apply(args=[str(recording.pk)]).get() == "ready"

    recording.refresh_from_db()
    assert (recording.width, recording.height) == (320, 240)
    assert recording.duration_seconds == pytest.approx(2.0, abs=0.3)
    assert recording.size_bytes == recording.file.size > 0
    assert not source.exists()
    stored = tools.probe(recording.file.path)
    assert stored.has_video and stored.duration_seconds == pytest.approx(2.0, abs=0.3)
    with open(recording.file.path, "rb") as mp4:
        head = mp4.read(64 * 1024)
    assert b"moov" in head and head.find(b"moov") < head.find(b"mdat")  # faststart: the index comes first
    stream.refresh_from_db()
    assert stream.thumbnail_source == Stream.ThumbnailSource.AUTO
    assert stored_size(stream.thumbnail.name) == (1280, 720)

    clip = media.clip_create(stream=stream, user=stream.creator, start_seconds=0.5, duration_seconds=1)
    assert cut_clip.apply(args=[str(clip.pk)]).get() == "ready"
    clip.refresh_from_db()
    assert tools.probe(clip.file.path).duration_seconds == pytest.approx(1.0, abs=0.3)


@pytest.mark.needs_media
def test_ffprobe_finds_the_keyframes_of_segments(tmp_path):
    source = make_flv(tmp_path / "a.flv", seconds=3, keyframe_every=10)  # one a second
    segment = tmp_path / "a.ts"
    subprocess.run(
        [ffmpeg(), "-nostdin", "-loglevel", "error", "-i", str(source), "-c", "copy", str(segment)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    times = tools.keyframe_times([segment])
    assert len(times) == 3
    assert [round(later - earlier, 1) for earlier, later in itertools.pairwise(times)] == [1.0, 1.0]
    with pytest.raises(tools.MediaToolError):
        tools.probe(tmp_path / "missing.flv")


# --- Staff: a failed recording processed again from the admin ------------------------------------------


def test_staff_process_a_failed_recording_again(settings, django_capture_on_commit_callbacks):
    from django.test import Client

    stream = StreamFactory()
    failed = Recording.objects.create(
        stream=stream, status=Recording.Status.FAILED, source_path=str(flv_for(stream, settings)), attempts=3, error="x"
    )
    gone = Recording.objects.create(stream=stream, status=Recording.Status.FAILED, source_path="/nowhere/gone.flv")
    ready = ready_recording(stream)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert staff.get("/admin/streams/recording/").status_code == 200
    assert staff.get(f"/admin/streams/recording/{failed.pk}/change/").status_code == 200
    with (
        mock.patch("streams.tasks.process_recording.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff.post(
            "/admin/streams/recording/",
            {"action": "process_again", "_selected_action": [failed.pk, gone.pk, ready.pk]},
            follow=True,
        )
    assert "1 recording(s) queued again." in response.content.decode()
    delay.assert_called_once_with(str(failed.pk))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == (Recording.Status.PROCESSING, 0, "")
    assert Recording.objects.get(pk=gone.pk).status == Recording.Status.FAILED
    assert Recording.objects.get(pk=ready.pk).status == Recording.Status.READY


# --- An encoder that vanished without a publish_done (nginx crashed or restarted) ---------------------


def test_parse_publishing_lists_the_live_applications_publishers_only():
    assert nginx.parse_publishing(STAT_XML, app="live") == {f"hls_normal.{STREAM_ID}"}
    assert f"{STREAM_ID}_src" in nginx.parse_publishing(STAT_XML, app="hls_normal")
    assert nginx.parse_publishing(STAT_XML, app="hls_high") == set()


def test_a_vanished_encoder_is_marked_dropped_then_ended_after_the_grace(settings, django_capture_on_commit_callbacks):
    settings.STREAM_RECONNECT_GRACE_SECONDS = 60
    later = timezone.now() + timedelta(minutes=5)
    present = StreamFactory(live=True, media_app="hls_normal", publisher_client_id="7")
    gone = StreamFactory(live=True, media_app="hls_low", publisher_client_id="8")
    fresh = StreamFactory(live=True, media_app="hls_low", publisher_client_id="9")
    Stream.objects.filter(pk__in=[present.pk, gone.pk]).update(updated_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("streams.media.nginx.publishing", return_value={f"hls_normal.{present.pk}"}):
        assert media.vanished_publishers_mark() == 1  # `fresh` was saved just now: nginx may not list it yet
    gone.refresh_from_db()
    assert gone.publisher_client_id == "" and gone.publisher_dropped_at is not None
    assert Stream.objects.get(pk=fresh.pk).publisher_client_id == "9"
    with django_capture_on_commit_callbacks(execute=True), mock.patch("streams.tasks.drop_publisher_task.delay"):
        assert media.dropped_streams_end(now=later) == 1
    assert Stream.objects.get(pk=gone.pk).status == Stream.Status.ENDED
    assert Stream.objects.get(pk=present.pk).status == Stream.Status.LIVE


def test_with_the_media_server_unreachable_nobody_is_marked_dropped():
    stream = StreamFactory(live=True, media_app="hls_normal", publisher_client_id="7")
    Stream.objects.filter(pk=stream.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("streams.media.nginx.publishing", side_effect=nginx.MediaServerUnavailable("down")):
        assert media.vanished_publishers_mark() == 0
    assert Stream.objects.get(pk=stream.pk).publisher_client_id == "7"


def test_deleting_a_stream_deletes_its_files_after_commit(django_capture_on_commit_callbacks, tmp_path):
    """The rows cascade; the MP4s, thumbnails, clips and FLVs must not stay behind in storage."""
    from streams.services import stream_delete

    stream = StreamFactory(ended=True)
    with django_capture_on_commit_callbacks(execute=True):
        media.thumbnail_set(stream=stream, image=ContentFile(png(1280, 720)), source="auto")
    stream.refresh_from_db()
    flv = tmp_path / "source.flv"
    flv.write_bytes(b"flv")
    recording = Recording.objects.create(stream=stream, source_path=str(flv), duration_seconds=60)
    recording.file.save("recording.mp4", ContentFile(b"mp4"))
    clip = Clip.objects.create(
        stream=stream, recording=recording, created_by=stream.creator, start_seconds=0, duration_seconds=5
    )
    clip.file.save("clip.mp4", ContentFile(b"mp4"))
    names = [stream.thumbnail.name, *stream.thumbnail_variants.values(), recording.file.name, clip.file.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks() as after_commit:
        stream_delete(stream=stream)
    assert all(default_storage.exists(name) for name in names)  # nothing deleted before the rows are gone
    for callback in after_commit:
        callback()
    assert not any(default_storage.exists(name) for name in names)
    assert not flv.exists()


def test_every_task_the_code_queues_by_name_is_a_celery_task():
    """Services queue tasks by dotted name (they never import tasks): a misspelt name would fail only after
    commit, in production (and only in a log). Every name any app passes must be a registered task."""
    from celery import current_app
    from django.utils.module_loading import import_string

    root = Path(__file__).resolve().parents[2]
    apps = ("accounts", "streams", "chat", "gifts", "wallet", "livestream")
    sources = [
        path.read_text()
        for app in apps
        for path in (root / app).rglob("*.py")
        if "tests" not in path.relative_to(root).parts and "migrations" not in path.relative_to(root).parts
    ]
    names = set(itertools.chain.from_iterable(re.findall(r'task_on_commit\(\s*"([\w.]+)"', text) for text in sources))
    assert len(names) >= 4
    for name in names:
        assert import_string(name).name in current_app.tasks, name
