"""The parts of bench/glass_to_glass.py that need no server: the stamp (drawn by the publisher's own lavfi graph,
through H.264 at a low rung's bitrate and back, and on synthetic pictures), the clock calibration, the CPU
accounting and the report."""

import subprocess
import sys
from pathlib import Path

import pytest

# The benches import their neighbours by name (`python bench/<name>.py` puts bench/ on the path): so does this
# test. Not through a conftest.py here: one without a package would be imported as "conftest" and shadow the
# project's own for every test module that imports from it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import glass_to_glass as g2g

WIDTH, HEIGHT, CELL, BITS = g2g.WIDTH, g2g.HEIGHT, g2g.CELL, g2g.BITS


def painted(value: int, *, background: int = 128, blur: bool = False) -> bytearray:
    """A gray picture at the published size with ``value``'s strip on its top-left corner, as the geq draws it."""
    picture = bytearray([background]) * (WIDTH * HEIGHT)
    for y in range(2 * CELL):
        for x in range(BITS * CELL):
            on = (value >> (x // CELL)) & 1
            picture[y * WIDTH + x] = 255 if on == (y < CELL) else 0
    if blur:  # what a scaler and a lossy encoder do to the edges of the cells: a 5-pixel box blur along rows
        blurred = bytearray(picture)
        for y in range(2 * CELL):
            row = y * WIDTH
            for x in range(2, BITS * CELL - 2):
                blurred[row + x] = sum(picture[row + x - 2 : row + x + 3]) // 5
        picture = blurred
    return picture


@pytest.mark.parametrize("value", [0, 1, 0x5A5A5A, 2**BITS - 1, 12_345_678])
def test_a_painted_stamp_reads_back(value):
    assert g2g.decode(g2g.sample_cells(bytes(painted(value)), width=WIDTH)) == value
    assert g2g.decode(g2g.sample_cells(bytes(painted(value, blur=True)), width=WIDTH)) == value


def test_a_cell_that_does_not_disagree_with_its_twin_is_unreadable_not_misread():
    picture = painted(0b1011)
    for y in range(CELL, 2 * CELL):  # bit 1's inverted twin washed out to the same white as the bit
        for x in range(CELL, 2 * CELL):
            picture[y * WIDTH + x] = 255
    assert g2g.decode(g2g.sample_cells(bytes(picture), width=WIDTH)) is None
    assert g2g.decode(g2g.sample_cells(bytes(painted(0)), width=WIDTH)[:-1]) is None  # a short sample
    assert g2g.decode([128] * (2 * BITS)) is None  # a gray picture: no strip at all


@pytest.mark.needs_media
def test_the_publishers_stamp_survives_h264_at_a_low_rung_and_a_rescale():
    """The publisher's own graph (4 h 17 min in: the high bits set), scaled down to 240p and encoded at 300 kbps
    (below the ladder's lowest rung), decoded and scaled back: every frame reads its media time in ms."""
    offset = 15_432.1
    encoded = subprocess.run(
        [g2g.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", g2g.publisher_graph(offset=offset),
         "-map", "0:v", "-frames:v", "12", "-vf", "scale=-2:240", "-c:v", "libx264", "-preset", "veryfast",
         "-b:v", "300k", "-maxrate", "300k", "-bufsize", "300k", "-f", "mpegts", "pipe:1"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    decoded = subprocess.run(
        [g2g.FFMPEG, "-nostdin", "-v", "error", "-f", "mpegts", "-i", "pipe:0",
         "-vf", f"scale={WIDTH}:{HEIGHT}", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
        input=encoded, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    size = WIDTH * HEIGHT
    stamps = [g2g.decode(g2g.sample_cells(decoded[i : i + size], width=WIDTH)) for i in range(0, len(decoded), size)]
    assert stamps == [round((offset + n / g2g.FPS) * 1000) for n in range(12)]


def test_the_epoch_is_the_earliest_report_of_a_frame_written():
    calibration = g2g.Calibration()
    assert calibration.epoch is None and calibration.captured_at(0) is None
    calibration.add(arrival=1000.5, frames=0)  # nothing written yet: says nothing
    calibration.add(arrival=1001.040, frames=31)  # frame 30 (1 s) written 40 ms after start + 1 s
    calibration.add(arrival=1002.003, frames=61)  # frame 60 (2 s) written 3 ms after: the best pace
    calibration.add(arrival=1003.503, frames=91)  # a starved encoder: frame 90 written half a second late
    assert calibration.epoch == pytest.approx(1000.003)
    assert calibration.captured_at(2500) == pytest.approx(1002.503)
    assert calibration.encoder_lag(100) == pytest.approx(0.5)


def test_frames_of_another_path_or_unreadable_are_counted_apart_from_latencies():
    calibration = g2g.Calibration()
    calibration.add(arrival=1000.2 + 1.0, frames=31)  # epoch 1000.2 s so far
    cells = g2g.sample_cells(bytes(painted(4000)), width=WIDTH)  # captured at 1004 s
    result = g2g.PathResult("webrtc", "normal")
    frames = [
        [1004_250.0, "webrtc", cells],
        [1004_300.0, "hls", cells],  # the page fell back: not a WebRTC figure
        [1004_350.0, "webrtc", [128] * (2 * BITS)],
        [1004_400.0, "webrtc", "SecurityError: tainted canvas"],
    ]
    g2g.collect(result, frames, "webrtc")
    calibration.add(arrival=1000.1 + 2.0, frames=61)  # a report after those frames were shown: epoch 1000.1 s
    g2g.finish(result, calibration)
    assert result.latencies == [pytest.approx(0.15)]  # against the run's final epoch
    assert (result.off_path, result.unreadable) == (1, 2)


def test_a_page_without_the_path_attribute_counts_as_hls_never_as_webrtc():
    assert g2g.path_matches("hls", "") and g2g.path_matches("hls", "hls")
    assert not g2g.path_matches("webrtc", "") and not g2g.path_matches("hls", "webrtc")


def test_processes_are_found_by_what_only_ours_carry():
    root = "/srv/bench-g2g-x/mediaserver"
    table = {
        10: ("nginx", 1, 100, 5, f"nginx -e stderr -p {root}/ -c {root}/nginx.conf"),
        11: ("nginx", 10, 300, 6, "nginx: worker process"),
        20: ("nginx", 1, 999, 5, "nginx -p /work/main/var/mediaserver/ -c /work/main/var/mediaserver/nginx.conf"),
        21: ("nginx", 20, 999, 6, "nginx: worker process"),
        30: ("ffmpeg", 11, 50, 9, "ffmpeg -i rtmp://127.0.0.1:40001/live/hls_low.abc -c copy"),
        31: ("ffmpeg", 1, 50, 9, "ffmpeg -i rtmp://127.0.0.1:19350/live/hls_low.abc"),
        40: ("ffmpeg", 2, 70, 9, "ffmpeg -re -f lavfi ... rtmp://127.0.0.1:40001/live/key"),
        50: ("janus", 3, 80, 9, f"/usr/bin/janus -F {root}/janus -C {root}/janus/janus.jcfg"),
        51: ("janus", 1, 80, 9, "/usr/bin/janus -F /srv/other/janus"),
    }
    found = g2g.roles(table, media_root=root, rtmp_port=40001, publisher=40)
    assert found == {10: "nginx", 11: "nginx", 30: "ladder", 40: "publisher", 50: "janus"}


def test_cpu_per_role_counts_a_process_born_in_the_window_whole():
    before = {1: ("janus", 1000, 7), 2: ("ladder", 500, 8), 3: ("ladder", 400, 9)}
    after = {
        1: ("janus", 1000 + 3 * g2g.CLOCK_TICKS, 7),
        2: ("ladder", 500 + g2g.CLOCK_TICKS, 8),
        3: ("ladder", g2g.CLOCK_TICKS // 2, 12),  # pid 3 reused by a new ladder (another start time)
        4: ("nginx", g2g.CLOCK_TICKS, 13),
    }
    assert g2g.cpu_by_role(before, after) == pytest.approx({"janus": 3.0, "ladder": 1.5, "nginx": 1.0})


def test_the_report_gives_each_path_its_figures_or_why_it_has_none():
    measured = g2g.PathResult("low", "low", viewers=4, latencies=[2.0, 2.1, 2.2, 2.3, 5.0], played="hls")
    measured.cpu = {"nginx": 8.0, "ladder": 30.0}
    webrtc = g2g.PathResult("webrtc", "normal", unavailable="the page played hls, not webrtc")
    table = g2g.report_table([webrtc, measured]).splitlines()
    assert table[0].startswith("| path | n | p50 (s) | p95 (s) | min (s) | max (s) |")
    assert table[2].startswith("| WebRTC | unavailable: the page played hls, not webrtc |")
    assert table[3] == "| HLS low | 5 | 2.20 | 5.00 | 2.00 | 5.00 | 4 | 2.00 % | hls |"
    assert g2g.summary([])["n"] == 0


def test_a_browsers_every_descendant_shares_its_role_and_others_do_not():
    """The light viewers' Chromium (the one carrying the switch), its zygote and the zygote's renderers are the
    receivers; the measured page's Chromium is another role; a Chromium of someone else's is nobody's."""
    light, measured = g2g.LIGHT_BROWSER_SWITCH, g2g.BROWSER_SWITCH
    table = {
        100: ("chromium", 90, 0, 1, f"/usr/lib/chromium/chromium --no-sandbox {light} --headless"),
        101: ("chromium", 100, 0, 1, "/usr/lib/chromium/chromium --type=zygote"),
        102: ("chromium", 101, 0, 1, "/usr/lib/chromium/chromium --type=renderer"),
        103: ("chromium", 100, 0, 1, "/usr/lib/chromium/chromium --type=utility --utility-sub-type=network"),
        200: ("chromium", 90, 0, 1, f"/usr/lib/chromium/chromium {measured} --headless"),
        201: ("chromium", 200, 0, 1, "/usr/lib/chromium/chromium --type=renderer"),
        300: ("chromium", 1, 0, 1, "/usr/lib/chromium/chromium --headless"),  # another session's
        301: ("chromium", 300, 0, 1, "/usr/lib/chromium/chromium --type=renderer"),
        400: ("chromium", 1, 0, 1, f"/usr/lib/chromium/chromium {light}-not-quite"),  # a longer switch: not ours
    }
    found = g2g.roles(
        table, media_root="/m", rtmp_port=1, publisher=None, browsers={light: "receivers", measured: "chromium"}
    )
    assert found == {
        100: "receivers",
        101: "receivers",
        102: "receivers",
        103: "receivers",
        200: "chromium",
        201: "chromium",
    }


def counters(*, packets=0, video_frames=0, kbytes=0, decoded=0) -> dict:
    return {"state": "connected", "packets": packets, "bytes": 1000 * kbytes, "decoded": decoded,
            "frames": video_frames, "video_frames": video_frames}  # fmt: skip


def test_light_viewers_receive_only_when_packets_and_video_frames_both_grew_over_the_window():
    before = [
        counters(packets=100, video_frames=30, kbytes=200),
        counters(packets=100, video_frames=30, kbytes=200),  # packets but no whole video frame: audio only
        counters(packets=100, video_frames=30, kbytes=200),  # stalled: nothing more
        None,  # no peer connection (its signalling was refused)
        counters(packets=0, video_frames=0),  # connected late, in the window
    ]
    after = [
        counters(packets=2100, video_frames=330, kbytes=2200),  # 2 MB in 10 s: 1600 kbit/s
        counters(packets=600, video_frames=30, kbytes=300),
        counters(packets=100, video_frames=30, kbytes=200),
        counters(packets=900, video_frames=300),
        counters(packets=1000, video_frames=150, kbytes=1000, decoded=3),  # 1 MB in 10 s: 800 kbit/s
    ]
    summary = g2g.light_summary(before, after, seconds=10)
    assert summary == {"receiving": 2, "kbps_mean": pytest.approx(1200), "kbps_min": pytest.approx(800), "decoded": 3}
    nobody = g2g.light_summary([None], [counters(packets=5, video_frames=1)], seconds=10)
    assert nobody["receiving"] == 0 and nobody["kbps_mean"] != nobody["kbps_mean"]  # NaN, not 0 kbit/s


def test_a_refused_signalling_call_reads_as_its_status_and_code():
    import requests

    def response(status: int, body: bytes) -> requests.Response:
        answer = requests.Response()
        answer.status_code, answer._content = status, body
        return answer

    assert (
        g2g.signalling_error(response(409, b'{"code": "webrtc_unavailable", "detail": "..."}'))
        == "409 webrtc_unavailable"
    )
    assert g2g.signalling_error(response(429, b'{"detail": "Request was throttled."}')) == "429"
    assert g2g.signalling_error(response(502, b"<html>Bad gateway</html>")) == "502"


def test_the_details_say_how_many_light_viewers_received_what_they_cost_and_why_some_failed():
    result = g2g.PathResult("webrtc", "normal", viewers=50, latencies=[0.2] * 10, played="webrtc", load=3.5)
    result.cpu = {"janus": 40.0, "receivers": 98.0}
    result.light = {"receiving": 48, "kbps_mean": 1630.4, "kbps_min": 1500.0, "decoded": 0}
    result.light_errors = {"offer: 429": 1}
    result.light_signalling = {"keepalives": 96, "hangups": 48}
    text = g2g.details(result)
    assert "48/49 light viewers received media over the window (1630 kbit/s each on average, the least 1500)" in text
    assert "0 frames decoded by them" in text
    assert "receivers 2.00 % of one core per light viewer" in text
    assert "1 of the light viewers failed: offer: 429" in text
    assert "their keepalives answered 96, hangups 48" in text
    assert "load average 3.50 at the end of the window" in text
    assert "| WebRTC | 10 | 0.20 | 0.20 | 0.20 | 0.20 | 50 | 0.80 % | webrtc |" in g2g.report_table([result])
