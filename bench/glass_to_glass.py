"""Glass to glass: from the encoder's frame to the frame a viewer's browser displays, per playback path.

Self-contained (its own daphne on a temporary SQLite database, its own media server and, when this checkout
has one, its own WebRTC edge, all on free loopback ports):

    .venv/bin/python bench/glass_to_glass.py --seconds 20
    .venv/bin/python bench/glass_to_glass.py --paths webrtc --viewers 50 --light-viewers --seconds 30

or against a running `make run` / `make serve` (the same DATABASE_URL, RTMP_PORT, MEDIA_HTTP_PORT,
MEDIA_SERVER_ROOT... in the environment, so that the streams this bench creates are the ones the server
serves, and its processes can be found for the CPU figures):

    .venv/bin/python bench/glass_to_glass.py --url http://127.0.0.1:8000

Paths: `webrtc` (the watch page's real-time path, through the Janus edge), `low`, `normal`, `high` (HLS at
the stream's latency mode: 1, 2 or 4 s fragments). For each it creates a creator's stream (the WebRTC one
in `normal` mode), publishes to the project's nginx-rtmp with ffmpeg in real time, opens the stream's watch
page in headless Chromium with `?playback=webrtc` or `?playback=hls` (the page's switch that forces one path)
and, for every frame the page displays, records displayed wall time minus the wall time the frame was
captured. It reports n, p50, p95, min and max per path in one table, with the load average beside it.

The stamp. The publisher is one lavfi graph read at real time (`-re`): testsrc2 at 640x360, 30 fps, with a
strip overlaid on its top-left corner that carries the frame's media time in milliseconds as 24 black and
white cells (16 px each, least significant first), and under it the same cells inverted (a frame whose two
rows do not disagree everywhere is unreadable, never misread). 16 px cells survive the ladder's 600 kbps
rung and the scaling of any rendition: the page samples the middle half of each cell only.

The wall clock of a stamp. Media time t is captured (read from the source by `-re`) at epoch + t. ffmpeg's
`-progress` report (every 87 ms: not a multiple of the frame interval, so that reports fall at every phase
of it) says how many frames it has encoded and written to the RTMP connection; each report is stamped with
this process's wall clock on arrival, and epoch = min(arrival - media time of the last frame written) over
the run: the report that came right after a frame was written, from an encoder keeping pace. Error: the
epoch can only be late, by that report's read + encode + mux + pipe delay (x264 ultrafast zerolatency at
640x360: a few ms), so a latency here is short by those few ms, never long. A frame read late by a starved
encoder counts as latency, as a camera's frame waiting for its encoder would ("encoder lag p95" in the
details: how far behind its best pace the encoder wrote frames, report jitter included).

The viewer joins an HLS stream once its playlist lists 4 fragments, as one joining a stream that has been
live a while (hls.js starts 2-3 fragments behind the live edge, nearer when the playlist is shorter, and
outside the low mode never catches up: a viewer at the first second of a `high` stream sat at 7.7 s where
one joining later sits at 14 s).

The display. An init script on the page follows the player (`video[data-playback-path]`, else `#player`)
with requestVideoFrameCallback: each presented frame's `expectedDisplayTime`, turned into wall time with
the page's own Date.now() - performance.now() at that callback, and the mean brightness of each cell of
the strip (drawn from the video to a canvas at the published geometry); Python decodes the cells. Chromium
and this process read the same clock (one host). The first --warmup seconds after the first displayed
frame are discarded (the player settling at its live position). A frame the page played by another path
than the one asked (the `data-playback-path` attribute) is not counted; a path the page did not play is
reported "unavailable" with what it played instead, never as a figure.

Viewers. `--viewers N` (on the paths of --viewers-paths, `webrtc` by default) opens N - 1 more watch pages
of the same stream in the same Chromium (muted, playing, not measured; the report says how many of them
really received frames) beside the measured one, and reports the CPU of the edge serving them over the
measured window (Janus for WebRTC, nginx for HLS; /proc/<pid>/stat utime + stime) divided by the viewers,
with the publisher's and the ladder's ffmpeg, nginx and the browser ("chromium": the measured page and any
extra pages) alongside, as % of one core, and the load average at the end of the window.

Light viewers. A page that decodes and paints the picture costs its browser about what the edge's whole
fan-out does: on two cores, ten such pages starved the ladder (the measured p50 went to 10.5 s) and fifty
never reached the window, so the figure was this machine's decoders, not the edge. With `--light-viewers`
the N - 1 extra viewers of the webrtc path are real WebRTC viewers that decode nothing. Each is a user of
its own with an API token and goes through Django's signalling as any client would (POST the stream body's
`webrtc_url` for Janus's offer and a grant, `/answer`, `/keepalive` every `keepalive_seconds` from a thread,
`/hangup` at the end); its RTCPeerConnection lives in a Chromium of their own (the "receivers" CPU, apart
from the measured page's), `--light-per-page` to a page, and does ICE, DTLS and SRTP as the watch page's
does. Each receiver's encoded frames are taken off before its decoder (`encodedInsertableStreams`), counted
and dropped, never written back, so nothing is decoded. The report says how many received media over the
window (their inbound-rtp packets and their whole encoded video frames both grew), at what bit rate, how
many frames Chromium decoded for them (getStats framesDecoded: 0 when nothing reached a decoder), why any
had no session (the signalling's status and code), and their CPU per viewer. What they do not cost: the
decoding and painting a person's browser does on their own device, never the edge's. What they still cost
here: Chromium's receive pipeline (its network process hands every packet to the page's renderer), 1.2 % of
one core per viewer with 49 of them (2 % with 4: the browser's and the pages' own share spread thinner), which
this machine pays beside the edge (a decoding page took about 10 %). Measured against the alternatives
(2026-11-28, 4 viewers, load 7-10): the same peer connections with their tracks attached to nothing still
decode every frame (framesDecoded grew at 30 a second each; 2.9 % per viewer against 1.8 %); aiortc 1.16
with its decoder thread replaced by one that counts and drops took 2.3 % per viewer in one Python process.
The measured viewer stays a full watch page that decodes and displays every frame.

Loopback only; everything it starts runs in its own process group and is stopped in order at the end or on
Ctrl-C / SIGTERM; the publisher stops by itself (-t) should the bench die.
"""

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests
from benchlib import ROOT, bench_user, loopback_only, percentile, setup_django
from latency import Children, free_port, pids_mentioning, start_app_server, start_media_server, wait_until
from playwright.sync_api import Error as PlaywrightError

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
WIDTH, HEIGHT, FPS = 640, 360, 30
BITS = 24  # milliseconds of media time up to 2**24: 4.6 hours of publishing
CELL = 16  # pixels at the published size; the strip is BITS * CELL x 2 * CELL
MARGIN = 64  # a cell and its inverted twin must differ by this much (of 255) to be read
# path: (how it plays, the stream's latency mode). "floor" is no platform at all: the publisher's own output
# decoded by a local ffmpeg through a pipe (what the encoder and a decoder cost; every other path includes it).
PATHS = {
    "floor": ("local", ""),
    "webrtc": ("webrtc", "normal"),
    "low": ("hls", "low"),
    "normal": ("hls", "normal"),
    "high": ("hls", "high"),
}
EDGE_COMMAND = "webrtcedge"  # the WebRTC edge's management command (Janus), where this checkout has one
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Switches Chromium ignores, which only the bench's browsers carry: how their processes are found for the CPU
# figures ("chromium": the measured page and any full extra pages; "receivers": the light viewers).
BROWSER_SWITCH = "--g2g-bench-viewers"
LIGHT_BROWSER_SWITCH = "--g2g-bench-light-viewers"
# A viewer joins an HLS stream once its playlist lists this many fragments, as one joining a stream live for a
# while: hls.js starts 2-3 fragments (the page's liveSyncDurationCount) behind the live edge, but nearer when
# the playlist is shorter than that, and (below the low mode) never catches up to where it would have been.
JOIN_FRAGMENTS = 4
# ffmpeg's progress reports: not a multiple of the frame interval, so that over a run the reports fall at every
# phase of it and some come right after a frame was written (see Calibration).
REPORT_PERIOD = 0.087


