from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Tag
from streams.tests.factories import CategoryFactory, StreamFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/streams"


def titles(client, query: str = "") -> list[str]:
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200, response.json()
    return [row["title"] for row in response.json()["results"]]


def test_default_lists_public_live_streams_only(api_client):
    StreamFactory(title="live", live=True)
    StreamFactory(title="scheduled")
    StreamFactory(title="ended", ended=True)
    StreamFactory(title="unlisted live", live=True, visibility="unlisted")
    StreamFactory(title="private live", live=True, visibility="private")
    assert titles(api_client) == ["live"]


def test_owner_does_not_see_own_private_stream_in_listings():
    stream = StreamFactory(live=True, visibility="private")
    from conftest import client_for

    assert titles(client_for(stream.creator)) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [("live", {"live"}), ("scheduled", {"scheduled"}), ("ended", {"ended"}), ("all", {"live", "scheduled", "ended"})],
)
def test_status_filter(api_client, status, expected):
    StreamFactory(title="live", live=True)
    StreamFactory(title="scheduled")
    StreamFactory(title="ended", ended=True)
    assert set(titles(api_client, f"?status={status}")) == expected


def test_bad_parameters_are_400(api_client):
    assert api_client.get(f"{LIST}?status=paused").status_code == 400
    assert api_client.get(f"{LIST}?sort=random").status_code == 400
    assert api_client.get(f"{LIST}?page=99").status_code == 404


def test_category_includes_its_sub_categories(api_client):
    education = CategoryFactory(slug="education")
    maths = CategoryFactory(slug="mathematics", parent=education)
    algebra = CategoryFactory(slug="algebra", parent=maths)
    music = CategoryFactory(slug="music")
    StreamFactory(title="edu", live=True, category=education)
    StreamFactory(title="maths", live=True, category=maths)
    StreamFactory(title="algebra", live=True, category=algebra)
    StreamFactory(title="music", live=True, category=music)
    assert set(titles(api_client, "?category=education")) == {"edu", "maths", "algebra"}
    assert set(titles(api_client, "?category=mathematics")) == {"maths", "algebra"}
    assert titles(api_client, "?category=unknown") == []


def test_creator_filter_takes_username_or_id(api_client):
    ada = UserFactory(username="ada")
    StreamFactory(title="ada's", live=True, creator=ada)
    StreamFactory(title="other", live=True)
    assert titles(api_client, "?creator=ADA") == ["ada's"]
    assert titles(api_client, f"?creator={ada.pk}") == ["ada's"]
    assert titles(api_client, "?creator=nobody") == []


def test_tag_and_search_filters(api_client):
    waec = Tag.objects.create(name="waec")
    tagged = StreamFactory(title="Quadratic equations", live=True, description="exam prep")
    tagged.tags.add(waec)
    StreamFactory(title="Highlife guitar", live=True, description="music night")
    assert titles(api_client, "?tag=%23WAEC") == ["Quadratic equations"]
    assert titles(api_client, "?q=quadratic") == ["Quadratic equations"]
    assert titles(api_client, "?q=music+night") == ["Highlife guitar"]
    assert titles(api_client, "?q=waec") == ["Quadratic equations"]
    assert titles(api_client, "?q=nothing-matches") == []


def test_sorts(api_client):
    now = timezone.now()
    big_old = StreamFactory(title="big old", live=True, current_viewers=400, started_at=now - timedelta(hours=10))
    small_new = StreamFactory(title="small new", live=True, current_viewers=90, started_at=now - timedelta(minutes=10))
    StreamFactory(title="mid", live=True, current_viewers=60, started_at=now - timedelta(hours=2))
    assert titles(api_client, "?sort=viewers") == ["big old", "small new", "mid"]
    assert titles(api_client, "?sort=newest") == ["mid", "small new", "big old"]
    # 90 viewers in the first hour beat 400 after ten hours (400 / 8 = 50)
    assert titles(api_client, "?sort=trending") == ["small new", "big old", "mid"]
    assert big_old and small_new


def test_scheduled_streams_default_to_soonest_first(api_client):
    now = timezone.now()
    StreamFactory(title="later", scheduled_start_time=now + timedelta(days=3))
    StreamFactory(title="sooner", scheduled_start_time=now + timedelta(days=1))
    assert titles(api_client, "?status=scheduled") == ["sooner", "later"]


def test_pagination_shape_and_limit_cap(api_client):
    StreamFactory.create_batch(3, live=True)
    body = api_client.get(f"{LIST}?limit=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]
    second = api_client.get(f"{LIST}?limit=2&page=2").json()
    assert len(second["results"]) == 1 and second["next"] is None
    StreamFactory.create_batch(100, live=True)
    assert len(api_client.get(f"{LIST}?limit=1000").json()["results"]) == 100


def test_list_runs_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    categories = [CategoryFactory() for _ in range(3)]
    tags = [Tag.objects.create(name=f"tag{n}") for n in range(5)]
    for n in range(40):
        stream = StreamFactory(live=True, category=categories[n % 3], creator=UserFactory())
        stream.tags.add(*tags[: n % 5])
    # count, page, tags prefetch (and one for the category tree when a category is filtered)
    with django_assert_max_num_queries(3):
        response = api_client.get(f"{LIST}?limit=40")
    assert len(response.json()["results"]) == 40
    with django_assert_max_num_queries(4):
        api_client.get(f"{LIST}?limit=40&category={categories[0].slug}&sort=trending")
