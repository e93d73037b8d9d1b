"""Gifts into ONE hot creator: sustained gifts a second, end to end and through the service alone.

Run against `make serve` on PostgreSQL, with the same DATABASE_URL (and REDIS_URL):

    python bench/gifts.py --url http://127.0.0.1:8000 --senders 200 --concurrency 32 --seconds 15

It prepares a live stream of one creator, a 1-coin gift and SENDERS viewers with coins and API tokens,
then (1) POSTs gifts over HTTP from CONCURRENCY keep-alive connections for SECONDS, a random sender
each time, and prints gifts a second with p50/p99 latency and errors; (2) calls `gifts.services.gift_send`
directly from PROCESSES x THREADS workers for SECONDS and prints gifts a second; (3) runs
`manage.py audit_ledger`. Loopback only; it stops by itself.
"""

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import random
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

from benchlib import ROOT, percentile, setup_django

GRANT = 10_000_000


def prepare(senders: int) -> tuple[str, str, list[str], list[str]]:
    """(stream id, gift id, sender ids, sender tokens): idempotent, reused across runs."""
    setup_django()
    import secrets

    from django.db import connections
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.services import user_create
    from gifts.models import Gift
    from streams.models import Stream
    from streams.services import stream_create, stream_start
    from wallet.selectors import wallet_balance
    from wallet.services import coins_grant

    def user(name: str) -> User:
        found = User.objects.filter(username=name).first()
        return found or user_create(username=name, email=f"{name}@bench.invalid", password=secrets.token_urlsafe(16))

    creator = user("bench_hot_creator")
    stream = Stream.objects.filter(creator=creator, status="live").first()
    if stream is None:
        stream = stream_start(stream=stream_create(creator=creator, title="Gift bench"))
    gift, _ = Gift.objects.get_or_create(
        name="Bench Kola", defaults={"category": "traditional", "cost_in_coins": 1, "naira_value": "5.00"}
    )
    ids, tokens = [], []
    for n in range(senders):
        sender = user(f"bench_gifter_{n}")
        if wallet_balance(user=sender) < GRANT // 10:
            coins_grant(user=sender, coins=GRANT, reason="bench")
        ids.append(str(sender.pk))
        tokens.append(Token.objects.get_or_create(user=sender)[0].key)
    if connections["default"].vendor == "postgresql":
        # Where autovacuum is off (this machine's CI config) nothing else keeps the planner's statistics of
        # what the bench grows. The gift function no longer depends on them (gifts/migrations/0005), the
        # rest of the app's queries on these tables may.
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE gifts_sentgift, wallet_transaction, wallet_entry, wallet_account")
    connections.close_all()
    return str(stream.pk), str(gift.pk), ids, tokens


async def http_load(url: str, stream_id: str, gift_id: str, tokens: list[str], concurrency: int, seconds: float):
    import aiohttp

    latencies: list[float] = []
    errors: dict[int, int] = {}
    path = f"{url}/api/v1/streams/{stream_id}/gifts"
    body = {"gift_id": gift_id, "quantity": 1}
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker():
            while time.perf_counter() < deadline:
                headers = {"Authorization": f"Token {random.choice(tokens)}"}
                started = time.perf_counter()
                try:
                    async with session.post(path, json=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                if status == 201:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[status] = errors.get(status, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return len(latencies) / elapsed, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, errors


def service_worker(stream_id, gift_id, sender_ids, tokens, threads, seconds, ready, results) -> None:
    setup_django()
    from django.db import connections

    from accounts.models import User
    from gifts.services import gift_send

    by_id = {str(pk): user for pk, user in User.objects.in_bulk(sender_ids).items()}
    senders = [(by_id[pk], token) for pk, token in zip(sender_ids, tokens, strict=True)]  # as the route passes them
    gc.freeze()  # as the servers' entry points do (livestream/wsgi.py)
    counts = [0] * threads
    latencies: list[float] = []
    ready.wait()  # every process set up (Django, connections) before any gift is timed
    began = time.time()
    deadline = time.perf_counter() + seconds

    def run(index: int):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            sender, token = random.choice(senders)
            gift_send(stream_id=stream_id, sender=sender, gift_id=gift_id, quantity=1, token=token)
            latencies.append(time.perf_counter() - started)
            counts[index] += 1
        connections.close_all()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((sum(counts), latencies, began, time.time()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--processes", type=int, default=2, help="service path: worker processes")
    parser.add_argument("--threads", type=int, default=4, help="service path: threads per process")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()
    if urlparse(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("This benchmark only targets this machine (loopback).")
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to the database `make serve` uses.")

    stream_id, gift_id, sender_ids, tokens = prepare(args.senders)
    print(f"one creator, {args.senders} senders, 1-coin gifts, {args.seconds:.0f} s per run")
    failed = False
    if not args.skip_http:
        rate, p50, p99, errors = asyncio.run(
            http_load(args.url.rstrip("/"), stream_id, gift_id, tokens, args.concurrency, args.seconds)
        )
        print(
            f"HTTP  {args.concurrency} connections: {rate:,.0f} gifts/s,"
            f" p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors or 0}"
        )
        failed |= bool(errors)
    if not args.skip_service:
        ctx = mp.get_context("spawn")  # fresh processes: no pooled connection shared across a fork
        results = ctx.Queue()
        ready = ctx.Barrier(args.processes)
        worker_args = (stream_id, gift_id, sender_ids, tokens, args.threads, args.seconds, ready, results)
        procs = [ctx.Process(target=service_worker, args=worker_args) for _ in range(args.processes)]
        for proc in procs:
            proc.start()
        total, latencies, starts, ends = 0, [], [], []
        for _ in procs:
            count, lat, began, ended = results.get(timeout=args.seconds + 120)
            total += count
            latencies.extend(lat)
            starts.append(began)
            ends.append(ended)
        for proc in procs:
            proc.join()
        elapsed = max(ends) - min(starts)  # the sending window, not the processes' start-up
        latencies.sort()
        print(
            f"service  {args.processes} x {args.threads} threads: {total / elapsed:,.0f} gifts/s,"
            f" p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms"
        )
    audit = subprocess.run([sys.executable, str(ROOT / "manage.py"), "audit_ledger"], capture_output=True, text=True)
    print("audit_ledger:", (audit.stdout.strip().splitlines() or [""])[-1], audit.stderr.strip())
    return 1 if failed or audit.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