# --- the stamp ----------------------------------------------------------------------------


def strip_filter(*, bits: int = BITS, cell: int = CELL, rate: int = FPS, offset: float = 0) -> str:
    """A lavfi chain drawing each frame's media time (ms) as ``bits`` cells, and their inverse under them
    (``offset`` seconds later than the source's own clock: for tests of the high bits)."""
    bit = f"bitand(floor(floor(T*1000+0.5)/pow(2,floor(X/{cell}))),1)"
    shift = f"setpts=PTS+{offset}/TB," if offset else ""
    return (
        f"nullsrc=size={bits * cell}x{2 * cell}:rate={rate},{shift}format=gray,"
        f"geq=lum='255*if(lt(Y,{cell}),{bit},1-{bit})'"
    )


def publisher_graph(*, offset: float = 0) -> str:
    """The publisher's one lavfi input: the stamped test pattern (out0) and a tone (out1), on one clock."""
    video_shift, audio_shift = (f",setpts=PTS+{offset}/TB", f",asetpts=PTS+{offset}/TB") if offset else ("", "")
    return (
        f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}{video_shift}[bg];{strip_filter(offset=offset)}[strip];"
        "[bg][strip]overlay=0:0:shortest=1,format=yuv420p[out0];"
        f"sine=frequency=440:sample_rate=44100{audio_shift}[out1]"
    )


def publisher_argv(url: str, *, limit: float) -> list[str]:
    """ffmpeg publishing the stamped test pattern with a tone to ``url`` in real time, reporting progress."""
    return [
        FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error",
        "-re", "-f", "lavfi", "-i", publisher_graph(),
        "-t", str(limit),  # stops by itself should the bench die
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(FPS), "-keyint_min", str(FPS),  # a keyframe every second, as the low-latency paths need
        "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k",
        "-c:a", "aac", "-b:a", "128k",
        # Each packet onto the wire as it is encoded, as a low-latency encoder sends it: no waiting for the
        # audio to interleave (the AAC encoder runs behind), no I/O buffer (see the README's floor figure).
        "-max_interleave_delta", "1", "-flush_packets", "1",
        "-f", "flv", "-progress", "pipe:1", "-stats_period", str(REPORT_PERIOD), url,
    ]  # fmt: skip


def sample_cells(gray: bytes, *, width: int, cell: int = CELL, bits: int = BITS) -> list[int]:
    """The mean brightness of the middle half of each cell (row 0, then the inverted row 1) of a strip at the
    top-left of a ``width``-pixel-wide gray picture: what the page's script measures on the canvas."""
    lo, hi = cell // 4, cell - cell // 4
    means = []
    for row in range(2):
        for index in range(bits):
            total = count = 0
            for y in range(row * cell + lo, row * cell + hi):
                line = gray[y * width + index * cell + lo : y * width + index * cell + hi]
                total += sum(line)
                count += len(line)
            means.append(round(total / count))
    return means


def decode(means: list[int], *, bits: int = BITS) -> int | None:
    """The stamped milliseconds, or None when any cell does not clearly disagree with its inverted twin."""
    if len(means) != 2 * bits:
        return None
    value = 0
    for index in range(bits):
        on, inverted = means[index], means[bits + index]
        if abs(on - inverted) < MARGIN:
            return None
        value |= (on > inverted) << index
    return value


class Calibration:
    """Wall time of media time 0 at the source, from ffmpeg's progress reports stamped on arrival.

    A report "frame=N" says frames 0..N-1 have been encoded and written; `-re` reads frame N-1 (media time
    (N-1)/FPS) no earlier than start + (N-1)/FPS. So each arrival - (N-1)/FPS is start plus that report's
    delays (read, encode, mux, the pipe, and the time since the frame was written), never less; the minimum
    over the run is the epoch, late by the smallest of those delays. Frames only: the audio's packets are
    muxed at their own pace."""

    def __init__(self) -> None:
        self.offsets: list[float] = []  # arrival wall time - media time of the last written frame, per report

    def add(self, *, arrival: float, frames: int, fps: int = FPS) -> None:
        if frames > 0:
            self.offsets.append(arrival - (frames - 1) / fps)

    @property
    def epoch(self) -> float | None:
        return min(self.offsets) if self.offsets else None

    def captured_at(self, stamp_ms: int) -> float | None:
        epoch = self.epoch
        return None if epoch is None else epoch + stamp_ms / 1000

    def encoder_lag(self, q: float = 95) -> float:
        """How far behind its best pace the encoder muxed (seconds, q-th percentile): a starved publisher."""
        epoch = self.epoch
        return float("nan") if epoch is None else percentile([o - epoch for o in self.offsets], q)


def summary(values: list[float]) -> dict:
    """n, p50, p95, min and max of ``values`` (NaN where there are none)."""
    nan = float("nan")
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "min": min(values) if values else nan,
        "max": max(values) if values else nan,
    }


# --- what the page does -------------------------------------------------------------------

