"""The analytics API: who may read it, what it says, its CSV, its range checks, and what a read costs."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import CreatorRollup, StreamStats
from analytics.services import display_zone
from chat.services import chat_message_send
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def stream_url(stream, csv_=False):
    return reverse("api-stream-analytics-csv" if csv_ else "api-stream-analytics", args=[stream.pk])


def creator_url(username, csv_=False):
    return reverse("api-creator-analytics-csv" if csv_ else "api-creator-analytics", args=[username])


def test_the_owner_reads_a_streams_numbers_with_totals_beside_the_series(api_client, busy_stream):
    api_client.force_authenticate(busy_stream.creator)
    response = api_client.get(stream_url(busy_stream))
    assert response.status_code == 200
    body = response.json()
    totals = body["totals"]
    assert (totals["unique_viewers"], totals["peak_viewers"], totals["chat_messages"]) == (5, 4, 7)
    assert (totals["gifts"], totals["coins"], totals["earned_coins_exact"]) == (4, 46, "23.000000")
    assert totals["watch_seconds"] > 0 and totals["average_watch_seconds"] == totals["watch_seconds"] // 5
    assert len(body["minutes"]) == 11 and sum(m["chat_messages"] for m in body["minutes"]) == 7
    assert body["minutes"][0]["minute"].endswith("Z") or body["minutes"][0]["minute"].endswith("+00:00")
    assert body["stream"]["category"] == "Music"
    assert [row["messages"] for row in body["top_chatters"]] == [4, 3]


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_anyone_else_gets_the_404_of_a_private_stream(api_client, busy_stream, who):
    if who == "stranger":
        api_client.force_authenticate(UserFactory())
    for url in (stream_url(busy_stream), stream_url(busy_stream, csv_=True)):
        response = api_client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    for url in (creator_url(busy_stream.creator.username), creator_url(busy_stream.creator.username, csv_=True)):
        assert api_client.get(url).status_code == 404


def test_staff_read_any_creators_numbers(api_client, busy_stream):
    api_client.force_authenticate(UserFactory(is_staff=True))
    assert api_client.get(stream_url(busy_stream)).json()["totals"]["unique_viewers"] == 5
    assert api_client.get(creator_url(busy_stream.creator.username)).json()["totals"]["gifts"] == 4
    assert api_client.get(creator_url("nobody-at-all")).status_code == 404


def test_a_live_read_rolls_up_again_once_the_last_rollup_is_a_minute_old(api_client, busy_stream):
    """make run has no beat: the read itself keeps the numbers within a minute of now."""
    api_client.force_authenticate(busy_stream.creator)
    assert api_client.get(stream_url(busy_stream)).json()["totals"]["chat_messages"] == 7
    chat_message_send(stream_id=busy_stream.pk, user=busy_stream.viewers[0], content="one more")
    assert api_client.get(stream_url(busy_stream)).json()["totals"]["chat_messages"] == 7  # fresh: read as is
    StreamStats.objects.filter(stream=busy_stream).update(rolled_up_at=timezone.now() - dt.timedelta(seconds=61))
    assert api_client.get(stream_url(busy_stream)).json()["totals"]["chat_messages"] == 8


def test_an_ended_stream_is_rolled_up_through_its_end_on_read(api_client, busy_stream):
    api_client.force_authenticate(busy_stream.creator)
    api_client.get(stream_url(busy_stream))
    chat_message_send(stream_id=busy_stream.pk, user=busy_stream.viewers[0], content="last words")
    busy_stream.status, busy_stream.ended_at = "ended", timezone.now()
    busy_stream.save()  # as if the end's rollup task had been lost
    assert api_client.get(stream_url(busy_stream)).json()["totals"]["chat_messages"] == 8


def test_reads_of_fresh_rollups_cost_a_fixed_few_queries(api_client, busy_stream, django_assert_max_num_queries):
    api_client.force_authenticate(busy_stream.creator)
    api_client.get(stream_url(busy_stream))
    api_client.get(creator_url(busy_stream.creator.username))
    with django_assert_max_num_queries(3):  # the stream, its stats, its minutes
        assert api_client.get(stream_url(busy_stream)).status_code == 200
    with django_assert_max_num_queries(10):  # zone, rollup state, days, later followers, totals (2), stats, gifters (3)
        assert api_client.get(creator_url(busy_stream.creator.username)).status_code == 200


def test_the_stream_csv_has_a_row_a_minute_and_the_totals(api_client, busy_stream):
    api_client.force_authenticate(busy_stream.creator)
    response = api_client.get(stream_url(busy_stream, csv_=True))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="stream-{busy_stream.pk}-analytics.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["minute", "viewers", "chat_messages", "gifts", "coins", "new_followers", "new_subscribers"]
    assert len(rows) == 1 + 11 + 1
    assert rows[-1] == ["total", "4", "7", "4", "46", "1", "0"]
    assert sum(int(row[2]) for row in rows[1:-1]) == 7


def test_the_creators_numbers_by_day_and_their_csv(api_client, busy_stream):
    creator = busy_stream.creator
    api_client.force_authenticate(creator)
    today = timezone.now().astimezone(display_zone()).date()
    body = api_client.get(creator_url(creator.username.upper())).json()  # any case, as profile links
    assert body["from"] == str(today - dt.timedelta(days=27)) and body["to"] == str(today)
    assert len(body["days"]) == 28 and body["days"][-1]["day"] == str(today)
    totals = body["totals"]
    assert (totals["gift_coins"], totals["coins"], totals["earned_coins_exact"]) == (46, 46, "23.000000")
    assert totals["naira"] == "115.00"  # 23 coins at PAYOUT_NAIRA_PER_COIN 5.00
    assert (totals["gifts"], totals["chat_messages"], totals["views"], totals["new_followers"]) == (4, 7, 6, 1)
    assert body["days"][-1]["followers"] == totals["followers"] == 1 and body["days"][0]["followers"] == 0
    assert sum(row["views"] for row in body["audience_by_hour"]) == 6
    assert body["audience_by_category"] == [
        {"category": "Music", "streams": 1, "viewers": 5, "watch_seconds": body["top_streams"][0]["watch_seconds"]}
    ]
    assert body["top_streams"][0]["id"] == str(busy_stream.pk) and body["top_gifters"][0]["coins"] == 26

    response = api_client.get(creator_url(creator.username, csv_=True), {"from": str(today - dt.timedelta(days=6))})
    assert response.status_code == 200
    start = today - dt.timedelta(days=6)
    assert response["Content-Disposition"] == f'attachment; filename="{creator.username}-analytics-{start}-{today}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["day", "gift_coins", "access_coins", "subscription_coins", "coins"]
    assert len(rows) == 1 + 7 + 1 and rows[-1][0] == "total" and rows[-1][1] == "46"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-05-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": ""}, "to"),
    ],
)
def test_a_bad_range_is_a_400_naming_its_field(api_client, creator, query, field):
    api_client.force_authenticate(creator)
    response = api_client.get(creator_url(creator.username), query)
    assert response.status_code == 400
    assert field in response.json()


def test_a_range_of_366_days_is_allowed(api_client, creator):
    api_client.force_authenticate(creator)
    response = api_client.get(creator_url(creator.username), {"from": "2025-05-01", "to": "2026-05-01"})
    assert response.status_code == 200 and len(response.json()["days"]) == 366


def test_a_creator_read_rolls_up_again_once_a_minute_old(api_client, busy_stream):
    creator = busy_stream.creator
    api_client.force_authenticate(creator)
    assert api_client.get(creator_url(creator.username)).json()["totals"]["chat_messages"] == 7
    chat_message_send(stream_id=busy_stream.pk, user=busy_stream.viewers[0], content="more")
    CreatorRollup.objects.filter(creator=creator).update(rolled_up_at=timezone.now() - dt.timedelta(seconds=61))
    assert api_client.get(creator_url(creator.username)).json()["totals"]["chat_messages"] == 8


def test_a_stream_never_live_reads_as_zeros(api_client, creator):
    stream = StreamFactory(creator=creator)
    api_client.force_authenticate(creator)
    body = api_client.get(stream_url(stream)).json()
    assert body["totals"]["unique_viewers"] == 0 and body["minutes"] == [] and body["rolled_up_at"] is None


def test_followers_over_time_count_those_who_left(api_client, creator):
    from streams.models import Follow, Unfollow
    from streams.services import follow_create, follow_delete

    now = timezone.now()
    today = now.astimezone(display_zone()).date()
    type(creator).objects.filter(pk=creator.pk).update(date_joined=now - dt.timedelta(days=30))
    creator.refresh_from_db()
    stayed, left = UserFactory(), UserFactory()
    for person, days_ago in ((stayed, 10), (left, 3)):
        follow, _ = follow_create(follower=person, creator=creator)
        Follow.objects.filter(pk=follow.pk).update(created_at=now - dt.timedelta(days=days_ago))
    assert follow_delete(follower=left, creator=creator) and not follow_delete(follower=left, creator=creator)
    Unfollow.objects.update(unfollowed_at=now - dt.timedelta(days=1))  # they left yesterday
    api_client.force_authenticate(creator)
    body = api_client.get(creator_url(creator.username), {"from": str(today - dt.timedelta(days=13))}).json()
    followers = {row["day"]: row["followers"] for row in body["days"]}
    assert followers[str(today - dt.timedelta(days=11))] == 0
    assert followers[str(today - dt.timedelta(days=10))] == 1
    assert followers[str(today - dt.timedelta(days=3))] == 2  # both followed then
    assert followers[str(today - dt.timedelta(days=1))] == followers[str(today)] == 1  # one left
    totals = body["totals"]
    assert (totals["new_followers"], totals["lost_followers"], totals["followers"]) == (2, 1, 1)
    lost = {row["day"]: row["lost_followers"] for row in body["days"]}
    assert lost[str(today - dt.timedelta(days=1))] == 1 and sum(lost.values()) == 1
    # A range that ends before the one who left: the follower count then was two.
    earlier = api_client.get(
        creator_url(creator.username),
        {"from": str(today - dt.timedelta(days=5)), "to": str(today - dt.timedelta(days=2))},
    ).json()
    assert [row["followers"] for row in earlier["days"]] == [1, 1, 2, 2]


def test_subscribers_over_time_count_who_was_subscribed_each_day(api_client, creator):
    """Subscribed at the end of a day = a subscription payment covers that moment (a month from each payment):
    renewals keep a subscriber in, a lapse takes them out when their paid month runs out."""
    from streams.models import CreatorProfile, Subscription
    from streams.services.monetization import subscription_renew, subscription_start
    from wallet.models import Transaction
    from wallet.services import coins_grant

    now = timezone.now()
    today = now.astimezone(display_zone()).date()
    type(creator).objects.filter(pk=creator.pk).update(date_joined=now - dt.timedelta(days=60))
    creator.refresh_from_db()
    CreatorProfile.objects.update_or_create(user=creator, defaults={"subscription_price_coins": 50})
    renewed, lapsed = UserFactory(), UserFactory()
    for person, days_ago in ((renewed, 40), (lapsed, 35)):
        coins_grant(user=person, coins=100, reason="test")
        _, charged = subscription_start(subscriber=person, creator=creator)
        assert charged
        payment = Transaction.objects.filter(kind="subscription").latest("created_at")
        Transaction.objects.filter(pk=payment.pk).update(created_at=now - dt.timedelta(days=days_ago))
    # The first renews ten days ago; the second could not (no coins left) and lapsed.
    Subscription.objects.filter(subscriber=renewed).update(current_period_end=now - dt.timedelta(minutes=1))
    assert subscription_renew(subscription_id=Subscription.objects.get(subscriber=renewed).pk) == "renewed"
    renewal = Transaction.objects.filter(kind="subscription").latest("created_at")
    Transaction.objects.filter(pk=renewal.pk).update(created_at=now - dt.timedelta(days=10))
    Subscription.objects.filter(subscriber=lapsed).update(status=Subscription.Status.LAPSED)
    api_client.force_authenticate(creator)

    body = api_client.get(creator_url(creator.username), {"from": str(today - dt.timedelta(days=13))}).json()

    subscribers = {row["day"]: row["subscribers"] for row in body["days"]}
    assert [subscribers[str(today - dt.timedelta(days=n))] for n in range(13, -1, -1)] == [2] * 8 + [1] * 6
    assert body["totals"]["subscribers"] == 1
    rows = list(csv.DictReader(io.StringIO(api_client.get(creator_url(creator.username, csv_=True)).content.decode())))
    assert rows[-1]["subscribers"] == "1"


def test_a_creators_days_are_counted_in_their_own_time_zone_and_recounted_when_it_changes(api_client, creator):
    """A follow at 03:00 UTC is that day's in Lagos (04:00) and the day before's in New York (22:00)."""
    from analytics.models import CreatorRollup
    from streams.models import CreatorProfile, Follow
    from streams.services import follow_create

    now = timezone.now()
    type(creator).objects.filter(pk=creator.pk).update(date_joined=now - dt.timedelta(days=20))
    creator.refresh_from_db()
    CreatorProfile.objects.update_or_create(user=creator, defaults={"timezone": "Africa/Lagos"})
    moment = (now - dt.timedelta(days=3)).replace(hour=3, minute=0, second=0, microsecond=0, tzinfo=dt.UTC)
    follow, _ = follow_create(follower=UserFactory(), creator=creator)
    Follow.objects.filter(pk=follow.pk).update(created_at=moment)
    day = moment.date()
    api_client.force_authenticate(creator)

    def new_followers() -> tuple[str, dict]:
        body = api_client.get(creator_url(creator.username), {"from": str(day - dt.timedelta(days=2))}).json()
        return body["time_zone"], {row["day"]: row["new_followers"] for row in body["days"] if row["new_followers"]}

    assert new_followers() == ("Africa/Lagos", {str(day): 1})
    CreatorProfile.objects.filter(user=creator).update(timezone="America/New_York")
    CreatorRollup.objects.update(rolled_up_at=now - dt.timedelta(hours=1))  # the last rollup is not fresh
    assert new_followers() == ("America/New_York", {str(day - dt.timedelta(days=1)): 1})
