"""Latency of the header's search suggestions (GET /api/v1/search/suggest) at 100,000 streams and 20,000 creators.

    DATABASE_URL=postgres://... python bench/search_suggest.py --build          # once: bulk-insert the data
    DATABASE_URL=postgres://... python bench/search_suggest.py --serve          # gunicorn on loopback, then HTTP
    python bench/search_suggest.py --url http://127.0.0.1:8000                  # against a running server

``--build`` bulk-inserts CREATORS creators (users with a creator profile) and STREAMS streams (titles and
descriptions from a vocabulary of Nigerian languages, places, names and subjects, some with diacritics; 2% live,
10% upcoming, the rest past; 10% private or unlisted), then writes every search document
(``discovery.search.index.search_reindex_all``). It refuses a database that is not PostgreSQL.

Then: the in-process time of an uncached suggestion (the three lookups, no HTTP, no cache) over a typing
session's queries, EXPLAIN ANALYZE of each query for a common and a misspelt word, and HTTP latency from
CONCURRENCY keep-alive connections for SECONDS (queries as a person types: each prefix of a word, 1 to its
length, and misspellings), printing p50/p95/p99. The HTTP figures include the suggestions' 30 s cache, as
production has it; the in-process figures do not. Loopback only.
"""

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from benchlib import drive, drive_summary, percentile, setup_django, summary_line

ROOT = Path(__file__).resolve().parent.parent
STREAMS = 100_000
CREATORS = 20_000
USERNAME_PREFIX = "sb"  # the bench's users: sb00001 ...

FIRST = (
    "Adébáyọ̀ Chiamaka Ngozi Emeka Aisha Musa Fatima Oluwaseun Ifeoma Chukwudi Bola Tunde "
    "Zainab Ibrahim Kelechi Ọlá Yétúndé Hauwa Obinna Amaka Ṣadé Halima Uchenna Funmilayo Garba "
    "Nneka Babatunde Ebere Sani Temitope"
).split()
LAST = (
    "Okafor Adeyemi Bello Eze Abubakar Okonkwo Ogunleye Nwosu Danjuma Adebayo Obi Balogun Usman "
    "Chukwu Ọláńrewájú Yusuf Onyekachi Akande Lawal Nnamdi"
).split()
SUBJECTS = (
    "Yorùbá Hausa Igbo Mathematics Physics Chemistry Biology History Literature Music Fuji "
    "Highlife Afrobeat Jùjú Cooking Jollof Poetry Proverbs Drumming Dance Art Economics "
    "Geography Coding Football Farming Fashion Adire Ankara Nollywood"
).split()
PLACES = (
    "Lagos Ìbàdàn Kano Enugu Kaduna Abuja Benin Calabar Ọ̀yọ́ Owerri Jos Sokoto Zaria Onitsha "
    "Abẹ́òkúta Ilorin Maiduguri Port-Harcourt Warri Osogbo"
).split()
FORMATS = (
    "lesson class workshop talk show night festival storytelling masterclass livestream "
    "tutorial debate quiz concert review"
).split()
TAGS = "beginners advanced kids exam waec jamb culture language live music history science tradition".split()
WORDS = [w for w in SUBJECTS + PLACES + FORMATS + FIRST + LAST]


