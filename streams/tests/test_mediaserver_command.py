import socket

import pytest
from django.core.management import CommandError, call_command

from chat.tests.servers import free_port
from streams.media.config import dvr_window_seconds, ports_in_use, render


@pytest.fixture
def media_settings(settings, tmp_path):
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"
    settings.RTMP_PORT, settings.MEDIA_HTTP_PORT = free_port(), free_port()
    settings.MEDIA_HOOK_BASE_URL = "http://127.0.0.1:8123/media-hooks"
    return settings


def test_ports_in_use_names_the_setting_to_change(media_settings):
    assert ports_in_use() == []
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", media_settings.MEDIA_HTTP_PORT))
        holder.listen()
        assert ports_in_use() == [f"MEDIA_HTTP_PORT={media_settings.MEDIA_HTTP_PORT}"]


@pytest.mark.needs_media
def test_check_renders_a_configuration_nginx_accepts(media_settings):
    call_command("mediaserver", "--check")
    conf = (media_settings.MEDIA_SERVER_ROOT / "nginx.conf").read_text()
    assert f"listen 127.0.0.1:{media_settings.RTMP_PORT};" in conf
    assert "on_publish http://127.0.0.1:8123/media-hooks/publish;" in conf
    assert conf.count("hls_variant _") == 3 * 6  # src + 2 rungs in each of the 6 HLS applications
    # Players start on the first rendition listed: the lightest, so the first picture comes from a small segment.
    variants = [line.split()[1] for line in conf.splitlines() if line.strip().startswith("hls_variant")][:3]
    assert variants == ["_360p", "_480p", "_src"]
    ladder = (media_settings.MEDIA_SERVER_ROOT / "ladder.sh").read_text()
    assert "min(480,ih)" in ladder and "min(360,ih)" in ladder  # never above the source


@pytest.mark.needs_media
def test_a_taken_port_is_refused_with_what_to_set(media_settings):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", media_settings.RTMP_PORT))
        holder.listen()
        with pytest.raises(CommandError, match="RTMP_PORT"):
            call_command("mediaserver")


def playlist_lengths(conf: str) -> dict[str, str]:
    """Each HLS application's hls_playlist_length, by application name."""
    lengths, app = {}, None
    for line in conf.splitlines():
        words = line.split()
        if words[:1] == ["application"]:
            app = words[1]
        elif words[:1] == ["hls_playlist_length"]:
            lengths[app] = words[1].rstrip(";")
    return lengths


def test_normal_and_high_keep_the_rewind_window_and_low_its_short_one(media_settings):

    media_settings.HLS_DVR_SECONDS = 7200
    conf = render().nginx_conf.read_text()
    assert playlist_lengths(conf) == {
        "hls_low": "6s",  # 6 fragments of 1 s: what low latency allows
        "hls_normal": "7200s",
        "hls_high": "7200s",
        "hlsp_low": "6s",
        "hlsp_normal": "7200s",
        "hlsp_high": "7200s",
    }
    # The long playlists are compressed for players (each reloads them once a fragment); segments are not.
    assert "gzip_types application/vnd.apple.mpegurl;" in conf


def test_the_rewind_window_is_a_setting_and_never_shorter_than_the_short_window(media_settings):

    media_settings.HLS_DVR_SECONDS = 600
    assert playlist_lengths(render().nginx_conf.read_text())["hls_normal"] == "600s"
    assert (dvr_window_seconds("low"), dvr_window_seconds("normal"), dvr_window_seconds("high")) == (0, 600, 600)

    media_settings.HLS_DVR_SECONDS = 0  # rewind off: every preset keeps its six fragments
    assert playlist_lengths(render().nginx_conf.read_text()) == {
        "hls_low": "6s",
        "hls_normal": "12s",
        "hls_high": "24s",
        "hlsp_low": "6s",
        "hlsp_normal": "12s",
        "hlsp_high": "24s",
    }
    assert (dvr_window_seconds("normal"), dvr_window_seconds("high")) == (0, 0)
