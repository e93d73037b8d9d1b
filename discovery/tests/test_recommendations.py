import pytest

from accounts.tests.factories import UserFactory
from discovery.selectors import recommendation_list
from discovery.services import trending_refresh
from discovery.tests.conftest import ended, live, tagged, upcoming, watched
from streams.models import Stream
from streams.services import follow_create, follow_delete

pytestmark = pytest.mark.django_db

URL = "/api/v1/streams/recommended"


def reasons(user, **kwargs) -> dict:
    return {item.stream.title: item.reason for item in recommendation_list(user=user, **kwargs)}


def test_a_followed_creator_is_recommended_because_you_follow_them():
    viewer = UserFactory()
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    live(creator=ada, title="Ada live")
    upcoming(creator=ada, title="Ada tomorrow")
    assert reasons(viewer, pad=False) == {
        "Ada live": "because you follow Ada",
        "Ada tomorrow": "because you follow Ada",
    }


def test_the_category_of_what_you_watched_is_popular_in_it(maths, music):
    viewer = UserFactory()
    watched(viewer, ended(category=maths, title="Algebra I"), ended(category=maths, title="Algebra II"))
    live(category=maths, title="Geometry")
    live(category=music, title="Drums")
    assert reasons(viewer, pad=False) == {"Geometry": "popular in Mathematics"}


def test_a_watched_tag_brings_streams_with_it():
    viewer = UserFactory()
    watched(viewer, tagged(ended(title="Proverbs"), "yoruba"))
    tagged(live(title="Oriki"), "yoruba")
    tagged(live(title="Igbo"), "igbo")
    assert reasons(viewer, pad=False) == {"Oriki": "more on yoruba"}


def test_what_viewers_like_you_watched():
    viewer, twin = UserFactory(), UserFactory()
    shared = [ended(title=f"shared {index}") for index in range(3)]
    watched(viewer, *shared)
    watched(twin, *shared, ended(title="their pick"))
    assert reasons(viewer, pad=False) == {"their pick": "viewers like you watched this"}


def test_streams_you_cannot_see_your_own_and_already_watched_are_never_recommended(maths):
    viewer = UserFactory()
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    seen = ended(creator=ada, title="seen")
    watched(viewer, seen)
    live(creator=ada, title="private", visibility=Stream.Visibility.PRIVATE)
    live(creator=ada, title="unlisted", visibility=Stream.Visibility.UNLISTED)
    live(creator=ada, title="premium", is_premium=True, price_coins=50)
    live(creator=viewer, title="mine", category=maths)
    watched(viewer, ended(creator=viewer, category=maths))
    assert set(reasons(viewer, pad=False)) == {"premium"}


def test_a_stronger_signal_ranks_first_and_names_the_reason(maths):
    viewer = UserFactory()
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    watched(viewer, ended(category=maths))
    live(category=maths, title="maths only")
    live(creator=ada, category=maths, title="ada and maths")
    items = recommendation_list(user=viewer, pad=False)
    assert [item.stream.title for item in items] == ["ada and maths", "maths only"]
    assert items[0].kind == "follow"


def test_cold_start_and_signed_out_get_trending():
    quiet, busy = live(viewers=1, title="quiet"), live(viewers=40, title="busy")
    trending_refresh()
    for user in (UserFactory(), None):
        items = recommendation_list(user=user)
        assert [(item.stream.title, item.reason) for item in items] == [("busy", "trending"), ("quiet", "trending")]
    assert quiet.pk and busy.pk


def test_few_recommendations_are_padded_with_trending(maths):
    viewer = UserFactory()
    watched(viewer, ended(category=maths))
    live(category=maths, title="maths")
    live(viewers=9, title="elsewhere")
    trending_refresh()
    assert reasons(viewer) == {"maths": "popular in Mathematics", "elsewhere": "trending"}


def test_the_api_says_why_and_takes_a_fixed_number_of_queries(auth_client, maths, django_assert_max_num_queries):
    viewer = auth_client.user
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    twin = UserFactory()
    history = [tagged(ended(category=maths), "algebra") for _ in range(3)]
    watched(viewer, *history)
    watched(twin, *history)
    for index in range(15):
        live(creator=ada if index % 3 == 0 else UserFactory(), category=maths, title=f"s{index}")
        watched(twin, tagged(ended(title=f"twin {index}"), "algebra"))
    trending_refresh()
    with django_assert_max_num_queries(16):
        response = auth_client.get(f"{URL}?limit=10")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 10
    assert {row["reason_kind"] for row in results} <= {"follow", "category", "tag", "cowatch"}
    assert results[0]["reason"] == "because you follow Ada"
    assert all(row["stream"]["visibility"] == "public" for row in results)


def test_the_api_for_a_signed_out_viewer_is_trending(api_client):
    live(viewers=3, title="on now")
    results = api_client.get(URL).json()["results"]
    assert [(row["stream"]["title"], row["reason"], row["reason_kind"]) for row in results] == [
        ("on now", "trending", "trending")
    ]


def test_a_viewers_ranking_is_cached_a_minute_forgotten_on_follow_and_reloaded_public_only(
    maths, django_assert_num_queries, django_capture_on_commit_callbacks
):
    viewer = UserFactory()
    watched(viewer, ended(category=maths))
    geometry = live(category=maths, title="Geometry")
    assert reasons(viewer, pad=False) == {"Geometry": "popular in Mathematics"}
    ada = UserFactory(display_name="Ada")
    live(creator=ada, title="Ada live")
    with django_assert_num_queries(1):  # the ranking from the cache; the streams loaded
        assert reasons(viewer, pad=False) == {"Geometry": "popular in Mathematics"}
    # Made private meanwhile: the cached ranking still names it, the load (public streams only) drops it.
    Stream.objects.filter(pk=geometry.pk).update(visibility=Stream.Visibility.PRIVATE)
    assert reasons(viewer, pad=False) == {}
    Stream.objects.filter(pk=geometry.pk).update(visibility=Stream.Visibility.PUBLIC)
    with django_capture_on_commit_callbacks(execute=True):
        follow_create(follower=viewer, creator=ada)  # forgotten once the follow commits
    assert reasons(viewer, pad=False) == {"Ada live": "because you follow Ada", "Geometry": "popular in Mathematics"}
    with django_capture_on_commit_callbacks(execute=True):
        follow_delete(follower=viewer, creator=ada)  # and once the unfollow commits
    assert reasons(viewer, pad=False) == {"Geometry": "popular in Mathematics"}


def test_the_api_loads_the_recommended_streams_once(auth_client, maths, django_assert_num_queries):
    viewer = auth_client.user
    watched(viewer, ended(category=maths))
    for index in range(3):
        live(category=maths, title=f"maths {index}")
    auth_client.get(f"{URL}?limit=3")
    with django_assert_num_queries(2):  # the ranking from the cache: the caller and the streams, loaded once
        response = auth_client.get(f"{URL}?limit=3")
    assert [row["reason_kind"] for row in response.json()["results"]] == ["category"] * 3