def build(rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from discovery.search.index import search_reindex_all
    from streams.models import CreatorProfile, Stream, Tag

    if connection.vendor != "postgresql":
        raise SystemExit("--build is for PostgreSQL (set DATABASE_URL).")
    existing = User.objects.filter(username__startswith=USERNAME_PREFIX).count()
    started = time.perf_counter()
    if existing < CREATORS:
        users = []
        for n in range(existing, CREATORS):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            users.append(
                User(
                    username=f"{USERNAME_PREFIX}{n:05}{first[:4].lower()}",
                    email="",
                    display_name=f"{first} {last}",
                    password="!",  # noqa: S106 - Django's mark for "no usable password"
                )
            )
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=2000)
            CreatorProfile.objects.bulk_create([CreatorProfile(user=user) for user in users], batch_size=2000)
    creator_ids = list(User.objects.filter(username__startswith=USERNAME_PREFIX).values_list("pk", flat=True))
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    have = Stream.objects.filter(creator_id__in=creator_ids).count()
    now = timezone.now()
    for start in range(have, STREAMS, 5000):
        batch = []
        for _ in range(start, min(start + 5000, STREAMS)):
            roll = rng.random()
            status = "live" if roll < 0.02 else "scheduled" if roll < 0.12 else "ended"
            title = f"{rng.choice(SUBJECTS)} {rng.choice(FORMATS)} in {rng.choice(PLACES)}"
            if rng.random() < 0.3:
                title += f" with {rng.choice(FIRST)}"
            visibility = rng.choices(["public", "unlisted", "private"], [90, 5, 5])[0]
            batch.append(
                Stream(
                    creator_id=rng.choice(creator_ids),
                    title=title,
                    description=" ".join(rng.choice(WORDS) for _ in range(12)),
                    status=status,
                    visibility=visibility,
                    current_viewers=rng.randint(1, 500) if status == "live" else 0,
                    started_at=now if status != "scheduled" else None,
                    ended_at=now if status == "ended" else None,
                    scheduled_start_time=now if status == "scheduled" else None,
                )
            )
        with transaction.atomic():
            Stream.objects.bulk_create(batch, batch_size=2500)
            Stream.tags.through.objects.bulk_create(
                [
                    Stream.tags.through(stream_id=stream.pk, tag_id=tag.pk)
                    for stream in batch
                    for tag in rng.sample(tags, 2)
                ],
                batch_size=5000,
            )
    print(f"data: {CREATORS} creators, {STREAMS} streams in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    streams, creators = search_reindex_all()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE discovery_streamsearch")
        cursor.execute("VACUUM ANALYZE discovery_creatorsearch")
        cursor.execute("ANALYZE streams_stream")
    print(f"search documents: {streams} streams, {creators} creators in {time.perf_counter() - started:.0f} s")


def typing_queries(rng: random.Random, count: int) -> list[str]:
    """What people type: each prefix of a word (as the box asks while they type), and some misspellings."""
    from discovery.search.text import normalize

    queries: list[str] = []
    while len(queries) < count:
        word = normalize(rng.choice(WORDS)).split()[0]
        if rng.random() < 0.2 and len(word) > 4:
            cut = rng.randrange(1, len(word) - 1)
            queries.append(word[:cut] + word[cut + 1 :])  # a dropped letter: "yorba"
        else:
            queries.extend(word[:n] for n in range(1, len(word) + 1))
    return queries[:count]


def in_process(queries: list[str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from discovery.search import suggest
    from discovery.search.query import SearchQueryText

    def one(q: str) -> list:
        text = SearchQueryText.parse(q)
        creators, streams = suggest._creators_and_streams(text)
        return suggest._mix({"creator": creators, "stream": streams, "category": suggest._categories(text)})

    for q in queries[:50]:
        one(q)  # warm the connection and caches of the database
    times = []
    for q in queries:
        started = time.perf_counter()
        one(q)
        times.append(time.perf_counter() - started)
    print(
        f"in process (uncached), {len(times)} queries: p50 {percentile(times, 50) * 1000:.1f} ms, "
        f"p95 {percentile(times, 95) * 1000:.1f} ms, p99 {percentile(times, 99) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms"
    )
    for q in ("lesson", "yorba", "a"):
        with CaptureQueriesContext(connection) as captured:
            one(q)
        print(f"\nEXPLAIN ANALYZE for q={q!r} ({len(captured.captured_queries)} queries)")
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("  " + query["sql"][:160] + (" ..." if len(query["sql"]) > 160 else ""))
                for (line,) in cursor.fetchall():
                    print("    " + line)


async def suggest_load(url: str, queries: list[str], concurrency: int, seconds: float) -> dict:
    """The typed queries in turn from CONCURRENCY keep-alive connections (benchlib's closed-loop driver)."""
    paths = [f"/api/v1/search/suggest?q={quote(q)}" for q in queries]
    result = await drive(url, paths, concurrency=concurrency, seconds=seconds)
    return drive_summary(result)


def serve() -> tuple[subprocess.Popen, str]:
    """gunicorn (as deploy/serve.py runs it: gthread workers) on a free loopback port; the caller stops it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "livestream.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="bulk-insert the data and the search documents first")
    parser.add_argument("--serve", action="store_true", help="start gunicorn on loopback for the HTTP part")
    parser.add_argument("--url", default="", help="a running server (instead of --serve)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    setup_django()
    rng = random.Random(14)
    if args.build:
        build(rng)
    queries = typing_queries(rng, args.queries)
    in_process(queries)
    if not (args.serve or args.url):
        return 0
    process, url = serve() if args.serve else (None, args.url.rstrip("/"))
    try:
        result = asyncio.run(suggest_load(url, queries, args.concurrency, args.seconds))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    label = f"\nHTTP {url}  concurrency {args.concurrency}, {args.seconds:.0f} s, {len(queries)} distinct-ish queries"
    print(summary_line(label, result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
