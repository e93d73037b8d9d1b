"""Recommendations against the trending baseline: hit-rate@10 on held-out watches of synthetic viewers.

    python bench/recommendations.py                      # the dev database (SQLite under var/), or
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ls_bench python bench/recommendations.py

It builds, inside one transaction that it rolls back at the end (the database is left as it was):
CATEGORIES categories with TAGS_PER_CATEGORY tags each; CREATORS creators, each with a home category, a
popularity (Zipf-like) and STREAMS_PER_CREATOR ended public streams of the last three weeks (in their home
category nine times in ten, with two of its tags); VIEWERS viewers, each preferring one or two categories
and following up to three creators there, who watch WATCHES_MIN..WATCHES_MAX streams one after another: three
times in four a stream of a preferred category (weighted by its creator's popularity, a followed creator's
three times as much), else noise (any stream, by popularity). Each viewer's last HOLD_OUT watches are held
out (never stored as viewer sessions); the rest are stored as sessions and follows.

Then, per viewer: the recommender (``discovery.selectors.recommendation_list``, ten items, trending padding
on, its streams loaded as the API loads them; timed computed, then again from the cache a minute keeps)
against the trending baseline (the ten streams with the largest audience in the stored sessions that the
viewer has not watched: what a trending row offers everyone; every stream here has ended, so the live
score itself would offer nothing). hit-rate@10: the share of viewers with at least one held-out stream in
their ten; recall@10: the share of held-out watches found. Seeded: the same figures every run.
"""

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter

from benchlib import setup_django

CATEGORIES, TAGS_PER_CATEGORY, CREATORS, STREAMS_PER_CREATOR = 8, 5, 60, 10
VIEWERS, WATCHES_MIN, WATCHES_MAX, HOLD_OUT = 400, 12, 30, 3
PREFERRED_SHARE, FOLLOWED_BOOST = 0.75, 3.0


class Rollback(Exception):
    pass


