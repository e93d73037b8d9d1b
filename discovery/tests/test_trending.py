import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.services import chat_message_send
from discovery.models import TrendingScore
from discovery.services import (
    TRENDING_HALF_LIFE_HOURS,
    TrendingInputs,
    trending_refresh,
    trending_refresh_if_stale,
    trending_score,
)
from discovery.tasks import trending_refresh_task
from discovery.tests.conftest import ended, funded, live
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import Stream, Tag
from streams.services import follow_create

pytestmark = pytest.mark.django_db

LIST = "/api/v1/streams"


def inputs(**fields) -> TrendingInputs:
    values = {"viewers": 0, "chat_messages": 0, "coins": 0, "new_followers": 0, "age_seconds": 0.0} | fields
    return TrendingInputs(**values)


def test_each_component_adds_to_the_score_with_its_weight():
    assert trending_score(inputs(viewers=10))[0] == pytest.approx(10.0)
    assert trending_score(inputs(chat_messages=50))[0] == pytest.approx(10.0)  # 5 a minute over 10 minutes, x2
    assert trending_score(inputs(coins=200))[0] == pytest.approx(10.0)
    assert trending_score(inputs(new_followers=2))[0] == pytest.approx(6.0)
    score, components = trending_score(inputs(viewers=10, chat_messages=50, coins=200, new_followers=2))
    assert score == pytest.approx(36.0)
    assert components == {
        "viewers": 10,
        "chat_per_minute": 5.0,
        "coins": 200,
        "new_followers": 2,
        "activity": 36.0,
        "decay": 1.0,
    }


def test_the_score_halves_every_half_life():
    fresh = trending_score(inputs(viewers=100))[0]
    half = trending_score(inputs(viewers=100, age_seconds=TRENDING_HALF_LIFE_HOURS * 3600))[0]
    quarter = trending_score(inputs(viewers=100, age_seconds=2 * TRENDING_HALF_LIFE_HOURS * 3600))[0]
    assert half == pytest.approx(fresh / 2)
    assert quarter == pytest.approx(fresh / 4)


def test_the_refresh_stores_what_happened_over_the_window(settings):
    settings.CHAT_RATE_MESSAGES = 100
    stream = live(viewers=4, minutes_ago=1)
    chatter = UserFactory()
    for index in range(10):
        chat_message_send(stream_id=stream.pk, user=chatter, content=f"hi {index}")
    drum = GiftFactory(cost_in_coins=20)
    gift_send(stream_id=stream.pk, sender=funded(), gift_id=drum.pk, quantity=5)  # 100 coins
    follow_create(follower=UserFactory(), creator=stream.creator)
    assert trending_refresh() == 1
    row = TrendingScore.objects.get(stream=stream)
    assert row.components["viewers"] == 4
    assert row.components["chat_per_minute"] == pytest.approx(1.0)
    assert row.components["coins"] == 100
    assert row.components["new_followers"] == 1
    # 4 + 2*1 + 0.05*100 + 3*1 = 14, barely decayed after a minute on air
    assert row.score == pytest.approx(14.0, rel=0.01)


def test_old_activity_falls_out_of_the_window(settings):
    stream = live(viewers=0, minutes_ago=60)
    chat_message_send(stream_id=stream.pk, user=UserFactory(), content="early")
    trending_refresh(now=timezone.now() + dt.timedelta(minutes=11))
    assert TrendingScore.objects.get(stream=stream).components["chat_per_minute"] == 0


def test_only_public_live_or_just_ended_streams_are_scored_and_the_rest_swept():
    public = live(viewers=3)
    private = live(viewers=30, visibility=Stream.Visibility.PRIVATE)
    unlisted = live(viewers=30, visibility=Stream.Visibility.UNLISTED)
    long_ended = ended(hours_ago=2)
    trending_refresh()
    assert set(TrendingScore.objects.values_list("stream_id", flat=True)) == {public.pk}
    assert {private.pk, unlisted.pk, long_ended.pk}.isdisjoint(TrendingScore.objects.values_list("stream", flat=True))
    Stream.objects.filter(pk=public.pk).update(
        status=Stream.Status.ENDED, ended_at=timezone.now() - dt.timedelta(hours=1)
    )
    trending_refresh()
    assert not TrendingScore.objects.exists()


