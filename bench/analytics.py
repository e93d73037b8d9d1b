"""The analytics reads: p50/p99 of a stream's and a creator's GET over HTTP, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ls_bench python bench/analytics.py --build
    DATABASE_URL=... gunicorn livestream.wsgi:application -b 127.0.0.1:8170 -k gthread -w 2 --threads 8 &
    DATABASE_URL=... python bench/analytics.py --url http://127.0.0.1:8170 --concurrency 8 --seconds 20

``--build`` makes one creator's ended 3-hour stream with 10,000 viewer sessions (half signed in, from 2,000
viewers), 100,000 chat messages and 20,000 gifts paid through the ledger (grants, debits, the creator's exact
share and the platform's), by bulk inserts (a few minutes), then times the rollups (the end-of-stream one and
the creator's days from the day they joined). Without ``--build`` it reuses that data, rolls the creator up
again (a read more than a minute after the last rollup would do it itself) and drives
``GET /api/v1/streams/<id>/analytics`` and ``GET /api/v1/creators/<name>/analytics?from=&to=`` (90 days) in
turn from CONCURRENCY keep-alive connections for SECONDS as the creator (an API token), printing requests a
second, p50/p95/p99 and errors. Loopback only.
"""

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time

from benchlib import drive, loopback_only, percentile, setup_django

CREATOR = "bench_analytics_creator"
SESSIONS, MESSAGES, GIFTS, VIEWERS, SENDERS = 10_000, 100_000, 20_000, 2_000, 500
HOURS = 3