def run(seed: int) -> dict:
    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from discovery.selectors import recommendation_list
    from streams.models import Category, Follow, Stream, Tag, ViewerSession
    from streams.selectors.browse import stream_list_by_ids

    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(None)
    result: dict = {}
    try:
        with transaction.atomic():
            prefix = f"benchrec{seed}_"
            categories = [
                Category.objects.create(name=f"Bench topic {index}", slug=f"{prefix}cat{index}")
                for index in range(CATEGORIES)
            ]
            tags = {
                category.pk: [
                    Tag.objects.create(name=f"{prefix}tag{index}_{number}") for number in range(TAGS_PER_CATEGORY)
                ]
                for index, category in enumerate(categories)
            }
            creators = User.objects.bulk_create(
                User(username=f"{prefix}creator{index}", email=f"{prefix}c{index}@bench.invalid", password=password)
                for index in range(CREATORS)
            )
            home = {creator.pk: rng.choice(categories) for creator in creators}
            popularity = {creator.pk: 1.0 / (rank + 1) ** 0.8 for rank, creator in enumerate(creators)}
            streams = []
            for creator in creators:
                for _ in range(STREAMS_PER_CREATOR):
                    category = home[creator.pk] if rng.random() < 0.9 else rng.choice(categories)
                    end = now - dt.timedelta(hours=rng.uniform(2, 24 * 21))
                    streams.append(
                        Stream(
                            creator=creator,
                            title=f"{prefix}stream",
                            category=category,
                            status=Stream.Status.ENDED,
                            started_at=end - dt.timedelta(hours=1),
                            ended_at=end,
                        )
                    )
            Stream.objects.bulk_create(streams)
            Stream.tags.through.objects.bulk_create(
                Stream.tags.through(stream_id=stream.pk, tag_id=tag.pk)
                for stream in streams
                for tag in rng.sample(tags[stream.category_id], 2)
            )
            by_category: dict = {}
            for stream in streams:
                by_category.setdefault(stream.category_id, []).append(stream)
            viewers = User.objects.bulk_create(
                User(username=f"{prefix}viewer{index}", email=f"{prefix}v{index}@bench.invalid", password=password)
                for index in range(VIEWERS)
            )
            sessions, follows, held_out = [], [], {}
            for viewer in viewers:
                preferred = rng.sample(categories, rng.choice((1, 2)))
                pool = [c for c in creators if home[c.pk] in preferred]
                followed = set(c.pk for c in rng.sample(pool, min(len(pool), rng.randint(0, 3))))
                follows += [Follow(follower=viewer, creator_id=pk) for pk in followed]
                liked = [s for c in preferred for s in by_category.get(c.pk, [])]

                def weight(stream, followed=followed):
                    return popularity[stream.creator_id] * (FOLLOWED_BOOST if stream.creator_id in followed else 1.0)

                history: list = []
                for _ in range(rng.randint(WATCHES_MIN, WATCHES_MAX)):
                    source = liked if liked and rng.random() < PREFERRED_SHARE else streams
                    choices = [s for s in source if s not in history] or [s for s in streams if s not in history]
                    history.append(rng.choices(choices, weights=[weight(s) for s in choices])[0])
                held_out[viewer.pk] = {s.pk for s in history[-HOLD_OUT:]}
                sessions += [ViewerSession(stream=s, user=viewer, watch_seconds=600) for s in history[:-HOLD_OUT]]
            Follow.objects.bulk_create(follows)
            ViewerSession.objects.bulk_create(sessions)

            audience = Counter(session.stream_id for session in sessions)
            watched: dict = {}
            for session in sessions:
                watched.setdefault(session.user_id, set()).add(session.stream_id)
            popular = [pk for pk, _ in audience.most_common()]
            scores = {"recommender": [0, 0], "trending": [0, 0]}  # viewers with a hit, held-out watches found

            def as_the_api(viewer):  # the list as GET /streams/recommended serves it: streams in the API's shape
                def load(ids):
                    return {stream.pk: stream for stream in stream_list_by_ids(ids=ids, user=viewer)}

                return recommendation_list(user=viewer, limit=10, load=load)

            elapsed = elapsed_cached = 0.0
            for viewer in viewers:
                targets = held_out[viewer.pk]
                started = time.perf_counter()
                mine = {item.stream.pk for item in as_the_api(viewer)}
                elapsed += time.perf_counter() - started
                started = time.perf_counter()
                as_the_api(viewer)  # again within the minute: the ranking from the cache, the streams loaded
                elapsed_cached += time.perf_counter() - started
                baseline = [pk for pk in popular if pk not in watched.get(viewer.pk, set())][:10]
                for name, offered in (("recommender", mine), ("trending", set(baseline))):
                    found = len(targets & offered)
                    scores[name][0] += found > 0
                    scores[name][1] += found
            total = sum(len(t) for t in held_out.values())
            result = {
                "database": connection.vendor,
                "viewers": VIEWERS,
                "streams": len(streams),
                "sessions": len(sessions),
                "held_out": total,
                "ms_per_recommendation": 1000 * elapsed / VIEWERS,
                "ms_per_cached_recommendation": 1000 * elapsed_cached / VIEWERS,
                **{f"{name}_hit_rate": hits / VIEWERS for name, (hits, _) in scores.items()},
                **{f"{name}_recall": found / total for name, (_, found) in scores.items()},
            }
            raise Rollback
    except Rollback:
        pass
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    r = run(args.seed)
    print(
        f"{r['database']}: {r['viewers']} viewers, {r['streams']} streams, {r['sessions']} stored watches, "
        f"{r['held_out']} held out; a list as the API serves it: {r['ms_per_recommendation']:.1f} ms computed, "
        f"{r['ms_per_cached_recommendation']:.1f} ms from the cache"
    )
    print(f"{'':12} {'hit-rate@10':>12} {'recall@10':>10}")
    for name in ("recommender", "trending"):
        print(f"{name:12} {r[f'{name}_hit_rate']:12.3f} {r[f'{name}_recall']:10.3f}")
    if r["recommender_hit_rate"] <= r["trending_hit_rate"]:
        sys.exit("The recommender does not beat the trending baseline.")


if __name__ == "__main__":
    main()
