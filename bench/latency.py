"""Latency of the real broadcast pipeline per latency preset: publish to playable, and live latency.

Self-contained (its own daphne on a temporary SQLite database, its own media server on free ports):

    .venv/bin/python bench/latency.py --seconds 30

or with the hooks served by a running `make run` / `make serve` (same DATABASE_URL in the environment, so
the streams this bench creates are the ones the hooks look up):

    .venv/bin/python bench/latency.py --hook-url http://127.0.0.1:8000/media-hooks --seconds 30

For each preset (low / normal / high = 1 / 2 / 4 s HLS fragments) it creates a creator's stream with that
latency mode through the services, starts `ffmpeg -re` publishing a 30 fps test pattern (--size, 640x360
by default) with a tone to the project's nginx-rtmp with the stream's key (x264 ultrafast, zerolatency, a keyframe every
--keyframe-interval seconds, as a low-latency OBS setup would), and plays it like a player at the live
edge: it polls each measured rendition's live playlist every --poll seconds, downloads every new newest
segment as it appears and decodes it. It reports, per preset:

- publish -> playable: from the encoder's first frame on the wire until the master playlist and the first
  segment of the rendition both answer 200 over HTTP (source copy and a transcoded rung separately);
- live latency p50 / p95 over --seconds of playing: the moment a new segment has been downloaded minus the
  moment its first frame left the encoder, i.e. what a player that starts that segment at once shows.
  "newest" is the same for the segment's last frame (the freshest picture a viewer can have: the pipeline's
  own delay without the segment's length). A real player holds back more: hls.js starts 3 target durations
  from the live edge, so add about 2-3 fragments for what a viewer actually sees.

Method (no OCR, survives transcoding and timestamp rewrites): the encoder draws its frame number into the
picture as a binary barcode (24 cells, with an inverted copy under it as a check) on the top-left corner.
nginx-rtmp and the ladder's ffmpeg both rebase timestamps, so a PTS cannot be followed end to end; the
picture can: the bench decodes each downloaded segment (scaled back to the published size) and reads the
barcode of its first and last frames. When frame n left the encoder comes from the encoder itself: its
`-progress` report every 0.1 s says how much media it has muxed into the RTMP connection, stamped on
arrival here; frame n's send time is interpolated between the two reports around n / 30 s. One monotonic
clock in one process throughout; the frame's capture-to-send delay in the encoder (x264 zerolatency: about
a frame) is not counted, as it is the creator's machine, not the platform.

Error bound: a new segment is seen up to --poll (default 0.1 s) late; the HTTP fetch on loopback counts (a
viewer has to download it too); a frame's send time is within a report interval (0.1 s) at worst, and a
few ms when the encoder keeps its pace (AAC priming shifts the muxed time by 23 ms). So each sample is
within about +0.1 / -0.05 s. On a loaded machine the publisher itself may fall behind real time ("encoder
behind real time p95" in the details): that delay happens before the send time and is not counted, but the
ladder starved alike makes latencies grow during a run, which p95 shows.

Loopback only; everything it starts (daphne, nginx-rtmp with its ladder ffmpegs, the publishing ffmpeg)
runs in its own process group and is stopped, in order, at the end or on Ctrl-C / SIGTERM; the publisher
also stops by itself (-t) should the bench die.
"""

import argparse
import bisect
import contextlib
import math
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
from urllib.parse import urlparse

import requests
from benchlib import ROOT, bench_user, percentile, setup_django

PRESETS = {"low": 1, "normal": 2, "high": 4}
FPS = 30
BITS = 24  # frame numbers up to 2**24 / 30 s: 155 hours
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- processes ----------------------------------------------------------------------------


class Children:
    """Processes this bench started, each in its own session (a terminal's Ctrl-C reaches only the bench,
    which then stops them in order: publisher, media server, app server)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen, int]] = []

    def start(self, name: str, argv: list[str], *, stop_signal: int, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.started.append((name, process, stop_signal))
        return process

    def stop(self, process: subprocess.Popen, stop_signal: int, timeout: float = 10) -> None:
        self.started = [entry for entry in self.started if entry[1] is not process]
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(stop_signal)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever it left in its process group (nginx's workers, the ladder's ffmpeg) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop_all(self) -> None:
        for _name, process, stop_signal in reversed(self.started):
            self.stop(process, stop_signal)


def pids_mentioning(text: str) -> list[int]:
    """Our own leftover processes, found by a string only they carry (a port of ours) in their argv."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in argv:
            found.append(int(entry.name))
    return found