def test_the_refresh_is_a_fixed_number_of_queries(django_assert_num_queries):
    for index in range(3):
        live(viewers=index)
    trending_refresh()
    for index in range(20):
        live(viewers=index)
    # candidates, chat, gifts, follows, the upsert (savepoint around it) and the sweep
    with django_assert_num_queries(8):
        assert trending_refresh() == 23


def test_the_beat_job_refreshes_and_is_scheduled_every_minute():
    stream = live(viewers=7)
    assert trending_refresh_task.apply().get() == 1  # as a worker runs it (eager or not)
    assert TrendingScore.objects.get(stream=stream).components["viewers"] == 7
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("trending_refresh_task"))
    assert entry["schedule"] == 60


def test_a_read_refreshes_only_stale_scores(django_assert_num_queries):
    stream = live(viewers=2)
    assert trending_refresh_if_stale() is True
    Stream.objects.filter(pk=stream.pk).update(current_viewers=50)
    with django_assert_num_queries(1):
        assert trending_refresh_if_stale() is False
    assert TrendingScore.objects.get(stream=stream).components["viewers"] == 2
    assert trending_refresh_if_stale(now=timezone.now() + dt.timedelta(seconds=61)) is True
    assert TrendingScore.objects.get(stream=stream).components["viewers"] == 50


def test_sort_trending_orders_the_list_by_the_stored_score(api_client, settings):
    settings.CHAT_RATE_MESSAGES = 100
    big_quiet = live(viewers=20, minutes_ago=5, title="big quiet")
    small_busy = live(viewers=5, minutes_ago=5, title="small busy")
    old_huge = live(viewers=60, minutes_ago=8 * 60, title="old huge")  # 60 / 16 after four half-lives
    chatter = UserFactory()
    for index in range(60):  # 6 a minute: +12
        chat_message_send(stream_id=small_busy.pk, user=chatter, content=f"m{index}")
    follow_create(follower=UserFactory(), creator=small_busy.creator)
    follow_create(follower=UserFactory(), creator=small_busy.creator)  # +6: 23 in all
    trending_refresh()
    body = api_client.get(f"{LIST}?sort=trending").json()
    assert [row["title"] for row in body["results"]] == ["small busy", "big quiet", "old huge"]
    trending = api_client.get(f"{LIST}/trending").json()["results"]
    assert [row["stream"]["title"] for row in trending] == ["small busy", "big quiet", "old huge"]
    assert trending[0]["components"]["new_followers"] == 2
    assert trending[0]["score"] > trending[1]["score"] > trending[2]["score"]
    assert big_quiet.pk and old_huge.pk


def test_the_trending_endpoint_refreshes_when_stale_and_refuses_a_bad_limit(api_client):
    live(viewers=3, title="only")
    assert not TrendingScore.objects.exists()
    body = api_client.get(f"{LIST}/trending").json()
    assert [row["stream"]["title"] for row in body["results"]] == ["only"]
    response = api_client.get(f"{LIST}/trending?limit=zero")
    assert response.status_code == 400
    assert "limit" in response.json()


def test_discovery_reads_write_nothing_the_pages_refresh_stale_scores_first(client):
    from discovery import selectors

    stream = live(viewers=3, title="only")
    tagged = live(viewers=1, title="tagged")
    tagged.tags.add(Tag.objects.create(name="yoruba"))
    selectors.home_rows(user=None)
    selectors.trending_list()
    selectors.tag_page(slug="yoruba")
    assert not TrendingScore.objects.exists()  # reads are reads
    # The views refresh first (make run has no beat): the page ranks by a score computed on the way.
    assert client.get("/").status_code == 200
    assert TrendingScore.objects.filter(stream=stream).exists()
