"""The rollups: exact against the sources and the ledger, idempotent, and queued when a stream ends."""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from analytics.models import CreatorDay, CreatorGifterDay, StreamMinute, StreamStats
from analytics.selectors import creator_top_gifters
from analytics.services import (
    concurrent_by_minute,
    creator_rollup,
    display_zone,
    minute_floor,
    stream_rollup,
    viewer_intervals,
)
from analytics.tasks import rollup_live_streams, stream_rollup_task
from analytics.tests.conftest import funded, watch
from chat.services import chat_message_send
from gifts.models import SentGift
from gifts.selectors import gift_leaderboard
from streams.models import CreatorProfile
from streams.selectors.audience import SessionSpan
from streams.services import stream_stop
from streams.services.monetization import stream_access_buy, subscription_start
from streams.tests.factories import StreamFactory
from wallet.models import Account, Entry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_concurrent_viewers_are_the_most_watching_at_one_moment_of_each_minute():
    sessions = [
        SessionSpan(1, at(0.5), at(2.5)),
        SessionSpan(1, at(1.0), at(3.2)),  # the same signed-in viewer in a second tab: still one viewer
        SessionSpan(None, at(1.5), at(1.8)),
        SessionSpan(None, at(2.5), None),  # joins the moment the first leaves: never two at once for them
        SessionSpan(2, at(3.2), at(3.9)),
    ]
    intervals = viewer_intervals(sessions, start=at(0), end=at(5))
    minutes = [at(m) for m in range(5)]
    assert concurrent_by_minute(intervals, minutes) == {at(0): 1, at(1): 2, at(2): 2, at(3): 2, at(4): 1}
    assert sorted(user for user, _, _ in intervals if user) == [1, 2]


def ledger_debits_for_gifts(stream) -> int:
    """What the gifts' senders' wallets paid, from the ledger alone."""
    ids = SentGift.objects.filter(stream=stream).values("ledger_transaction_id")
    return -Entry.objects.filter(transaction__in=ids, account__kind=Account.Kind.WALLET).aggregate(s=Sum("amount"))["s"]


def test_a_stream_rollup_counts_exactly_what_happened(busy_stream):
    stats = stream_rollup(stream_id=busy_stream.pk)
    assert stats.unique_viewers == 5
    assert (stats.signed_in_viewers, stats.anonymous_viewers) == (3, 2)
    assert stats.peak_viewers == 4
    assert stats.chat_messages == 7
    assert stats.gifts == 4
    assert stats.coins == 2 * 13 + 13 + 7 == ledger_debits_for_gifts(busy_stream)
    earnings = Entry.objects.filter(account__owner=busy_stream.creator, account__kind=Account.Kind.EARNINGS)
    assert stats.earned_micro == sum(entry.value_micro for entry in earnings) == 23_000_000
    assert stats.new_followers == 1
    # 7 + 5 + 3 + 1 + 3 minutes of watching (to the second the rollup ran)
    assert abs(stats.watch_seconds - 19 * 60) <= 3
    assert stats.top_chatters[0]["messages"] == 4 and stats.top_chatters[1]["messages"] == 3
    assert stats.top_gifters[0]["coins"] == 26 and stats.top_gifters[0]["user"]["id"] == str(busy_stream.sender.pk)
    assert {row["user"] and row["user"]["id"] for row in stats.top_gifters} >= {None}  # the anonymous send's row

    minutes = list(StreamMinute.objects.filter(stream=busy_stream).order_by("minute"))
    assert minutes[0].minute == minute_floor(busy_stream.started_at)
    assert len(minutes) == 11  # every minute from the start through the one now open
    assert sum(m.chat_messages for m in minutes) == 7 and sum(m.gifts for m in minutes) == 4
    assert max(m.viewers for m in minutes) == 4


def test_rolling_up_again_gives_the_same_rows(busy_stream):
    stream_rollup(stream_id=busy_stream.pk)
    first = list(StreamMinute.objects.filter(stream=busy_stream).order_by("minute").values())
    incremental = stream_rollup(stream_id=busy_stream.pk)
    assert list(StreamMinute.objects.filter(stream=busy_stream).order_by("minute").values()) == first
    full = stream_rollup(stream_id=busy_stream.pk, full=True)
    assert list(StreamMinute.objects.filter(stream=busy_stream).order_by("minute").values()) == first
    for field in ("unique_viewers", "peak_viewers", "chat_messages", "gifts", "coins", "earned_micro"):
        assert getattr(incremental, field) == getattr(full, field)
    assert StreamStats.objects.count() == 1


def test_an_incremental_rollup_picks_up_what_came_after_the_last(busy_stream, settings):
    stream_rollup(stream_id=busy_stream.pk)
    chat_message_send(stream_id=busy_stream.pk, user=busy_stream.viewers[2], content="late")
    assert stream_rollup(stream_id=busy_stream.pk).chat_messages == 8


def test_a_stream_never_live_has_no_rollup(creator):
    assert stream_rollup(stream_id=StreamFactory(creator=creator).pk) is None


