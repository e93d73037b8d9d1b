"""Chat fan-out: N viewers in one room, M messages a second, delivery rate and latency.

Run against `make serve` (PostgreSQL and Redis), with the same DATABASE_URL and REDIS_URL:

    python bench/chat_fanout.py --url http://127.0.0.1:8000 --viewers 1000 --rate 25 --seconds 10

It prepares a live bench stream whose senders are its moderators (so slow mode and flood limits, which
exist for people, do not throttle the load; bans, settings and filters are still checked and every
message is stored), connects VIEWERS anonymous sockets from a few client processes, sends RATE
messages a second from SENDERS signed-in sockets, and prints deliveries a second, p50/p95/p99 delivery
latency (send to receipt, same clock) and messages lost. Then it runs the same load against a bare
baseline - a minimal `websockets` + Redis pub/sub broadcaster started by this script - and prints the
ratio. Everything stays on loopback and stops by itself.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import secrets
import socket
import subprocess
import sys
import time
from array import array
from pathlib import Path
from urllib.parse import urlparse

from benchlib import percentile

ROOT = Path(__file__).resolve().parent.parent
MARK = "bench|"
BASELINE_CHANNEL = "bench-baseline-room"


# --- the bare baseline --------------------------------------------------------------------


async def serve_baseline(port: int, redis_url: str) -> None:
    """A minimal broadcaster: every socket's message is PUBLISHed, every published one sent to all."""
    import redis.asyncio as aioredis
    import websockets
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=None)

    async def handler(ws):
        clients.add(ws)
        try:
            async for text in ws:
                data = json.loads(text)
                event = {"type": "chat_message", "message": {"content": data.get("content", "")}}
                await redis.publish(BASELINE_CHANNEL, json.dumps(event, separators=(",", ":")))
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(ws)

    async def fan_out():
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(BASELINE_CHANNEL)
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"])

    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
        await fan_out()


# --- viewers (one asyncio loop per client process) ----------------------------------------------


def viewer_process(ws_url: str, count: int, ready, stop, results) -> None:
    asyncio.run(_viewers(ws_url, count, ready, stop, results))


async def _viewers(ws_url: str, count: int, ready, stop, results) -> None:
    import aiohttp

    latencies = array("d")
    received = 0
    sockets = []

    async def read(ws):
        nonlocal received
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text = message.data
            at = text.find(MARK)
            if at < 0:
                continue
            now = time.time()
            sent_at = float(text[at + len(MARK) :].split("|", 2)[1])
            latencies.append(now - sent_at)
            received += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(50)

        async def open_one():
            async with gate:
                for attempt in range(5):
                    try:
                        return await session.ws_connect(ws_url, heartbeat=None, max_msg_size=0)
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.2 * (attempt + 1))
                raise RuntimeError(f"could not connect to {ws_url}")

        sockets = await asyncio.gather(*(open_one() for _ in range(count)))
        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for ws in sockets:
            await ws.close()
        for reader in readers:
            reader.cancel()
    results.put((received, latencies.tobytes()))


# --- one run ------------------------------------------------------------------------------------


async def _send(ws_urls: list[str], rate: float, seconds: float) -> tuple[int, int]:
    import aiohttp

    errors = 0
    async with aiohttp.ClientSession() as session:
        senders = [await session.ws_connect(url, heartbeat=None) for url in ws_urls]

        async def drain(ws):
            nonlocal errors
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT and message.data.startswith('{"type":"error"'):
                    errors += 1

        drains = [asyncio.create_task(drain(ws)) for ws in senders]
        await asyncio.sleep(1.0)  # let the senders join the room
        total = int(rate * seconds)
        started = time.perf_counter()
        for seq in range(total):
            delay = started + seq / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            content = f"{MARK}{seq}|{time.time():.6f}|"
            await senders[seq % len(senders)].send_str(json.dumps({"type": "chat_message", "content": content}))
        await asyncio.sleep(0.5)
        for ws in senders:
            await ws.close()
        for task in drains:
            task.cancel()
    return total, errors


