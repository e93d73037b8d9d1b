import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from discovery.selectors import recommendation_cache_key
from discovery.services import trending_refresh
from discovery.tests.conftest import ended, live, tagged, upcoming, watched
from streams.models import Stream
from streams.services import follow_create
from streams.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def sections(html: str) -> list[str]:
    return [
        heading
        for heading in ("live", "following", "recommended", "upcoming", "categories", "past")
        if f'id="{heading}-heading"' in html
    ]


def test_home_keeps_its_url_name():
    assert reverse("home") == "/"


def test_home_signed_out_shows_live_by_trending_upcoming_categories_and_past(maths):
    live(viewers=2, title="small", category=maths)
    live(viewers=30, title="large")
    upcoming(title="soon")
    upcoming(hours=24 * 60, title="far off")  # months away: not "upcoming" on the home page
    ended(title="yesterday")
    live(viewers=99, title="Unlisted one", visibility=Stream.Visibility.UNLISTED)
    html = client_for().get("/").content.decode()
    assert sections(html) == ["live", "upcoming", "categories", "past"]
    assert html.index("large") < html.index("small")
    assert "soon" in html and "far off" not in html and "Unlisted one" not in html and "yesterday" in html
    assert reverse("category-detail", args=[maths.slug]) in html


def test_home_signed_in_adds_following_and_recommended_with_why(maths):
    viewer = UserFactory()
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    live(creator=ada, title="Ada on air")
    watched(viewer, ended(category=maths))
    live(category=maths, title="More maths")
    html = client_for(viewer).get("/").content.decode()
    assert sections(html) == ["live", "following", "recommended", "categories", "past"]
    assert "Because you follow Ada" in html and "Popular in Mathematics" in html


def test_home_for_a_new_user_hides_empty_rows():
    html = client_for(UserFactory()).get("/").content.decode()
    assert sections(html) == []
    assert "Nobody is live" in html


def test_home_takes_a_fixed_number_of_queries(django_assert_num_queries, django_capture_on_commit_callbacks, maths):
    viewer = UserFactory()

    def build(count: int) -> None:
        for _ in range(count):
            creator = UserFactory()
            follow_create(follower=viewer, creator=creator)
            watched(viewer, tagged(ended(creator=creator, category=maths), "algebra"))
            live(creator=creator, category=maths)
            upcoming(category=maths)

    build(2)
    trending_refresh()
    client = client_for(viewer)
    client.get("/")
    cache.delete(recommendation_cache_key(viewer.pk))  # the recommendations computed, not read from the cache
    # Discovery's 17, the bell's unread count and the upcoming cards' reminders (notifications): 19.
    with django_assert_num_queries(19) as first:
        client.get("/")
    # Within a minute the recommendations' ranking is cached: the page loads their cards alone (7 queries fewer).
    with django_assert_num_queries(len(first.captured_queries) - 7):
        client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        build(6)  # new follows: the cached ranking is forgotten once they commit
    trending_refresh()
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/")


def test_category_page_shows_sub_categories_and_streams_below_it(maths):
    algebra = CategoryFactory(name="Algebra", slug="algebra", parent=maths)
    linear = CategoryFactory(name="Linear algebra", slug="linear-algebra", parent=algebra)
    CategoryFactory(name="Retired", slug="retired", parent=maths, is_active=False)
    music = CategoryFactory(name="Music", slug="music-cat")
    live(category=linear, title="Matrices live")
    upcoming(category=maths, title="Calculus soon")
    ended(category=algebra, title="Groups replay")
    live(category=music, title="Drums live")
    response = client_for().get(reverse("category-detail", args=["mathematics"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" in html and "Mathematics" in html
    assert reverse("category-detail", args=["algebra"]) in html and "Retired" not in html
    # a grandchild is a link on its parent's page, not here
    assert reverse("category-detail", args=["linear-algebra"]) not in html
    assert html.index("Matrices live") < html.index("Calculus soon") < html.index("Groups replay")
    assert "Drums live" not in html
    child = client_for().get(reverse("category-detail", args=["algebra"])).content.decode()
    assert "Matrices live" in child and "Calculus soon" not in child
    assert reverse("category-detail", args=["mathematics"]) in child  # the breadcrumb


def test_unknown_or_inactive_category_and_unknown_tag_are_404(maths):
    CategoryFactory(name="Old", slug="old", is_active=False)
    assert client_for().get("/categories/nope/").status_code == 404
    assert client_for().get("/categories/old/").status_code == 404
    assert client_for().get("/tags/nope/").status_code == 404


def test_tag_page_lists_its_public_streams():
    tagged(live(title="Oriki live"), "yoruba language")
    tagged(ended(title="Proverbs replay"), "yoruba language")
    tagged(live(title="Secret", visibility=Stream.Visibility.PRIVATE), "yoruba language")
    tagged(live(title="Other"), "igbo")
    response = client_for().get(reverse("tag-detail", args=["yoruba-language"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Oriki live" in html and "Proverbs replay" in html
    assert "Secret" not in html and "Other" not in html


def test_category_and_tag_pages_take_a_fixed_number_of_queries(django_assert_num_queries, maths):
    def build(count: int) -> None:
        for _ in range(count):
            tagged(live(category=maths), "algebra")
            tagged(ended(category=maths), "algebra")
            tagged(upcoming(category=maths), "algebra")

    build(1)
    trending_refresh()
    for url in ("/categories/mathematics/", "/tags/algebra/"):
        with django_assert_num_queries(5) as first:
            client_for().get(url)
        build(4)
        trending_refresh()
        with django_assert_num_queries(len(first.captured_queries)):
            client_for().get(url)