def wait_until(predicate, *, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def reachable(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
        return True
    except requests.RequestException:
        return False


def start_app_server(children: Children, env: dict, port: int, log: Path | None = None) -> None:
    """daphne on a fresh SQLite database, as `make run` serves the app (and the media hooks); its output in
    ``log`` when given."""
    print("  migrating a temporary SQLite database ...", flush=True)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if migrate.returncode:
        raise SystemExit(f"manage.py migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
    server = children.start(
        "daphne",
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "livestream.asgi:application"],
        stop_signal=signal.SIGTERM,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb") if log else subprocess.DEVNULL,
    )
    if not wait_until(lambda: server.poll() is not None or reachable(f"http://127.0.0.1:{port}/"), timeout=60):
        raise SystemExit("daphne did not start within 60 s")
    if server.poll() is not None:
        raise SystemExit(f"daphne exited with {server.returncode}")


def start_media_server(children: Children, env: dict, root: Path) -> None:
    log = (root / "mediaserver.out").open("wb")
    server = children.start(
        "mediaserver",
        [sys.executable, "manage.py", "mediaserver"],
        stop_signal=signal.SIGQUIT,  # nginx: graceful shutdown
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stat = f"{env['MEDIA_CONTROL_URL']}/stat"
    if not wait_until(lambda: server.poll() is not None or reachable(stat), timeout=30) or server.poll() is not None:
        raise SystemExit("the media server did not start:\n" + (root / "mediaserver.out").read_text(errors="replace"))


# --- the stamped publisher ---------------------------------------------------------------


def barcode_cell(width: int) -> int:
    return max(8, width // 40)


def publisher_argv(url: str, *, size: str, keyframe_interval: float, limit: float) -> list[str]:
    width = int(size.split("x")[0])
    cell = barcode_cell(width)
    bit = f"bitand(floor(N/pow(2,floor(X/{cell}))),1)"
    # Row 0: the frame number's bits, least significant first; row 1: the same, inverted (a decoding check).
    barcode = (
        f"nullsrc=size={BITS * cell}x{2 * cell}:rate={FPS},format=gray,"
        f"geq=lum='255*{bit}*lt(Y,{cell})+255*(1-{bit})*gte(Y,{cell})'"
    )
    gop = max(1, round(keyframe_interval * FPS))
    return [
        FFMPEG,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={FPS}",
        "-re",
        "-f",
        "lavfi",
        "-i",
        barcode,
        "-re",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100",
        "-filter_complex",
        "[0:v][1:v]overlay=0:0:shortest=1,format=yuv420p[v]",
        "-map",
        "[v]",
        "-map",
        "2:a",
        "-t",
        str(limit),  # stops by itself should the bench die
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-b:v",
        "2500k",
        "-maxrate",
        "2500k",
        "-bufsize",
        "5000k",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-f",
        "flv",
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.1",
        url,
    ]


class Publisher:
    """ffmpeg publishing stamped frames; knows when frame n left it, from its own progress reports."""

    WINDOW = 3.0  # seconds of reports around one that show the encoder's best pace

    def __init__(self, children: Children, url: str, *, size: str, keyframe_interval: float, limit: float, log: Path):
        self.children = children
        self.samples: list[tuple[float, float]] = []  # (muxed media time, report time - media time)
        self.lock = threading.Lock()
        self.launched = time.monotonic()
        self.log = log
        self.process = children.start(
            "publisher",
            publisher_argv(url, size=size, keyframe_interval=keyframe_interval, limit=limit),
            stop_signal=signal.SIGINT,  # ffmpeg finishes the stream cleanly (nginx sees publish_done)
            stdout=subprocess.PIPE,
            stderr=log.open("wb"),
            text=True,
        )
        self.reader = threading.Thread(target=self._read_progress, daemon=True)
        self.reader.start()

    def _read_progress(self) -> None:
        for line in self.process.stdout:
            if line.startswith("out_time_us="):
                now = time.monotonic()
                try:
                    media_time = int(line.split("=", 1)[1]) / 1e6
                except ValueError:
                    continue  # "N/A" before the first packet
                if media_time > 0:
                    with self.lock:
                        self.samples.append((media_time, now - media_time))

    def sent_at(self, frame: int) -> float | None:
        """When frame n left the encoder: between the two progress reports around its media time, at their pace."""
        media_time = frame / FPS
        with self.lock:
            samples = list(self.samples)
        if not samples:
            return None
        after = bisect.bisect_left(samples, (media_time, -math.inf))
        if after == 0:
            _, off = samples[0]
            return off + media_time  # before the first report: at the pace of the first
        if after == len(samples):
            return None  # not reported sent yet
        (t1, off1), (t2, off2) = samples[after - 1], samples[after]
        w1, w2 = t1 + off1, t2 + off2
        return w1 + (w2 - w1) * (media_time - t1) / (t2 - t1) if t2 > t1 else w2

    def pacing_lag(self) -> float:
        """p95 of how far the encoder ran behind its best real-time pace around it (seconds): a starved encoder."""
        with self.lock:
            samples = list(self.samples)
        lateness = []
        for t, off in samples:
            best = min(o for s, o in samples if abs(s - t) <= self.WINDOW)
            lateness.append(off - best)
        return percentile(lateness, 95)

    def stop(self) -> None:
        self.children.stop(self.process, signal.SIGINT)

    def failure(self) -> str | None:
        if self.process.poll() is None:
            return None
        return f"the publisher exited with {self.process.returncode}: {self.log.read_text(errors='replace')[-800:]}"


def frame_numbers(segment: bytes, *, size: str) -> list[int | None]:
    """The barcoded frame number of each video frame in an MPEG-TS segment (None where it does not read)."""
    width, height = (int(v) for v in size.split("x"))
    cell = barcode_cell(width)
    strip_w, strip_h = BITS * cell, 2 * cell
    decoded = subprocess.run(
        [
            FFMPEG,
            "-nostdin",
            "-v",
            "error",
            "-f",
            "mpegts",
            "-i",
            "pipe:0",
            "-map",
            "0:v:0",
            # Back to the published size (the rungs are scaled), then only the barcode.
            "-vf",
            f"scale={width}:{height},crop={strip_w}:{strip_h}:0:0",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:1",
        ],
        input=segment,
        capture_output=True,
        timeout=60,
    ).stdout
    frame_bytes = strip_w * strip_h
    lo, hi = cell // 4, cell - cell // 4  # the middle of each cell, away from blurred edges

    def cell_on(frame: bytes, row: int, index: int) -> bool:
        total = count = 0
        for y in range(row * cell + lo, row * cell + hi):
            line = frame[y * strip_w + index * cell + lo : y * strip_w + index * cell + hi]
            total += sum(line)
            count += len(line)
        return total > 128 * count

    numbers: list[int | None] = []
    for start in range(0, len(decoded) - frame_bytes + 1, frame_bytes):
        frame = decoded[start : start + frame_bytes]
        value = 0
        for index in range(BITS):
            on, inverted = cell_on(frame, 0, index), cell_on(frame, 1, index)
            if on == inverted:
                value = None
                break
            value |= on << index
        numbers.append(value)
    return numbers


# --- playing ------------------------------------------------------------------------------


@dataclass
class Rendition:
    name: str
    playlist_url: str
    playable_at: float | None = None
    first_frame_latency: list[float] = field(default_factory=list)
    newest_frame_latency: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    unreadable: int = 0
    error: str = ""


def play(rendition: Rendition, publisher: Publisher, *, size: str, poll: float, stop: threading.Event) -> None:
    """Poll the live playlist; download each new newest segment at once and time its frames."""
    base = rendition.playlist_url.rsplit("/", 1)[0]
    seen: set[str] = set()
    session = requests.Session()
    while not stop.is_set():
        started = time.monotonic()
        try:
            response = session.get(rendition.playlist_url, timeout=5)
            if response.status_code != 200:
                stop.wait(poll)
                continue
            lines = response.text.splitlines()
            segments = [(lines[i - 1], line) for i, line in enumerate(lines) if line.endswith(".ts") and i]
            fresh = [s for s in segments if s[1] not in seen]
            seen.update(name for _, name in segments)
            if fresh:
                extinf, newest = fresh[-1]  # a player at the live edge skips what it missed
                body = session.get(f"{base}/{newest}", timeout=10)
                have = time.monotonic()
                if body.status_code == 200:
                    first = rendition.playable_at is None
                    if first:
                        rendition.playable_at = have
                    numbers = frame_numbers(body.content, size=size)
                    readable = [(i, n) for i, n in enumerate(numbers) if n is not None]
                    rendition.unreadable += len(numbers) - len(readable)
                    if readable and not first:  # the first segment is the publish -> playable figure
                        (i0, n0), n1 = readable[0], readable[-1][1]
                        oldest, newest_frame = publisher.sent_at(n0 - i0), publisher.sent_at(n1)
                        if oldest is not None and newest_frame is not None:
                            rendition.first_frame_latency.append(have - oldest)
                            rendition.newest_frame_latency.append(have - newest_frame)
                            with contextlib.suppress(ValueError, IndexError):
                                rendition.durations.append(float(extinf.split(":", 1)[1].rstrip(",")))
        except requests.RequestException as error:
            rendition.error = str(error)
        stop.wait(max(0.0, poll - (time.monotonic() - started)))


@dataclass
class PresetResult:
    preset: str
    fragment: int
    connect: float  # encoder launch to its first frame on the wire (RTMP connect + publish hook)
    master_at: float | None
    epoch: float | None
    renditions: list[Rendition]
    encoder_lag: float
    failure: str = ""

    def playable(self, rendition: Rendition) -> float | None:
        if rendition.playable_at is None or self.master_at is None or self.epoch is None:
            return None
        return max(rendition.playable_at, self.master_at) - self.epoch


def measure(preset: str, stream_id: str, key: str, env: dict, args, children: Children, work: Path) -> PresetResult:
    fragment = PRESETS[preset]
    hls = f"{env['HLS_BASE_URL']}/{preset}"
    master_url = f"{hls}/{stream_id}.m3u8"
    renditions = [Rendition(name, f"{hls}/{stream_id}_{name}.m3u8") for name in args.renditions]
    stop = threading.Event()
    publisher = Publisher(
        children,
        f"{env['RTMP_INGEST_URL']}/{key}",
        size=args.size,
        keyframe_interval=args.keyframe_interval,
        limit=args.seconds + 120,
        log=work / f"publisher-{preset}.log",
    )
    players = [
        threading.Thread(
            target=play, args=(r, publisher), kwargs={"size": args.size, "poll": args.poll, "stop": stop}, daemon=True
        )
        for r in renditions
    ]
    for player in players:
        player.start()
    master_at = None
    failure = ""
    try:
        deadline = time.monotonic() + 60
        while master_at is None or any(r.playable_at is None for r in renditions):
            if master_at is None:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(master_url, timeout=2).status_code == 200:
                        master_at = time.monotonic()
            if (failure := publisher.failure() or "") or time.monotonic() > deadline:
                failure = failure or "not playable within 60 s"
                break
            time.sleep(args.poll)
        if not failure:
            until = time.monotonic() + args.seconds
            while time.monotonic() < until and not (failure := publisher.failure() or ""):
                time.sleep(0.2)
    finally:
        stop.set()
        for player in players:
            player.join(timeout=15)
        encoder_lag = publisher.pacing_lag() if publisher.samples else float("nan")
        epoch = publisher.sent_at(0)
        publisher.stop()
    connect = (epoch - publisher.launched) if epoch is not None else float("nan")
    return PresetResult(preset, fragment, connect, master_at, epoch, renditions, encoder_lag, failure)


def wait_ladder_gone(rtmp_port: int) -> None:
    """Between presets: nginx stops the ladder when the publisher leaves; do not measure beside the last one."""
    wait_until(lambda: not pids_mentioning(f"127.0.0.1:{rtmp_port}/live/"), timeout=15, step=0.25)


# --- setup and report ---------------------------------------------------------------------


def prepare_streams(presets: list[str]) -> dict[str, tuple[str, str]]:
    """A fresh scheduled stream per preset, of one bench creator: {preset: (stream id, stream key)}."""
    setup_django()
    from django.db import connections

    from streams.services import stream_create

    creator = bench_user("bench_latency_creator")
    streams = {}
    for preset in presets:
        stream = stream_create(creator=creator, title=f"Latency bench ({preset})", latency_mode=preset)
        streams[preset] = (str(stream.pk), stream.stream_key)
    connections.close_all()
    return streams


def ms(seconds: float | None) -> str:
    return "-" if seconds is None or seconds != seconds else f"{seconds:.2f}"


def report(results: list[PresetResult], args) -> None:
    names = args.renditions
    print()
    header = ["preset (fragment)"]
    header += [f"publish->playable {n} (s)" for n in names]
    header += [f"live {n} p50 / p95 (s)" for n in names]
    header += [f"newest frame {n} p50 (s)" for n in names]
    header += ["N"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for result in results:
        row = [f"{result.preset} ({result.fragment} s)"]
        row += [ms(result.playable(r)) for r in result.renditions]
        row += [
            f"{ms(percentile(r.first_frame_latency, 50))} / {ms(percentile(r.first_frame_latency, 95))}"
            for r in result.renditions
        ]
        row += [ms(percentile(r.newest_frame_latency, 50)) for r in result.renditions]
        row += [" / ".join(str(len(r.first_frame_latency)) for r in result.renditions)]
        print("| " + " | ".join(row) + " |")
    print()
    for result in results:
        details = ", ".join(
            f"{r.name}: segments {sum(r.durations) / len(r.durations):.2f} s avg"
            + (f", {r.unreadable} unreadable frames" if r.unreadable else "")
            + (f", last error {r.error}" if r.error else "")
            for r in result.renditions
            if r.durations
        )
        print(
            f"{result.preset}: connect+publish hook {ms(result.connect)} s; encoder behind real time p95"
            f" {result.encoder_lag * 1000:.0f} ms; {details}"
            + (f"; FAILED: {result.failure}" if result.failure else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="low,normal,high", help="comma-separated: low, normal, high")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of playing per preset")
    parser.add_argument("--renditions", default="src,360p", help="comma-separated: src and ladder rung names")
    parser.add_argument("--size", default="640x360", help="the encoder's picture size (CPU: the ladder scales it)")
    parser.add_argument("--keyframe-interval", type=float, default=1.0, help="the encoder's, in seconds")
    parser.add_argument("--poll", type=float, default=0.1, help="playlist polling interval, seconds")
    parser.add_argument("--hook-url", help="media hooks of a running server (make run), instead of our own daphne")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database, HLS)")
    args = parser.parse_args()
    args.presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    args.renditions = [r.strip() for r in args.renditions.split(",") if r.strip()]
    if unknown := set(args.presets) - set(PRESETS):
        raise SystemExit(f"Unknown presets: {', '.join(sorted(unknown))}")
    if args.hook_url and urlparse(args.hook_url).hostname not in LOOPBACK:
        raise SystemExit("This benchmark only targets this machine (loopback).")
    if not Path(FFMPEG).exists():  # `manage.py mediaserver` says what else is missing
        raise SystemExit("Needs ffmpeg: apt-get install -y nginx libnginx-mod-rtmp ffmpeg")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where started with SIGINT ignored
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    rtmp_port, http_port = free_port(), free_port()
    values = {
        "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
        "DEBUG": "0",
        "MEDIA_SERVER_ROOT": str(work / "mediaserver"),
        "RTMP_PORT": str(rtmp_port),
        "MEDIA_HTTP_PORT": str(http_port),
        "MEDIA_CONTROL_URL": f"http://127.0.0.1:{http_port}",
        "HLS_BASE_URL": f"http://127.0.0.1:{http_port}/hls",
        "RTMP_INGEST_URL": f"rtmp://127.0.0.1:{rtmp_port}/live",
    }
    env = dict(os.environ)
    if args.hook_url:
        values["MEDIA_HOOK_BASE_URL"] = args.hook_url.rstrip("/")
    else:
        app_port = free_port()
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"):
            env.pop(name, None)  # our own SQLite, in-memory channel layer, Celery inline
            os.environ.pop(name, None)
        values |= {
            "SQLITE_PATH": str(work / "db.sqlite3"),
            "MEDIA_ROOT": str(work / "media"),
            "MEDIA_HOOK_BASE_URL": f"http://127.0.0.1:{app_port}/media-hooks",
        }
    env |= values
    os.environ.update(values)  # this process's Django (creating the streams) sees the same settings

    load_before = os.getloadavg()
    children = Children()
    results: list[PresetResult] = []
    try:
        print(
            f"latency bench: presets {', '.join(args.presets)}; {args.size} @ {FPS} fps, keyframe every"
            f" {args.keyframe_interval:g} s; {args.seconds:g} s of playing each;"
            f" renditions {', '.join(args.renditions)}"
        )
        print(f"  load average {load_before[0]:.2f} on {os.cpu_count()} CPUs; work folder {work}", flush=True)
        if not args.hook_url:
            start_app_server(children, env, app_port)
        start_media_server(children, env, work)
        streams = prepare_streams(args.presets)
        for preset in args.presets:
            stream_id, key = streams[preset]
            print(f"  {preset}: publishing stream {stream_id} ...", flush=True)
            results.append(measure(preset, stream_id, key, env, args, children, work))
            wait_ladder_gone(rtmp_port)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what the bench started", file=sys.stderr)
    finally:
        children.stop_all()
        for pid in pids_mentioning(f"127.0.0.1:{rtmp_port}/"):  # a ladder ffmpeg that escaped its group
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if results:
        report(results, args)
        load_after = os.getloadavg()
        print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs")
    return 1 if not results or any(r.failure for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