def run_load(name: str, viewer_urls: list[str], sender_urls: list[str], args) -> dict:
    ctx = mp.get_context("fork")
    stop, results = ctx.Event(), ctx.Queue()
    per_process = [args.viewers // args.client_processes] * args.client_processes
    per_process[0] += args.viewers - sum(per_process)
    workers, readies = [], []
    for index, count in enumerate(per_process):
        ready = ctx.Event()
        viewer_url = viewer_urls[index % len(viewer_urls)]
        process = ctx.Process(target=viewer_process, args=(viewer_url, count, ready, stop, results), daemon=True)
        process.start()
        workers.append(process)
        readies.append(ready)
    for ready in readies:
        if not ready.wait(timeout=120):
            stop.set()
            raise SystemExit(f"{name}: viewers did not all connect within 120 s")
    time.sleep(1.0)
    sent, errors = asyncio.run(_send(sender_urls, args.rate, args.seconds))
    time.sleep(args.drain)
    stop.set()
    received, latencies = 0, array("d")
    for _ in workers:
        count, raw = results.get(timeout=60)
        received += count
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(chunk)
    for process in workers:
        process.join(timeout=10)

    def pct(q: float) -> float:
        return percentile(latencies, q) * 1000

    expected = sent * args.viewers
    return {
        "name": name,
        "sent": sent,
        "errors": errors,
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "deliveries_per_s": received / args.seconds,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
    }


# --- set-up of the platform side -----------------------------------------------------------------


def prepare_stream(senders: int) -> tuple[str, list[str]]:
    """A live public stream with its chat open and SENDERS moderators with API tokens."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
    import django

    django.setup()
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.services import user_create
    from chat.services import chat_moderator_add
    from streams.models import Stream
    from streams.services import stream_create, stream_start

    def user(name: str) -> User:
        found = User.objects.filter(username=name).first()
        return found or user_create(username=name, email=f"{name}@bench.invalid", password=secrets.token_urlsafe(16))

    creator = user("bench_creator")
    stream = Stream.objects.filter(creator=creator, title="Chat fan-out bench", status="live").first()
    if stream is None:
        stream = stream_start(stream=stream_create(creator=creator, title="Chat fan-out bench"))
    tokens = []
    for n in range(senders):
        sender = user(f"bench_sender_{n}")
        chat_moderator_add(stream=stream, actor=creator, user=sender)
        tokens.append(Token.objects.get_or_create(user=sender)[0].key)
    connections.close_all()
    return str(stream.pk), tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(row: dict, args) -> None:
    print(
        f"{row['name']:<9} {args.viewers:>7} {args.rate:>7.0f} {row['sent']:>6} {row['deliveries_per_s']:>13,.0f}"
        f" {row['p50']:>9.1f} {row['p95']:>9.1f} {row['p99']:>9.1f} {row['lost']:>8,} {row['errors']:>7}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the platform (make serve)")
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=25, help="messages a second, all senders together")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--senders", type=int, default=5)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late deliveries")
    parser.add_argument(
        "--direct",
        metavar="HOST:PORT,...",
        help="connect viewers straight to these WebSocket processes (round robin), bypassing the proxy",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-only", action="store_true")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if args.serve_baseline:
        asyncio.run(serve_baseline(args.serve_baseline, redis_url))
        return 0
    if urlparse(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("This benchmark only targets this machine (loopback).")

    rows = []
    print(
        f"{'target':<9} {'viewers':>7} {'msgs/s':>7} {'sent':>6} {'deliveries/s':>13} {'p50 ms':>9} {'p95 ms':>9}"
        f" {'p99 ms':>9} {'lost':>8} {'errors':>7}"
    )
    if not args.baseline_only:
        if not os.environ.get("DATABASE_URL"):
            raise SystemExit("Set DATABASE_URL (and REDIS_URL) to the database `make serve` uses.")
        stream_id, tokens = prepare_stream(args.senders)
        path = f"/api/v1/streams/{stream_id}/chat"
        base = args.url.replace("http://", "ws://").rstrip("/") + path
        viewers = [f"ws://{server}{path}" for server in args.direct.split(",")] if args.direct else [base]
        rows.append(run_load("platform", viewers, [f"{base}?token={token}" for token in tokens], args))
        report(rows[-1], args)
    if not args.no_baseline:
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve-baseline", str(port)], env=os.environ.copy())
        try:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("the baseline server did not start")
                time.sleep(0.1)
            url = f"ws://127.0.0.1:{port}/"
            rows.append(run_load("baseline", [url], [url] * args.senders, args))
            report(rows[-1], args)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if len(rows) == 2:
        platform, baseline = rows
        deliveries = platform["deliveries_per_s"] / max(baseline["deliveries_per_s"], 1)
        p99 = platform["p99"] / max(baseline["p99"], 0.001)
        print(f"platform / baseline: deliveries {deliveries:.2f}x, p99 {p99:.2f}x")
    return 1 if any(row["lost"] or row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
