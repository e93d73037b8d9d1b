"""HTTP throughput and latency of the streams API against a running server.

    python bench/http_api.py --url http://127.0.0.1:8000 --concurrency 32 --seconds 15

Hits the stream list (a page of 20 with creators, categories and tags) and a
stream's detail in turn, from CONCURRENCY keep-alive connections for SECONDS,
and prints requests a second, p50/p95/p99 latency and errors. Seed data first
(`python manage.py seed_demo` on the server's database). Loopback only.
"""

import argparse
import asyncio
import sys

import aiohttp
from benchlib import drive, drive_summary, loopback_only, summary_line


async def run(url: str, concurrency: int, seconds: float) -> dict:
    loopback_only(url)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/api/v1/streams?status=all&limit=20") as response:
            rows = (await response.json())["results"]
    if not rows:
        raise SystemExit("No streams: run `python manage.py seed_demo` against the server's database first.")
    paths = ["/api/v1/streams?status=all&limit=20", f"/api/v1/streams/{rows[0]['id']}"]
    result = await drive(url, paths, concurrency=concurrency, seconds=seconds)
    return drive_summary(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    result = asyncio.run(run(args.url.rstrip("/"), args.concurrency, args.seconds))
    print(summary_line(f"{args.url}  concurrency {args.concurrency}, {args.seconds:.0f} s", result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