def test_ending_a_stream_queues_its_full_rollup(busy_stream, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(stream_rollup_task, "delay", stream_rollup_task)  # run here, with or without a broker
    with django_capture_on_commit_callbacks(execute=True):
        stream_stop(stream=busy_stream)
    stats = StreamStats.objects.get(stream=busy_stream)
    busy_stream.refresh_from_db()
    assert stats.rolled_through == busy_stream.ended_at
    assert (stats.unique_viewers, stats.chat_messages, stats.gifts) == (5, 7, 4)
    assert CreatorDay.objects.filter(creator=busy_stream.creator).exists()


def test_the_beat_job_rolls_up_live_streams_only(busy_stream):
    ended = StreamFactory(ended=True)  # another creator's
    assert rollup_live_streams() == 1
    assert StreamStats.objects.filter(stream=busy_stream).exists()
    assert not StreamStats.objects.filter(stream=ended).exists()
    assert stream_rollup_task(str(ended.pk)) is True


def test_a_creators_days_split_revenue_exactly_as_the_ledger(busy_stream, creator):

    premium = StreamFactory(creator=creator, is_premium=True, price_coins=30)
    stream_access_buy(stream=premium, user=funded())
    CreatorProfile.objects.update_or_create(user=creator, defaults={"subscription_price_coins": 50})
    subscription_start(subscriber=funded(), creator=creator)
    creator_rollup(creator_id=creator.pk)
    days = CreatorDay.objects.filter(creator=creator)
    totals = days.aggregate(
        gift=Sum("gift_coins"), access=Sum("access_coins"), sub=Sum("subscription_coins"),
        earned=Sum("gift_earned_micro") + Sum("access_earned_micro") + Sum("subscription_earned_micro"),
        followers=Sum("new_followers"), subscribers=Sum("new_subscribers"), views=Sum("views"),
        chat=Sum("chat_messages"), gifts=Sum("gifts"),
    )  # fmt: skip
    assert (totals["gift"], totals["access"], totals["sub"]) == (46, 30, 50)
    earnings = Entry.objects.filter(account__owner=creator, account__kind=Account.Kind.EARNINGS)
    assert totals["earned"] == sum(entry.value_micro for entry in earnings) == 63_000_000
    assert (totals["followers"], totals["subscribers"], totals["views"]) == (1, 1, 6)
    assert (totals["chat"], totals["gifts"]) == (7, 4)
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=1))).date()
    assert sum(sum(day.views_by_hour) for day in days) == 6 and days.filter(day=today).exists()
    before = list(days.order_by("day").values())
    creator_rollup(creator_id=creator.pk, full=True)
    assert list(CreatorDay.objects.filter(creator=creator).order_by("day").values()) == before


def test_a_creators_top_gifters_come_from_the_daily_rollup_as_the_raw_leaderboard_says(busy_stream, creator):
    creator_rollup(creator_id=creator.pk)
    today = timezone.now().astimezone(display_zone()).date()
    zone_day = dt.datetime.combine(today, dt.time(), tzinfo=display_zone())
    raw = gift_leaderboard(creator=creator, start=zone_day - dt.timedelta(days=6), end=zone_day + dt.timedelta(days=1))
    rolled = creator_top_gifters(creator=creator, start=today - dt.timedelta(days=6), end=today)
    assert rolled == raw and rolled[0]["coins"] == 26
    assert [row["user"] for row in rolled if row["user"] is None] == [None]  # the anonymous send: no name
    assert CreatorGifterDay.objects.filter(creator=creator, sender__isnull=True).count() == 1
    assert (
        creator_top_gifters(creator=creator, start=today - dt.timedelta(days=60), end=today - dt.timedelta(days=30))
        == []
    )
    creator_rollup(creator_id=creator.pk, full=True)  # the days are replaced, never added to
    assert creator_top_gifters(creator=creator, start=today - dt.timedelta(days=6), end=today) == raw


def test_the_backfill_migration_makes_the_next_rollup_fill_past_gifter_days(busy_stream, creator):
    import importlib

    from django.apps import apps as django_apps

    from analytics.services import creator_rollup_if_stale

    creator_rollup(creator_id=creator.pk)
    CreatorGifterDay.objects.all().delete()  # as before the table existed: the days rolled up, no gifter rows
    migration = importlib.import_module("analytics.migrations.0004_gifter_days_backfill")
    migration.forget_rollup_progress(django_apps, None)
    creator.refresh_from_db()
    creator_rollup_if_stale(creator=creator)
    assert CreatorGifterDay.objects.filter(creator=creator).exists()


def test_a_signed_out_viewer_who_comes_back_later_is_one_unique_viewer(live_stream):
    """Two sessions from one client address (back after the reconnect window) are one signed-out viewer; another
    address is another viewer. Their overlapping time is counted once, like a signed-in viewer's two tabs."""
    watch(live_stream, joined_ago=9, left_ago=7, visitor="a:198.51.100.7")
    watch(live_stream, joined_ago=5, left_ago=2, visitor="a:198.51.100.7")
    watch(live_stream, joined_ago=4, left_ago=3, visitor="a:203.0.113.9")

    stats = stream_rollup(stream_id=live_stream.pk)

    assert (stats.unique_viewers, stats.signed_in_viewers, stats.anonymous_viewers) == (2, 0, 2)


def test_a_session_keeps_a_pseudonym_of_the_address_never_the_address(live_stream):
    from streams.models import ViewerSession
    from streams.services import viewer_session_start

    first = viewer_session_start(stream_id=live_stream.pk, user=None, visitor="a:198.51.100.7")
    again = viewer_session_start(stream_id=live_stream.pk, user=None, visitor="a:198.51.100.7")
    other_stream = viewer_session_start(stream_id=StreamFactory(live=True).pk, user=None, visitor="a:198.51.100.7")

    stored = list(ViewerSession.objects.values_list("visitor", flat=True))
    assert "198.51.100.7" not in "".join(stored)
    assert first.visitor == again.visitor != ""
    assert other_stream.visitor != first.visitor  # per stream: no following one address across streams
