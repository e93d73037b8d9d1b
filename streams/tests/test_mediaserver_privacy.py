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
