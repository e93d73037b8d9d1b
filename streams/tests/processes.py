"""Real service processes a test owns: its own redis-server, Celery workers over the test database, the media
server (nginx-rtmp and the ffmpeg ladder) and an encoder publishing to it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from chat.tests.servers import ROOT, database_url_of_test_db, free_port


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(interval)


@contextlib.contextmanager
def redis_server(folder: Path):
    """A redis-server of this test's own (random port, no persistence, in ``folder``); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(answers, timeout=10, what="redis-server answering")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


class Worker:
    """``celery -A livestream worker`` (prefork, one pool process) over the test database and ``redis_url``,
    in a session of its own so that the whole worker (main process and pool) can be killed at once."""

    def __init__(self, redis_url: str, log: Path, **environment: str):
        self.log = log
        env = os.environ | {
            "DATABASE_URL": database_url_of_test_db(),
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
            **environment,
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        celery = [str(Path(sys.executable).parent / "celery")]
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [*celery, "-A", "livestream", "worker", "--loglevel", "INFO", "--concurrency", "1",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{log.stem}@%h"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_until(lambda: b" ready." in log.read_bytes() or self.process.poll() is not None, timeout=20,
                   what="the Celery worker ready")  # fmt: skip
        if self.process.poll() is not None:
            raise RuntimeError(f"the worker did not start: {self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_processes(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no shutdown, no acknowledgement, as when a machine or container dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


def media_server_environment(root: Path, hook_base_url: str) -> dict[str, str]:
    """Settings for a media server of a test's own (free ports, its files under ``root``) whose hooks call
    ``hook_base_url``; the same values configure the Django processes that talk to it."""
    rtmp_port, http_port = free_port(), free_port()
    return {
        "MEDIA_SERVER_ROOT": str(root),
        "RTMP_PORT": str(rtmp_port),
        "MEDIA_HTTP_PORT": str(http_port),
        "MEDIA_HOOK_BASE_URL": hook_base_url,
        "MEDIA_CONTROL_URL": f"http://127.0.0.1:{http_port}",
        "HLS_BASE_URL": f"http://127.0.0.1:{http_port}/hls",
        "RTMP_INGEST_URL": f"rtmp://127.0.0.1:{rtmp_port}/live",
    }


@contextlib.contextmanager
def media_server(environment: dict[str, str]):
    """The project's media server (``manage.py mediaserver``: nginx-rtmp, its hooks, the ffmpeg ladder) with
    ``environment`` (media_server_environment); answering /stat before it yields, shut down gracefully after."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mediaserver"],
        cwd=ROOT,
        env=os.environ | environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError("the media server did not start:\n" + process.stdout.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", int(environment["MEDIA_HTTP_PORT"])), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_until(answers, timeout=20, what="the media server answering", interval=0.2)
        yield environment
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx: graceful shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def publish(ingest_url: str, key: str, *, seconds: int, gop: int = 30, size: str = "640x360", rate: int = 30):
    """ffmpeg publishing a test pattern with a tone over RTMP, in real time, as an encoder would."""
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-f", "flv", f"{ingest_url}/{key}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def _free_udp_block(size: int) -> int:
    """The first port of ``size`` UDP ports that are free now (a random spot, checked port by port)."""
    import random

    for _attempt in range(50):
        first = random.randrange(30000, 60000 - size, 4)
        socks = []
        try:
            for port in range(first, first + size):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("0.0.0.0", port))  # noqa: S104 -- probing: Janus binds its media ports on every interface
            return first
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free block of UDP ports")


def janus_environment(root: Path) -> dict[str, str]:
    """Settings for a WebRTC edge (Janus) of a test's own: free API ports, its own UDP ranges (browser media and
    RTP ingest), its secrets and configuration under ``root`` (the media server's root when both run: the ladder
    reads the mounts' ports files there)."""
    media, ingest = _free_udp_block(100), _free_udp_block(40)
    return {
        "MEDIA_SERVER_ROOT": str(root),
        "JANUS_HTTP_PORT": str(free_port()),
        "JANUS_ADMIN_PORT": str(free_port()),
        "JANUS_SECRETS_FILE": str(root / "janus-secrets.json"),
        "JANUS_RTP_PORT_RANGE": f"{media}-{media + 99}",
        "WEBRTC_INGEST_PORT_RANGE": f"{ingest}-{ingest + 39}",
    }


class JanusEdge:
    """``manage.py webrtcedge`` (Janus) with ``environment`` (janus_environment), answering before start() returns;
    stop() and start() again to test a restart or an edge that is down."""

    def __init__(self, environment: dict[str, str]):
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.log = Path(environment["MEDIA_SERVER_ROOT"]) / "janus.log"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", int(self.environment["JANUS_HTTP_PORT"])), timeout=0.5):
                return True
        except OSError:
            return False

    def start(self) -> "JanusEdge":
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "webrtcedge"],
                cwd=ROOT,
                env=os.environ | self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

        def up() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError("Janus did not start:\n" + self.log.read_text(errors="replace")[-3000:])
            return self.answers()

        try:
            wait_until(up, timeout=40, what="Janus answering", interval=0.1)
        except BaseException:
            self.stop()  # slow to come up: never leave it running behind a failed test
            raise
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # Janus: clean shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def janus_edge(environment: dict[str, str]):
    edge = JanusEdge(environment).start()
    try:
        yield edge
    finally:
        edge.stop()