# Before the page's scripts: follow the player element and, on each presented frame, keep the display wall
# time, the path the page says it plays, and the strip's cell means (drawn back to the published geometry).
PAGE_SCRIPT = """(() => {
  const BITS = %(bits)d, CELL = %(cell)d, WIDTH = %(width)d, HEIGHT = %(height)d;
  const state = { frames: [], target: null };
  window.__g2g = state;
  window.__g2gTake = () => { const taken = state.frames; state.frames = []; return taken; };
  let canvas = null, context = null;
  const lo = Math.floor(CELL / 4), hi = CELL - Math.floor(CELL / 4);

  function pathOf(video) {
    if (video.dataset.playbackPath) return video.dataset.playbackPath;
    const marked = document.querySelector("[data-playback-path]");
    return marked ? marked.dataset.playbackPath : "";
  }

  function cells(video) {
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.width = BITS * CELL;
      canvas.height = 2 * CELL;
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    const sx = video.videoWidth / WIDTH, sy = video.videoHeight / HEIGHT;
    context.drawImage(video, 0, 0, canvas.width * sx, canvas.height * sy, 0, 0, canvas.width, canvas.height);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const means = [];
    for (let row = 0; row < 2; row++) {
      for (let index = 0; index < BITS; index++) {
        let total = 0, count = 0;
        for (let y = row * CELL + lo; y < row * CELL + hi; y++) {
          for (let x = index * CELL + lo; x < index * CELL + hi; x++) {
            const p = (y * canvas.width + x) * 4;
            total += (data[p] + 2 * data[p + 1] + data[p + 2]) / 4;
            count += 1;
          }
        }
        means.push(Math.round(total / count));
      }
    }
    return means;
  }

  function follow(video) {
    const onFrame = (now, meta) => {
      if (state.target !== video) return;
      const wall = meta.expectedDisplayTime + (Date.now() - performance.now());
      if (video.videoWidth) {
        try {
          state.frames.push([wall, pathOf(video), cells(video)]);
        } catch (error) {
          state.frames.push([wall, pathOf(video), String(error)]);
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  setInterval(() => {
    const video = document.querySelector("video[data-playback-path]") || document.getElementById("player");
    if (video && video !== state.target && video.requestVideoFrameCallback) {
      state.target = video;
      follow(video);
    }
  }, 200);
})();"""

# What an unmeasured viewer's page has played so far, and by which path.
VIEWER_STATE = """() => {
  const video = document.querySelector("video[data-playback-path]") || document.getElementById("player");
  if (!video) return null;
  const marked = video.dataset.playbackPath ? video : document.querySelector("[data-playback-path]");
  return {frames: video.getVideoPlaybackQuality().totalVideoFrames, path: marked ? marked.dataset.playbackPath : ""};
}"""


def path_matches(expected: str, seen: str) -> bool:
    """A page that predates the attribute plays HLS only: no attribute counts as HLS, never as WebRTC."""
    return seen == expected or (expected == "hls" and seen == "")


# --- light viewers ------------------------------------------------------------------------

# A light viewer's peer connection, several to a page: Janus's offer in, the answer (ICE gathered, capped at 2 s
# as the watch page caps it) out. Each track's encoded frames are taken off the receiver before its decoder
# (encodedInsertableStreams; nothing is written back, so Chromium decodes nothing), counted, and dropped.
LIGHT_PAGE_SCRIPT = """(() => {
  const peers = [];
  window.__light = peers;

  function drain(readable, counts) {
    const reader = readable.getReader();
    const next = () => reader.read().then(({ value, done }) => {
      if (done) return;
      counts.frames += 1;
      counts.bytes += value.data.byteLength;
      next();
    }, () => {});
    next();
  }

  window.__lightStart = async (sdp) => {
    const pc = new RTCPeerConnection({ encodedInsertableStreams: true });
    const entry = { pc, counts: { video: { frames: 0, bytes: 0 }, audio: { frames: 0, bytes: 0 } } };
    peers.push(entry);
    pc.addEventListener("track", (event) => {
      const streams = event.receiver.createEncodedStreams();
      drain(streams.readable, entry.counts[event.track.kind] || { frames: 0, bytes: 0 });
    });
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== "complete") {
      await new Promise((resolve) => {
        pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
        setTimeout(resolve, 2000);
      });
    }
    return { index: peers.length - 1, sdp: pc.localDescription.sdp };
  };

  // Per peer: its ICE state, the receivers' inbound-rtp counters (packets and bytes after SRTP, frames decoded)
  // and the encoded frames and bytes that reached the script.
  window.__lightStats = () => Promise.all(peers.map(async ({ pc, counts }) => {
    const stats = { state: pc.iceConnectionState, packets: 0, bytes: 0, decoded: 0,
      frames: counts.video.frames + counts.audio.frames, video_frames: counts.video.frames };
    (await pc.getStats()).forEach((report) => {
      if (report.type !== "inbound-rtp") return;
      stats.packets += report.packetsReceived || 0;
      stats.bytes += report.bytesReceived || 0;
      stats.decoded += report.framesDecoded || 0;
    });
    return stats;
  }));

  window.__lightClose = () => peers.forEach(({ pc }) => pc.close());
})();"""


@dataclass
class LightViewer:
    """One light viewer: its own signed-in user (an API token) and Janus session, a peer connection on a shared
    page. ``error`` says why it has none (the signalling's status and code, or the browser's error)."""

    token: str
    page: object = None
    index: int = -1
    grant: str = ""
    error: str = ""


def signalling_error(response: requests.Response) -> str:
    """A refused signalling call as the contract words it: the status and the body's ``code``."""
    try:
        code = response.json().get("code", "")
    except ValueError:
        code = ""
    return f"{response.status_code} {code}".strip()


def light_summary(before: list[dict | None], after: list[dict | None], seconds: float) -> dict:
    """What the light viewers received over the measured window, from each one's counters at its start and end:
    how many received packets and whole encoded video frames (both grew), the mean and smallest kbit/s of those,
    and the frames Chromium decoded (0 when nothing reached a decoder)."""
    rates, receiving, decoded = [], 0, 0
    for start, end in zip(before, after, strict=True):
        if not start or not end:
            continue
        decoded += end["decoded"] - start["decoded"]
        if end["packets"] > start["packets"] and end["video_frames"] > start["video_frames"]:
            receiving += 1
            rates.append(8 * (end["bytes"] - start["bytes"]) / seconds / 1000)
    nan = float("nan")
    return {
        "receiving": receiving,
        "kbps_mean": sum(rates) / len(rates) if rates else nan,
        "kbps_min": min(rates) if rates else nan,
        "decoded": decoded,
    }


