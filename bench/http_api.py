"""HTTP throughput and latency of the streams API against a running server.

    python bench/http_api.py --url http://127.0.0.1:8000 --concurrency 32 --seconds 15

Hits the stream list (a page of 20 with creators, categories and tags) and a
stream's detail in turn, from CONCURRENCY keep-alive connections for SECONDS,
and prints requests a second, p50/p95/p99 latency and errors. Seed data first
(`python manage.py seed_demo` on the server's database). Loopback only.
"""

import argparse
import asyncio
import statistics
import sys
import time
from urllib.parse import urlparse

import aiohttp
from benchlib import percentile


async def run(url: str, concurrency: int, seconds: float) -> dict:
    host = urlparse(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("This benchmark only targets this machine (loopback).")
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{url}/api/v1/streams?status=all&limit=20") as response:
            rows = (await response.json())["results"]
        if not rows:
            raise SystemExit("No streams: run `python manage.py seed_demo` against the server's database first.")
        paths = ["/api/v1/streams?status=all&limit=20", f"/api/v1/streams/{rows[0]['id']}"]
        latencies: list[float] = []
        errors = 0
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
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    result = asyncio.run(run(args.url.rstrip("/"), args.concurrency, args.seconds))
    print(
        f"{args.url}  concurrency {args.concurrency}, {args.seconds:.0f} s: "
        f"{result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, {result['errors']} errors ({result['requests']} ok)"
    )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
