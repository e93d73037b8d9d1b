import re
import stat

from streams.media.config import render


def test_the_rtmp_access_log_never_writes_the_stream_key(settings, tmp_path):
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"
    conf = render().nginx_conf.read_text()
    rtmp = conf[conf.index("rtmp {") : conf.index("http {")]
    # nginx-rtmp's default ("combined") format logs $name and $args: the key a creator publishes with.
    log = re.search(r"access_log\s+(\S+)(?:\s+(\S+))?;", rtmp)
    assert log and log.group(1) != "off"
    assert log.group(2), "the access log must use our own format, not combined"
    fmt = re.search(rf"log_format\s+{re.escape(log.group(2))}\s+(.*?);", rtmp, re.S)
    assert fmt
    for variable in ("$name", "$args", "$tcurl", "$swfurl", "$pageurl"):
        assert variable not in fmt.group(1)


def test_the_media_servers_files_are_private(settings, tmp_path):
    root = tmp_path / "mediaserver"
    settings.MEDIA_SERVER_ROOT = root
    render()
    for folder in (root, root / "logs", root / "recordings", root / "tmp", root / "hls"):
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, folder
    assert stat.S_IMODE((root / "nginx.conf").stat().st_mode) & 0o077 == 0


def test_the_playback_check_is_cached_on_exactly_the_path_it_reads(settings, tmp_path):
    # The check used to read $request_uri (with "?x") while the cache was keyed on token/stream: a stray
    # argument made a 403 that was then served for the good URL for 5 s.
    settings.MEDIA_SERVER_ROOT = tmp_path / "mediaserver"
    conf = render().nginx_conf.read_text()
    auth = conf[conf.index("location = /_playback_auth {") :]
    auth = auth[: auth.index("}")]
    header = re.search(r"proxy_set_header\s+X-Original-URI\s+(\S+);", auth)
    key = re.search(r"proxy_cache_key\s+(\S+);", auth)
    assert header and key
    assert header.group(1) == key.group(1)
    premium = conf[conf.index('location ~ "^/hls/p/') : conf.index("location = /_playback_auth {")]
    assert re.search(rf"set\s+{re.escape(key.group(1))}\s+\$uri;", premium), "the path, without its arguments"