class LightViewers:
    """The extra viewers of --light-viewers: real WebRTC viewers of the Janus edge that decode nothing.

    Each signs in with a token of its own user and goes through Django's signalling as any client would (POST
    the stream body's ``webrtc_url``, ``/answer``, ``/keepalive`` every ``keepalive_seconds`` from a thread of
    this process, ``/hangup``); its peer connection lives in a page of a Chromium of their own (``per_page`` to
    a page), so that their CPU is measured apart from the measured viewer's. ICE, DTLS and SRTP are
    Chromium's; what it would decode is dropped before the decoder."""

    def __init__(self, browser, *, base: str, webrtc_url: str, tokens: list[str], per_page: int) -> None:
        self.base = base
        self.webrtc_url = webrtc_url
        self.viewers = [LightViewer(token=token) for token in tokens]
        self.browser = browser
        self.per_page = per_page
        self.pages: list = []
        self.keepalive_seconds = 20
        self.stopping = threading.Event()
        self.keeper: threading.Thread | None = None
        self.kept = 0  # keepalives answered with a fresh grant
        self.hung_up = 0  # hangups answered 204

    def _post(self, viewer: LightViewer, suffix: str, body: dict | None = None) -> requests.Response:
        return requests.post(
            self.webrtc_url + suffix,
            json=body or {},
            headers={"Authorization": f"Token {viewer.token}"},
            timeout=10,
        )

    def start(self) -> None:
        """Each viewer's offer, peer connection and answer in turn (one page per ``per_page``), then the
        keepalives."""
        if not self.webrtc_url:  # the edge is down or the mountpoint unconfirmed: nobody can start
            for viewer in self.viewers:
                viewer.error = "no webrtc_url in the stream body"
            return
        for number, viewer in enumerate(self.viewers):
            if number % self.per_page == 0:
                context = self.browser.new_context()
                context.add_init_script(LIGHT_PAGE_SCRIPT)
                page = context.new_page()
                page.goto(f"{self.base}/robots.txt", wait_until="domcontentloaded")
                self.pages.append(page)
            viewer.page = self.pages[-1]
            try:
                offered = self._post(viewer, "")
                if offered.status_code != 200:
                    viewer.error = f"offer: {signalling_error(offered)}"
                    continue
                body = offered.json()
                viewer.grant = body["grant"]
                self.keepalive_seconds = body.get("keepalive_seconds", self.keepalive_seconds)
                answer = viewer.page.evaluate("(sdp) => window.__lightStart(sdp)", body["offer"]["sdp"])
                viewer.index = answer["index"]
                answered = self._post(viewer, "/answer", {"grant": viewer.grant, "sdp": answer["sdp"]})
                if answered.status_code != 204:
                    viewer.error = f"answer: {signalling_error(answered)}"
            except (requests.RequestException, PlaywrightError, KeyError, ValueError) as error:
                viewer.error = f"{type(error).__name__}: {str(error)[:120]}"
        self.keeper = threading.Thread(target=self._keep_alive, daemon=True)
        self.keeper.start()

    def _keep_alive(self) -> None:
        while not self.stopping.wait(self.keepalive_seconds):
            for viewer in self.viewers:
                if viewer.grant and not viewer.error:
                    with contextlib.suppress(requests.RequestException):
                        kept = self._post(viewer, "/keepalive", {"grant": viewer.grant})
                        if kept.status_code == 200:
                            viewer.grant = kept.json()["grant"]
                            self.kept += 1
                        else:
                            viewer.error = f"keepalive: {signalling_error(kept)}"

    def stats(self) -> list[dict | None]:
        """Each viewer's counters (None for one without a peer connection), one getStats round per page."""
        by_page = {}
        for page in self.pages:
            with contextlib.suppress(PlaywrightError):
                by_page[id(page)] = page.evaluate("window.__lightStats()")
        found: list[dict | None] = []
        for viewer in self.viewers:
            peers = by_page.get(id(viewer.page)) if viewer.page is not None else None
            found.append(peers[viewer.index] if peers and 0 <= viewer.index < len(peers) else None)
        return found

    def errors(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for viewer in self.viewers:
            if viewer.error:
                counted[viewer.error] = counted.get(viewer.error, 0) + 1
        return counted

    def stop(self) -> None:
        """Hang every session up (as the page's beacon does) and close the pages."""
        self.stopping.set()
        if self.keeper:
            self.keeper.join(timeout=15)
        for viewer in self.viewers:
            if viewer.grant:
                with contextlib.suppress(requests.RequestException):
                    self.hung_up += self._post(viewer, "/hangup", {"grant": viewer.grant}).status_code == 204
        for page in self.pages:
            with contextlib.suppress(Exception):
                page.evaluate("window.__lightClose()")
                page.context.close()


# --- CPU ------------------------------------------------------------------------------------


def process_table() -> dict[int, tuple[str, int, int, int, str]]:
    """{pid: (comm, ppid, cpu ticks (utime + stime, all threads), start time, argv)} of this machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # Fields from the third (state): ppid is the 4th, utime/stime the 14th/15th, starttime the 22nd.
        table[int(entry.name)] = (comm, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19]), argv)
    return table


def roles(
    table: dict, *, media_root: str, rtmp_port: int, publisher: int | None, browsers: dict[str, str] | None = None
) -> dict[int, str]:
    """Which of the machine's processes serve this bench's media, by role: nginx (the media server, master and
    workers), ladder (its ffmpeg), publisher, janus (the WebRTC edge: its configuration is under the media
    root), and the browsers: ``browsers`` maps a switch that only our Chromium carries to its role, which its
    every descendant (zygotes, renderers, the network and GPU processes) shares. Found by what only ours carry
    (our media root, our RTMP port, our switch), never by name alone."""
    found: dict[int, str] = {}
    for pid, (comm, _ppid, _ticks, _start, argv) in table.items():
        marked = [role for switch, role in (browsers or {}).items() if switch in argv.split()]
        if marked:
            found[pid] = marked[0]
        elif pid == publisher:
            found[pid] = "publisher"
        elif comm == "nginx" and media_root in argv:
            found[pid] = "nginx"
        elif comm.startswith("janus") and media_root in argv:
            found[pid] = "janus"
        elif comm == "ffmpeg" and f":{rtmp_port}/live/" in argv:
            found[pid] = "ladder"
    for pid, (comm, ppid, *_rest) in table.items():  # nginx workers and Janus helpers: children of a found one
        if pid not in found and found.get(ppid) in {"nginx", "janus"} and comm.startswith(("nginx", "janus")):
            found[pid] = found[ppid]
    browser_roles = set((browsers or {}).values())
    grew = True
    while grew:  # a browser's descendants, generation by generation (browser -> zygote -> renderer)
        grew = False
        for pid, (_comm, ppid, *_rest) in table.items():
            if pid not in found and found.get(ppid) in browser_roles:
                found[pid] = found[ppid]
                grew = True
    return found


def cpu_snapshot(**kwargs) -> dict[int, tuple[str, int, int]]:
    table = process_table()
    return {pid: (role, table[pid][2], table[pid][3]) for pid, role in roles(table, **kwargs).items()}


def cpu_by_role(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per role between two snapshots; a process born in between counts whole."""
    seconds: dict[str, float] = {}
    for pid, (role, ticks, started) in after.items():
        earlier = before.get(pid)
        spent = ticks - earlier[1] if earlier and earlier[2] == started else ticks
        seconds[role] = seconds.get(role, 0.0) + spent / CLOCK_TICKS
    return seconds


# --- one path -------------------------------------------------------------------------------


class Publisher:
    """The stamped publisher and the calibration its progress reports feed."""

    def __init__(self, children: Children, url: str, *, limit: float, log: Path, **popen):
        self.children = children
        self.log = log
        self.calibration = Calibration()
        self.process = children.start(
            "publisher",
            publisher_argv(url, limit=limit),
            stop_signal=signal.SIGINT,  # ffmpeg ends the stream cleanly (nginx calls publish_done)
            stdout=subprocess.PIPE,
            stderr=log.open("wb"),
            text=True,
            **popen,
        )
        threading.Thread(target=self._read_progress, daemon=True).start()

    def _read_progress(self) -> None:
        for line in self.process.stdout:
            if line.startswith("frame="):
                arrival = time.time()
                with contextlib.suppress(ValueError):
                    self.calibration.add(arrival=arrival, frames=int(line.split("=", 1)[1]))

    def failure(self) -> str | None:
        if self.process.poll() is None:
            return None
        return (
            f"the publisher exited with {self.process.returncode} (the media server's and daphne's logs: --keep):"
            f" {self.log.read_text(errors='replace')[-600:]}"
        )

    def stop(self) -> None:
        self.children.stop(self.process, signal.SIGINT)


@dataclass
class PathResult:
    path: str
    latency_mode: str
    viewers: int = 1
    displayed: list[tuple[float, int]] = field(default_factory=list)  # (wall time, stamp in ms) of each frame
    latencies: list[float] = field(default_factory=list)
    unreadable: int = 0
    off_path: int = 0
    played: str = ""  # the path the page said it played
    unavailable: str = ""
    cpu: dict[str, float] = field(default_factory=dict)  # % of one core over the measured window
    viewers_receiving: int | None = None
    encoder_lag: float = float("nan")
    calibration_reports: int = 0
    webrtc_url: bool | None = None
    light: dict | None = None  # light_summary() of the light viewers over the measured window
    light_errors: dict[str, int] = field(default_factory=dict)  # why some light viewers had no session: how many
    light_signalling: dict[str, int] = field(default_factory=dict)  # keepalives and hangups Django answered
    load: float = float("nan")  # the 1-minute load average at the end of the measured window


def stream_body(base: str, stream_id: str) -> dict:
    with contextlib.suppress(requests.RequestException, ValueError):
        response = requests.get(f"{base}/api/v1/streams/{stream_id}", timeout=5)
        if response.status_code == 200:
            return response.json()
    return {}


def fragments_listed(master_url: str) -> int:
    """How many fragments the first rendition's live playlist lists (0 while there is none)."""
    master = requests.get(master_url, timeout=2)
    variants = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    if master.status_code != 200 or not variants:
        return 0
    media = requests.get(urljoin(master_url, variants[0]), timeout=2)
    return media.text.count("#EXTINF") if media.status_code == 200 else 0


def wait_playable(base: str, stream_id: str, kind: str, publisher: Publisher, timeout: float) -> str:
    """Until the stream is live and, for HLS, its playlist holds JOIN_FRAGMENTS fragments: '' or why not."""
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        if failure := publisher.failure():
            return failure
        body = stream_body(base, stream_id)
        if body.get("status") == "live":
            if kind != "hls":
                return ""
            with contextlib.suppress(requests.RequestException):
                if body.get("hls_url") and fragments_listed(body["hls_url"]) >= JOIN_FRAGMENTS:
                    return ""
        time.sleep(0.2)
    return f"not live and playable within {timeout:g} s (status {body.get('status')!r})"


def take(page) -> list:
    try:
        return page.evaluate("window.__g2gTake ? window.__g2gTake() : []")
    except Exception:  # a navigation in progress (the page reloading itself): nothing to take this time
        return []


def measure_path(
    result: PathResult,
    *,
    browser,
    base: str,
    stream_id: str,
    key: str,
    ingest: str,
    viewer_cookies: list[dict],
    viewer_tokens: list[str],
    light_browser,
    args,
    children: Children,
    work: Path,
    cpu_where: dict,
) -> None:
    kind, _mode = PATHS[result.path]
    # Long enough for a busy machine to open every viewer's page; short enough to end soon should the bench die.
    limit = args.start_timeout * 2 + 2 * args.warmup + args.seconds + 10 * result.viewers
    publisher = Publisher(children, f"{ingest}/{key}", limit=limit, log=work / f"publisher-{result.path}.log")
    contexts = []
    light: LightViewers | None = None
    try:
        failure = wait_playable(base, stream_id, kind, publisher, args.start_timeout)
        if failure:
            result.unavailable = failure
            return
        url = f"{base}/streams/{stream_id}/?playback={kind}"
        measured_context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(measured_context)
        measured_context.add_init_script(PAGE_SCRIPT % {"bits": BITS, "cell": CELL, "width": WIDTH, "height": HEIGHT})
        page = measured_context.new_page()
        page.goto(url, wait_until="domcontentloaded")

        # The first displayed frame, then the warm-up: what the page plays by then is the path it plays.
        deadline = time.monotonic() + args.start_timeout
        frames: list = []
        while not frames and time.monotonic() < deadline and not publisher.failure():
            frames = take(page)
            time.sleep(0.25)
        if not frames:
            result.unavailable = publisher.failure() or f"no frame displayed within {args.start_timeout:g} s"
            return
        time.sleep(args.warmup)
        settled = take(page)[-FPS:]
        seen = [frame[1] for frame in settled] or [frames[-1][1]]
        result.played = max(set(seen), key=seen.count) or "hls (no data-playback-path)"
        if not any(path_matches(kind, path) for path in seen):
            result.unavailable = f"the page played {result.played}, not {kind}"
            return
        # The other viewers once the path is known to play, then a warm-up for them too (not counted either).
        viewer_pages = []
        if kind == "webrtc" and light_browser is not None and result.viewers > 1:
            light = LightViewers(
                light_browser,
                base=base,
                webrtc_url=stream_body(base, stream_id).get("webrtc_url") or "",
                tokens=viewer_tokens[: result.viewers - 1],
                per_page=args.light_per_page,
            )
            began = time.monotonic()
            light.start()
            failed = sum(light.errors().values())
            print(
                f"    {len(light.viewers)} light viewers signalled in {time.monotonic() - began:.1f} s"
                + (f" ({failed} refused or failed)" if failed else ""),
                flush=True,
            )
            deadline = time.monotonic() + args.start_timeout
            while time.monotonic() < deadline:  # until nine in ten receive frames (or the start timeout)
                if sum(1 for stats in light.stats() if stats and stats["video_frames"]) >= 0.9 * len(light.viewers):
                    break
                time.sleep(1)
            time.sleep(args.warmup)
            take(page)
        for cookie in viewer_cookies[: result.viewers - 1] if light is None else []:
            viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
            contexts.append(viewer_context)
            viewer_context.add_cookies([cookie])
            viewer = viewer_context.new_page()
            with contextlib.suppress(PlaywrightError):  # counted below as a viewer that received nothing
                viewer.goto(url, wait_until="commit")  # the next one opens while this one loads
            viewer_pages.append(viewer)
        if viewer_pages:  # until nine in ten play (or the start timeout), then their warm-up
            deadline = time.monotonic() + args.start_timeout
            while time.monotonic() < deadline:
                playing = [state for state in map(page_state, viewer_pages) if state and state["frames"]]
                if len(playing) >= 0.9 * len(viewer_pages):
                    break
                time.sleep(1)
            time.sleep(args.warmup)
            take(page)

        viewers_before = [page_state(viewer) for viewer in viewer_pages]
        light_before, light_began = (light.stats() if light else []), time.monotonic()
        cpu_before, started = cpu_snapshot(**cpu_where, publisher=publisher.process.pid), time.monotonic()
        until = started + args.seconds
        while time.monotonic() < until and not (failure := publisher.failure()):
            time.sleep(1)
            collect(result, take(page), kind)
        cpu_after, elapsed = cpu_snapshot(**cpu_where, publisher=publisher.process.pid), time.monotonic() - started
        result.load = os.getloadavg()[0]
        if light:
            result.light = light_summary(light_before, light.stats(), time.monotonic() - light_began)
            result.viewers_receiving = result.light["receiving"]
            result.light_errors = light.errors()
        collect(result, take(page), kind)
        if kind == "webrtc":  # asked after the measurement: the mountpoint may come a moment after going live
            result.webrtc_url = bool(stream_body(base, stream_id).get("webrtc_url"))
        if failure:
            result.unavailable = failure
        result.cpu = {role: 100 * s / elapsed for role, s in cpu_by_role(cpu_before, cpu_after).items()}
        if viewer_pages:
            after = [page_state(viewer) for viewer in viewer_pages]
            result.viewers_receiving = sum(
                1
                for b, a in zip(viewers_before, after, strict=True)
                if b and a and a["frames"] > b["frames"] and path_matches(kind, a["path"])
            )
    finally:
        if light:
            light.stop()
            result.light_signalling = {"keepalives": light.kept, "hangups": light.hung_up}
        for context in contexts:
            with contextlib.suppress(Exception):
                context.close()
        publisher.stop()
        finish(result, publisher.calibration)


def measure_floor(result: PathResult, *, args, children: Children, work: Path) -> None:
    """The publisher's FLV through a pipe into a local ffmpeg decoding at once (no buffering, one thread), each
    decoded strip timed on arrival here: the encoder's and a decoder's share of every other path."""
    strip_w, strip_h = BITS * CELL, 2 * CELL
    read_end, write_end = os.pipe()
    publisher = Publisher(
        children,
        f"pipe:{write_end}",
        limit=args.seconds + args.warmup + 30,
        log=work / "publisher-floor.log",
        pass_fds=(write_end,),
    )
    os.close(write_end)
    decoder = children.start(
        "decoder",
        [FFMPEG, "-nostdin", "-v", "error", "-probesize", "32", "-analyzeduration", "0", "-fflags", "nobuffer",
         "-flags", "low_delay", "-threads", "1", "-f", "flv", "-i", "pipe:0", "-map", "0:v",
         "-vf", f"crop={strip_w}:{strip_h}:0:0", "-f", "rawvideo", "-pix_fmt", "gray", "-flush_packets", "1",
         "pipe:1"],
        stop_signal=signal.SIGTERM,
        stdin=read_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(read_end)
    result.played = "local decoder"
    try:
        first = None
        while (strip := decoder.stdout.read(strip_w * strip_h)) and len(strip) == strip_w * strip_h:
            arrival = time.time()
            first = first or arrival
            if arrival - first < args.warmup:
                continue
            if arrival - first > args.warmup + args.seconds:
                break
            stamp = decode(sample_cells(strip, width=strip_w))
            if stamp is None:
                result.unreadable += 1
            else:
                result.displayed.append((arrival, stamp))
        if first is None:
            result.unavailable = publisher.failure() or "the local decoder read nothing"
    finally:
        publisher.stop()
        children.stop(decoder, signal.SIGTERM)
        finish(result, publisher.calibration)


def page_state(page) -> dict | None:
    try:
        return page.evaluate(VIEWER_STATE)
    except Exception:
        return None


def collect(result: PathResult, frames: list, kind: str) -> None:
    """Keep (displayed wall time, stamp) of each frame the asked path displayed; count the others apart."""
    for wall_ms, path, cells in frames:
        if not path_matches(kind, path):
            result.off_path += 1
            continue
        stamp = decode(cells) if isinstance(cells, list) else None
        if stamp is None:
            result.unreadable += 1
            continue
        result.displayed.append((wall_ms / 1000, stamp))


def finish(result: PathResult, calibration: Calibration) -> None:
    """Latencies against the run's final epoch (the earliest report of all, so frames collected early are timed
    as well as late ones)."""
    result.encoder_lag = calibration.encoder_lag()
    result.calibration_reports = len(calibration.offsets)
    if calibration.epoch is not None:
        result.latencies = [wall - calibration.captured_at(stamp) for wall, stamp in result.displayed]


# --- setup and report ---------------------------------------------------------------------


def prepare_streams(paths: list[str]) -> dict[str, tuple[str, str]]:
    """A fresh scheduled stream per path, of one bench creator: {path: (stream id, stream key)}."""
    setup_django()
    from django.db import connections

    from streams.services import stream_create

    creator = bench_user("bench_g2g_creator")
    streams = {}
    for path in paths:
        stream = stream_create(creator=creator, title=f"Glass to glass ({path})", latency_mode=PATHS[path][1])
        streams[path] = (str(stream.pk), stream.stream_key)
    connections.close_all()
    return streams


def bench_viewers(count: int) -> list:
    """``count`` viewers, each a user of its own, as that many people would be: the signalling endpoints' rate
    limit counts per user (per address for anonymous viewers, and every viewer here has the same address). Made
    with the ORM before Playwright's loop starts in this thread."""
    if count < 1:
        return []
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm
    from django.db import connections

    # These users never sign in with a password: a slow hash would cost seconds per viewer for nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per signed-in viewer is noise here
    users = [bench_user(f"bench_g2g_viewer_{index}") for index in range(count)]
    connections.close_all()
    return users


def viewer_cookies(count: int, host: str) -> list[dict]:
    """Session cookies of ``count`` signed-in viewers (bench_viewers), for their pages."""
    from django.db import connections

    from streams.tests.browser import session_cookie

    cookies = [session_cookie(user, host) for user in bench_viewers(count)]
    connections.close_all()
    return cookies


def viewer_tokens(count: int) -> list[str]:
    """API tokens of ``count`` signed-in viewers (bench_viewers), for light viewers' signalling."""
    from django.db import connections

    from accounts.services import user_token_get_or_create

    tokens = [user_token_get_or_create(user=user) for user in bench_viewers(count)]
    connections.close_all()
    return tokens


def seconds_text(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"


def report_table(results: list[PathResult]) -> str:
    """The figures as a Markdown table: one row per path, 'unavailable' and why where it did not play."""
    lines = [
        "| path | n | p50 (s) | p95 (s) | min (s) | max (s) | viewers | edge CPU / viewer | played |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        name = {"webrtc": "WebRTC", "floor": "floor (encoder -> local decoder)"}.get(r.path, f"HLS {r.path}")
        if r.unavailable and not r.latencies:
            lines.append(f"| {name} | unavailable: {r.unavailable.splitlines()[0][:120]} | | | | | {r.viewers} | | |")
            continue
        s = summary(r.latencies)
        edge = r.cpu.get("janus" if r.path == "webrtc" else "nginx")
        edge_text = "-" if edge is None else f"{edge / r.viewers:.2f} %"
        lines.append(
            f"| {name} | {s['n']} | {seconds_text(s['p50'])} | {seconds_text(s['p95'])} | {seconds_text(s['min'])}"
            f" | {seconds_text(s['max'])} | {r.viewers} | {edge_text} | {r.played} |"
        )
    return "\n".join(lines)


def details(r: PathResult) -> str:
    cpu = ", ".join(f"{role} {r.cpu[role]:.0f} %" for role in sorted(r.cpu)) or "-"
    parts = [
        f"{r.path} ({r.latency_mode or 'no'} stream): CPU of one core: {cpu}",
        f"encoder lag p95 {r.encoder_lag * 1000:.0f} ms over {r.calibration_reports} progress reports",
        f"{r.unreadable} unreadable frames",
    ]
    if len(r.latencies) >= 30:  # a player drifting behind (or catching up) shows here, not in the percentiles
        third = len(r.latencies) // 3
        first, last = percentile(r.latencies[:third], 50), percentile(r.latencies[-third:], 50)
        parts.append(f"p50 {first:.2f} s in the first third of the window, {last:.2f} s in the last")
    if r.off_path:
        parts.append(f"{r.off_path} frames played by another path")
    if r.light is not None:
        light = r.light
        parts.append(
            f"{light['receiving']}/{r.viewers - 1} light viewers received media over the window"
            f" ({light['kbps_mean']:.0f} kbit/s each on average, the least {light['kbps_min']:.0f});"
            f" {light['decoded']} frames decoded by them"
        )
        if "receivers" in r.cpu:
            parts.append(f"receivers {r.cpu['receivers'] / (r.viewers - 1):.2f} % of one core per light viewer")
        parts.extend(f"{count} of the light viewers failed: {error}" for error, count in sorted(r.light_errors.items()))
        if r.light_signalling:
            parts.append(
                f"their keepalives answered {r.light_signalling['keepalives']}, hangups {r.light_signalling['hangups']}"
            )
    elif r.viewers_receiving is not None:
        parts.append(f"{r.viewers_receiving}/{r.viewers - 1} extra viewers received frames")
    if r.load == r.load:
        parts.append(f"load average {r.load:.2f} at the end of the window")
    if r.webrtc_url is not None:
        parts.append(f"webrtc_url {'given' if r.webrtc_url else 'null'} in the stream body")
    if r.unavailable and r.latencies:
        parts.append(f"FAILED: {r.unavailable.splitlines()[0][:200]}")
    return "; ".join(parts)


def edge_environment(root: Path) -> dict[str, str]:
    """The WebRTC edge's settings for one of our own beside the media server at ``root`` (free API ports, its
    own UDP ranges, its secrets under ``root``), as the tests make them; none where this checkout has no edge."""
    sys.path.insert(0, str(ROOT))
    try:
        from streams.tests.processes import janus_environment
    except ImportError:
        return {}
    return janus_environment(root)


def start_edge(children: Children, env: dict, work: Path) -> str:
    """The WebRTC edge (Janus) as `make run` starts it, on our own ports: '' when it answers, else why not."""
    from django.core.management import get_commands

    if EDGE_COMMAND not in get_commands() or "JANUS_HTTP_PORT" not in env:
        return f"this checkout has no `manage.py {EDGE_COMMAND}`"
    log = work / "edge.out"
    edge = children.start(
        "edge",
        [sys.executable, "manage.py", EDGE_COMMAND],
        stop_signal=signal.SIGINT,  # Janus: clean shutdown
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )

    def answers() -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", int(env["JANUS_HTTP_PORT"])), 0.5):
            return True
        return False

    if not wait_until(lambda: edge.poll() is not None or answers(), timeout=30) or edge.poll() is not None:
        return "the WebRTC edge did not start: " + log.read_text(errors="replace")[-400:]
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--paths", default="floor,webrtc,low,normal,high", help="comma-separated: floor, webrtc, low, normal, high"
    )
    parser.add_argument("--seconds", type=float, default=20, help="seconds measured per path, after the warm-up")
    parser.add_argument("--warmup", type=float, default=5, help="seconds after the first frame that are not counted")
    parser.add_argument("--viewers", type=int, default=1, help="concurrent viewers on --viewers-paths (1 measured)")
    parser.add_argument("--viewers-paths", default="webrtc", help="the paths that get --viewers")
    parser.add_argument(
        "--light-viewers",
        action="store_true",
        help="on the webrtc path, the extra viewers are light: peer connections that receive and decode nothing",
    )
    # A page (a renderer) costs about 2.5 % of one core of its own: 4 viewers one to a page took 4.0 % each, four
    # to one page 2.1 % each. So few pages, but more than one renderer for two cores.
    parser.add_argument("--light-per-page", type=int, default=25, help="light viewers' peer connections per page")
    parser.add_argument("--start-timeout", type=float, default=60, help="seconds for a path to start playing")
    parser.add_argument("--url", help="a running server (make run / make serve) instead of our own")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database, HLS)")
    args = parser.parse_args()
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if unknown := set(paths) - set(PATHS):
        raise SystemExit(f"Unknown paths: {', '.join(sorted(unknown))}")
    viewer_paths = {p.strip() for p in args.viewers_paths.split(",")}
    if args.viewers < 1:
        raise SystemExit("--viewers counts the measured viewer: at least 1")
    if args.url:
        loopback_only(args.url)
    if not Path(FFMPEG).exists():
        raise SystemExit("Needs ffmpeg: apt-get install -y nginx libnginx-mod-rtmp ffmpeg")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    work = Path(tempfile.mkdtemp(prefix="bench-g2g-"))
    env = dict(os.environ)
    if args.url:
        base = args.url.rstrip("/")
        values = {}
    else:
        app_port = free_port()
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"):
            env.pop(name, None)  # our own SQLite, in-memory channel layer, Celery inline
            os.environ.pop(name, None)
        base = f"http://127.0.0.1:{app_port}"
        sys.path.insert(0, str(ROOT))
        from streams.tests.processes import media_server_environment  # free ports, as the media tests use

        values = {
            "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
            "SQLITE_PATH": str(work / "db.sqlite3"),
            "MEDIA_ROOT": str(work / "media"),
            **media_server_environment(work / "mediaserver", f"{base}/media-hooks"),
        }
        if "webrtc" in paths:
            values |= edge_environment(work / "mediaserver")
    env |= values
    os.environ.update(values)  # this process's Django (creating the streams) sees the same settings
    setup_django()
    from django.conf import settings

    from streams.tests.browser import ARGS, CHROMIUM

    cpu_where = {
        "media_root": str(Path(settings.MEDIA_SERVER_ROOT).resolve()),
        "rtmp_port": settings.RTMP_PORT,
        "browsers": {BROWSER_SWITCH: "chromium", LIGHT_BROWSER_SWITCH: "receivers"},
    }
    load_before = os.getloadavg()
    children = Children()
    results: list[PathResult] = []
    try:
        print(
            f"glass to glass: paths {', '.join(paths)}; {WIDTH}x{HEIGHT} @ {FPS} fps, keyframe every 1 s;"
            f" {args.warmup:g} s warm-up + {args.seconds:g} s measured each; viewers {args.viewers} on"
            f" {', '.join(sorted(viewer_paths & set(paths))) or 'none'}"
        )
        print(f"  load average {load_before[0]:.2f} on {os.cpu_count()} CPUs; work folder {work}", flush=True)
        if load_before[0] > (os.cpu_count() or 1):
            print("  a busy machine: the encoder, the ladder and Chromium share what is left of it", flush=True)
        edge_missing = ""
        if not args.url:
            # The page's scripts come from the app folders, as `make run` serves them (DEBUG): the media path,
            # not the app server, is what is measured.
            start_app_server(children, env | {"DEBUG": "1"}, app_port, log=work / "daphne.log")
            start_media_server(children, env, work)
            if "webrtc" in paths:
                edge_missing = start_edge(children, env, work)
                if edge_missing:
                    print(f"  WebRTC edge: {edge_missing}; the page decides what it plays", flush=True)
        streams = prepare_streams([path for path in paths if path != "floor"])
        light = args.light_viewers and "webrtc" in paths and "webrtc" in viewer_paths
        # Extra pages where viewers are pages (HLS paths, and webrtc without --light-viewers); tokens for light ones.
        most = max(args.viewers if path in viewer_paths and not (light and path == "webrtc") else 1 for path in paths)
        cookies = viewer_cookies(most - 1, urlparse(base).netloc)
        tokens = viewer_tokens(args.viewers - 1) if light else []
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=[*ARGS, "--autoplay-policy=no-user-gesture-required", BROWSER_SWITCH]
            )
            # The light viewers in a Chromium of their own: its CPU is theirs alone.
            light_browser = (
                playwright.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, LIGHT_BROWSER_SWITCH])
                if light
                else None
            )
            try:
                for path in paths:
                    viewers = args.viewers if path in viewer_paths else 1
                    result = PathResult(path, PATHS[path][1], viewers=viewers)
                    results.append(result)
                    if path == "floor":
                        print("  floor: the publisher into a local decoder ...", flush=True)
                        measure_floor(result, args=args, children=children, work=work)
                        continue
                    print(f"  {path}: stream {streams[path][0]}, {viewers} viewer(s) ...", flush=True)
                    try:
                        measure_path(
                            result,
                            browser=browser,
                            base=base,
                            stream_id=streams[path][0],
                            key=streams[path][1],
                            ingest=settings.RTMP_INGEST_URL,
                            viewer_cookies=cookies,
                            viewer_tokens=tokens,
                            light_browser=light_browser,
                            args=args,
                            children=children,
                            work=work,
                            cpu_where=cpu_where,
                        )
                    except PlaywrightError as error:  # the browser failed this path: the others still run
                        result.unavailable = f"the browser failed: {error}"
                    wait_until(lambda: not pids_mentioning(f":{settings.RTMP_PORT}/live/"), timeout=15, step=0.25)
            finally:
                browser.close()
                if light_browser:
                    light_browser.close()
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what the bench started", file=sys.stderr)
    finally:
        children.stop_all()
        if not args.url:
            for pid in pids_mentioning(f"127.0.0.1:{settings.RTMP_PORT}/"):  # a ladder that escaped its group
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if results:
        load_after = os.getloadavg()
        print()
        print(report_table(results))
        print()
        for result in results:
            print(details(result))
        print(
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs;"
            f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        )
        print(json.dumps({r.path: summary(r.latencies) | {"unavailable": r.unavailable} for r in results}))
    return 1 if not results or any(r.unavailable and r.path != "webrtc" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
