"""What the benchmarks share: Django set up as production runs it, one definition of a percentile, and a
closed-loop HTTP driver.

Imported as ``benchlib`` by the scripts beside it (``python bench/<name>.py`` puts this folder on the path).
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every query's SQL in memory: not what production runs
    import django

    django.setup()


def bench_user(name: str):
    """The benchmark's own user ``name``, made on first use in this database (a random password: a bench user
    is signed in by session, never by password). Django must be set up."""
    import secrets

    from accounts.models import User
    from accounts.services import user_create

    return User.objects.filter(username=name).first() or user_create(
        username=name, email=f"{name}@bench.invalid", password=secrets.token_urlsafe(16)
    )


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, by nearest rank; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def loopback_only(url: str) -> None:
    if urlparse(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("This benchmark only targets this machine (loopback).")


async def drive(url: str, paths: list[str], *, concurrency: int, seconds: float, headers: dict | None = None) -> dict:
    """GET ``paths`` in turn from ``concurrency`` keep-alive connections for ``seconds``, each connection sending
    its next request when the last answered (a closed loop). Returns ``{"latencies": {path: [seconds, ...]},
    "elapsed", "errors"}``; an answer other than 200 is an error, not a latency."""
    import aiohttp

    loopback_only(url)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    errors = 0
    async with aiohttp.ClientSession(connector=connector, headers=headers or {}) as session:
        deadline = time.perf_counter() + seconds

        async def worker(index: int) -> None:
            nonlocal errors
            n = index
            while time.perf_counter() < deadline:
                path = paths[n % len(paths)]
                n += 1
                started = time.perf_counter()
                try:
                    async with session.get(url + path) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                            continue
                except aiohttp.ClientError:
                    errors += 1
                    continue
                latencies[path].append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


def drive_summary(result: dict) -> dict:
    """What ``drive`` measured, as the HTTP benchmarks report it: requests answered, requests a second, p50/p95/p99
    and mean latency in milliseconds, errors (all paths together)."""
    latencies = [value for values in result["latencies"].values() for value in values]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / result["elapsed"],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "errors": result["errors"],
    }


def summary_line(label: str, summary: dict) -> str:
    """One line for a ``drive_summary``: ``label: N req/s, p50 .. ms, p95 .. ms, p99 .. ms, E errors (R ok)``."""
    return (
        f"{label}: {summary['rps']:.0f} req/s, p50 {summary['p50_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms, "
        f"p99 {summary['p99_ms']:.1f} ms, {summary['errors']} errors ({summary['requests']} ok)"
    )
