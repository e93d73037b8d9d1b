"""A creator with N followers goes live: the time until every follower's in-app notification is stored, and
the fan-out process's peak memory, on PostgreSQL (targets: under 60 s and 300 MB at 100,000 followers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ls_bench REDIS_URL=redis://127.0.0.1:6379/6 \
        nice -n 10 python bench/notifications_fanout.py --followers 100000

Builds (once, then reused) a creator and N followers by bulk inserts, then starts a fresh live stream and runs
``notifications.tasks.fan_out_followers`` in a child process, as a Celery worker process would run the task
(the task function itself, called in-process there; no broker round trip). The child does what the worker
does: keyset pages of 2,000 follows, each page's preferences, a bulk insert in its own transaction, then after
commit the page's unread counts and one socket event per follower through the channel layer (Redis when
REDIS_URL is set). The e-mail and push deliveries it would queue per page are counted, not queued (they are
the delivery tasks' work, and their own benchmark's). Prints rows stored, seconds, rows a second and the
child's peak RSS.
"""

import argparse
import os
import resource
import subprocess
import sys
import time

from benchlib import setup_django

CREATOR = "bench_fanout_creator"
PREFIX = "bench_fan_"
ANALYZE = "ANALYZE accounts_user, streams_follow, notifications_notification, notifications_preference"


def build(followers: int) -> None:
    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from streams.models import Follow

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the figures are PostgreSQL's.")
    creator, _ = User.objects.get_or_create(username=CREATOR, defaults={"email": f"{CREATOR}@bench.invalid"})
    have = Follow.objects.filter(creator=creator).count()
    if have >= followers:
        print(f"reusing {have} followers")
        with connection.cursor() as cursor:
            cursor.execute(ANALYZE)
        return
    started = time.monotonic()
    password = make_password(None)
    step = 5_000
    for start in range(have, followers, step):
        with transaction.atomic():
            names = [f"{PREFIX}{n}" for n in range(start, min(start + step, followers))]
            User.objects.bulk_create(
                [User(username=name, email=f"{name}@bench.invalid", password=password) for name in names],
                ignore_conflicts=True,
            )
            ids = User.objects.filter(username__in=names).values_list("pk", flat=True)
            Follow.objects.bulk_create(
                [Follow(follower_id=user_id, creator=creator) for user_id in ids], ignore_conflicts=True
            )
    print(f"built {followers - have} followers in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cursor:  # what autovacuum would have done by the time a creator goes live
        cursor.execute(ANALYZE)


def run() -> None:
    """The child: one live stream, the fan-out task's function, then the figures on stdout."""
    setup_django()
    from django.utils import timezone

    from accounts.models import User
    from notifications import services
    from notifications.models import Notification
    from notifications.tasks import fan_out_followers
    from streams.models import Stream

    queued = []
    services.task_on_commit = lambda name, ids: queued.append(len(ids))  # deliveries: counted, not queued
    creator = User.objects.get(username=CREATOR)
    stream = Stream.objects.create(
        creator=creator, title=f"Fan-out bench {timezone.now():%H:%M:%S}", status="live", started_at=timezone.now()
    )
    started = time.monotonic()
    stored = fan_out_followers.run("live", str(creator.pk), str(stream.pk))
    elapsed = time.monotonic() - started
    in_db = Notification.objects.filter(stream=stream).count()
    retry_started = time.monotonic()
    again = fan_out_followers.run("live", str(creator.pk), str(stream.pk))  # a retried task: nothing new
    retry = time.monotonic() - retry_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"stored {stored} notifications ({in_db} in the table) in {elapsed:.1f} s, {stored / elapsed:,.0f} a second;"
        f" {len(queued) // 2} pages queued for delivery; a retry stored {again} in {retry:.1f} s;"
        f" peak RSS of the fan-out process {peak_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--run-only", action="store_true", help="(internal) the fan-out child")
    args = parser.parse_args()
    if args.run_only:
        run()
        return
    build(args.followers)
    child = subprocess.run([sys.executable, __file__, "--run-only"], env=os.environ.copy(), check=False)
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