def build() -> None:
    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from chat.models import ChatMessage
    from gifts.models import Gift, SentGift
    from streams.models import Category, Stream, ViewerSession
    from wallet.ledger import creator_share_rate_micro
    from wallet.models import MICRO, Account, Entry, Transaction

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the figures are PostgreSQL's.")
    rng = random.Random(2026)
    now = timezone.now().replace(microsecond=0)
    started, ended = now - dt.timedelta(hours=HOURS), now
    password = make_password(None)
    with transaction.atomic():
        creator, _ = User.objects.get_or_create(username=CREATOR, defaults={"email": f"{CREATOR}@bench.invalid"})
        Token.objects.get_or_create(user=creator, defaults={"key": "b" * 40})
        category, _ = Category.objects.get_or_create(slug="bench-music", defaults={"name": "Bench music"})
        stream = Stream.objects.create(
            creator=creator,
            title=f"Analytics bench {now:%H:%M:%S}",
            category=category,
            status=Stream.Status.ENDED,
            started_at=started,
            ended_at=ended,
        )
        prefix = f"bench_an_{now:%H%M%S}_"
        viewers = User.objects.bulk_create(
            [
                User(username=f"{prefix}{n}", email=f"{prefix}{n}@bench.invalid", password=password)
                for n in range(VIEWERS)
            ]
        )

        def moment() -> dt.datetime:
            return started + dt.timedelta(seconds=rng.uniform(0, HOURS * 3600))

        sessions = []
        for n in range(SESSIONS):
            joined = moment()
            left = min(ended, joined + dt.timedelta(seconds=rng.uniform(30, 3600)))
            user = viewers[rng.randrange(VIEWERS)] if n % 2 else None
            sessions.append(
                ViewerSession(
                    stream=stream,
                    user=user,
                    left_at=left,
                    watch_seconds=int((left - joined).total_seconds()),
                )
            )
            sessions[-1]._joined = joined
        ViewerSession.objects.bulk_create(sessions, batch_size=5000)
        messages = [
            ChatMessage(stream=stream, user=viewers[rng.randrange(VIEWERS)], content=f"message {n}")
            for n in range(MESSAGES)
        ]
        ChatMessage.objects.bulk_create(messages, batch_size=5000)

        # Gifts, paid as gift_send pays: the sender's wallet debited, the creator's earnings and the platform
        # credited their exact shares, one ledger transaction a gift; senders granted their coins first.
        gift, _ = Gift.objects.get_or_create(
            name="Bench drum", defaults={"category": "traditional", "cost_in_coins": 5, "naira_value": "25.00"}
        )
        senders = viewers[:SENDERS]
        mint, _ = Account.objects.get_or_create(kind=Account.Kind.MINT, owner=None)
        platform, _ = Account.objects.get_or_create(kind=Account.Kind.PLATFORM, owner=None)
        earnings, _ = Account.objects.get_or_create(kind=Account.Kind.EARNINGS, owner=creator)
        spend = [0] * SENDERS
        quantities = [rng.choice((1, 1, 1, 2, 5)) for _ in range(GIFTS)]
        who = [rng.randrange(SENDERS) for _ in range(GIFTS)]
        for index, quantity in zip(who, quantities, strict=True):
            spend[index] += quantity * gift.cost_in_coins
        grant = 1_000_000
        wallets = Account.objects.bulk_create(
            [
                Account(kind=Account.Kind.WALLET, owner=sender, balance=grant - spend[n])
                for n, sender in enumerate(senders)
            ]
        )
        grants = Transaction.objects.bulk_create([Transaction(kind=Transaction.Kind.GRANT) for _ in senders])
        Entry.objects.bulk_create(
            [
                Entry(transaction=t, account=w, amount=grant, balance_after=grant)
                for t, w in zip(grants, wallets, strict=True)
            ]
            + [Entry(transaction=t, account=mint, amount=-grant) for t in grants],
            batch_size=5000,
        )
        rate = creator_share_rate_micro()
        payments = Transaction.objects.bulk_create(
            [Transaction(kind=Transaction.Kind.GIFT, creator_share_micro=rate) for _ in range(GIFTS)], batch_size=5000
        )
        entries, gifts = [], []
        for payment, index, quantity in zip(payments, who, quantities, strict=True):
            total = quantity * gift.cost_in_coins
            to_creator = total * rate
            rest = total * MICRO - to_creator
            entries += [
                Entry(transaction=payment, account=wallets[index], amount=-total),
                Entry(
                    transaction=payment, account=earnings, amount=to_creator // MICRO, amount_micro=to_creator % MICRO
                ),
                Entry(transaction=payment, account=platform, amount=rest // MICRO, amount_micro=rest % MICRO),
            ]
            gifts.append(
                SentGift(
                    stream=stream,
                    gift=gift,
                    sender=senders[index],
                    creator=creator,
                    quantity=quantity,
                    total_coins=total,
                    ledger_transaction=payment,
                )
            )
        Entry.objects.bulk_create(entries, batch_size=5000)
        SentGift.objects.bulk_create(gifts, batch_size=5000)
        # created_at is auto_now_add (bulk_create stamps now): spread everything over the broadcast in SQL.
        with connection.cursor() as cursor:
            seconds = HOURS * 3600
            cursor.execute(
                "UPDATE chat_chatmessage SET created_at = %s + random() * make_interval(secs => %s)"
                " WHERE stream_id = %s",
                [started, seconds, stream.pk],
            )
            cursor.execute(
                "UPDATE wallet_transaction t SET created_at = %s + random() * make_interval(secs => %s)"
                " FROM gifts_sentgift g WHERE g.ledger_transaction_id = t.id AND g.stream_id = %s",
                [started, seconds, stream.pk],
            )
            cursor.execute(
                "UPDATE wallet_entry e SET created_at = t.created_at FROM wallet_transaction t, gifts_sentgift g"
                " WHERE e.transaction_id = t.id AND g.ledger_transaction_id = t.id AND g.stream_id = %s",
                [stream.pk],
            )
            cursor.execute(
                "UPDATE gifts_sentgift g SET created_at = t.created_at FROM wallet_transaction t"
                " WHERE g.ledger_transaction_id = t.id AND g.stream_id = %s",
                [stream.pk],
            )
        for session in sessions:
            session.joined_at = session._joined
        ViewerSession.objects.bulk_update(sessions, ["joined_at"], batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"built stream {stream.pk}: {SESSIONS:,} sessions, {MESSAGES:,} messages, {GIFTS:,} gifts")
    rollups(stream.pk, creator.pk)


def rollups(stream_id, creator_id) -> None:
    from analytics.services import creator_rollup, stream_rollup

    began = time.perf_counter()
    stats = stream_rollup(stream_id=stream_id, full=True)
    middle = time.perf_counter()
    creator_rollup(creator_id=creator_id, full=True)
    done = time.perf_counter()
    print(
        f"rollups: the stream's (end of stream, every minute) {1000 * (middle - began):.0f} ms, the creator's days "
        f"{1000 * (done - middle):.0f} ms; totals {stats.unique_viewers} viewers, {stats.chat_messages} messages, "
        f"{stats.gifts} gifts, {stats.coins} coins"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="make the data and time the rollups, then stop")
    parser.add_argument("--url", default="http://127.0.0.1:8170")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if args.build:
        build()
        return 0
    loopback_only(args.url)
    setup_django()
    from accounts.models import User
    from analytics.services import display_zone
    from streams.models import Stream

    creator = User.objects.filter(username=CREATOR).first()
    stream = Stream.objects.filter(creator=creator).order_by("-created_at").first() if creator else None
    if stream is None:
        raise SystemExit("No bench data: run with --build first (same DATABASE_URL).")
    rollups(stream.pk, creator.pk)
    today = dt.datetime.now(display_zone()).date()
    paths = [
        f"/api/v1/streams/{stream.pk}/analytics",
        f"/api/v1/creators/{CREATOR}/analytics?from={today - dt.timedelta(days=89)}&to={today}",
    ]
    headers = {"Authorization": "Token " + "b" * 40}
    result = asyncio.run(
        drive(args.url.rstrip("/"), paths, concurrency=args.concurrency, seconds=args.seconds, headers=headers)
    )
    total = sum(len(values) for values in result["latencies"].values())
    rate = total / result["elapsed"]
    print(
        f"{args.url}, concurrency {args.concurrency}, {args.seconds:.0f} s: {rate:.0f} req/s, {result['errors']} errors"
    )
    for path, values in result["latencies"].items():
        name = "stream " if "/streams/" in path else "creator"
        print(
            f"  {name} GET: {len(values)} ok, p50 {percentile(values, 50) * 1000:.1f} ms, "
            f"p95 {percentile(values, 95) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(values) * 1000 if values else float('nan'):.1f} ms"
        )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
