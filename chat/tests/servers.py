"""Real ASGI server processes on the test database, for end-to-end and browser tests."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_of_test_db() -> str:
    """DATABASE_URL for the test database this run created."""
    params = connection.settings_dict
    user = quote(params["USER"] or "")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


@contextlib.contextmanager
def daphnes(ports: list[int], log_dir: Path | None = None, **environment: str):
    """daphne processes on the test database, one per port in ``ports``, with ``environment`` over this
    process's (REDIS_URL among it); yields their host:port once every one accepts connections. Their logs are
    kept in ``log_dir`` (daphne-<port>.log) when given."""
    env = os.environ | {
        "DATABASE_URL": database_url_of_test_db(),
        "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
        "DEBUG": "1",  # static files from the app folders, as under make run
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **environment,
    }
    # Their logs go to files, not pipes: a pipe nobody reads would block a server once its buffer filled.
    logs = [(log_dir / f"daphne-{port}.log").open("w+b") if log_dir else tempfile.TemporaryFile() for port in ports]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "livestream.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                        errors = b"".join(
                            _read(log) for p, log in zip(processes, logs, strict=True) if p.poll() is not None
                        )
                        raise RuntimeError(f"daphne did not start: {errors.decode()[-2000:]}") from None
                    time.sleep(0.1)
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def _read(log) -> bytes:
    log.seek(0)
    return log.read()


@pytest.fixture
def two_daphnes(transactional_db):
    """Two daphne processes on the test database and Redis; yields their host:port."""
    with daphnes([free_port(), free_port()]) as hosts:
        yield hosts


class OwnRedis:
    """A redis-server of the test's own, on a free port, that the test stops and starts."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def options(self) -> list[str]:
        return [
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, *self.options()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
