"""GET /api/v1/search: kinds, filters, sorts, visibility, errors; on SQLite and PostgreSQL alike."""

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from discovery.models import CreatorSearch, StreamSearch
from discovery.tests.factories import make_stream
from streams.models import Category
from streams.services import stream_update

pytestmark = pytest.mark.django_db
URL = "/api/v1/search"


def titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def culture(db):
    parent = Category.objects.create(name="Culture", slug="culture")
    Category.objects.create(name="Yoruba Language", slug="yoruba-language", parent=parent)
    Category.objects.create(name="Mathematics", slug="mathematics")
    return parent


def test_finds_streams_by_title_description_and_tag_title_first(api_client):
    make_stream(title="Cooking jollof", description="Drumming lesson afterwards", status="live")
    make_stream(title="Talking drums of Oyo", status="live")
    make_stream(title="Evening market", tags=["drumming"], status="live")
    make_stream(title="Unrelated lesson", status="live")

    response = api_client.get(URL, {"q": "drum"})

    assert response.status_code == 200
    assert titles(response) == ["Talking drums of Oyo", "Cooking jollof", "Evening market"]
    assert all(row["type"] == "stream" for row in response.json()["results"])


def test_diacritics_do_not_matter_either_way(api_client):
    make_stream(title="Ẹ̀kọ́ Yorùbá fún àwọn ọmọdé", status="live")
    make_stream(title="Yoruba proverbs", status="live")

    plain = api_client.get(URL, {"q": "yoruba"})
    marked = api_client.get(URL, {"q": "Yorùbá"})

    assert sorted(titles(plain)) == sorted(titles(marked)) == ["Yoruba proverbs", "Ẹ̀kọ́ Yorùbá fún àwọn ọmọdé"]
    assert titles(api_client.get(URL, {"q": "eko omode"})) == ["Ẹ̀kọ́ Yorùbá fún àwọn ọmọdé"]


def test_private_and_unlisted_streams_never_appear_even_to_their_owner(api_client):
    owner = UserFactory()
    make_stream(creator=owner, title="Secret Yoruba class", visibility="private", status="live")
    make_stream(creator=owner, title="Unlisted Yoruba class", visibility="unlisted", status="live")
    make_stream(creator=owner, title="Open Yoruba class", status="live")

    api_client.force_authenticate(owner)
    for params in ({"q": "yoruba class"}, {}, {"q": "secret"}, {"type": "streams", "sort": "recent"}):
        assert titles(api_client.get(URL, params)) in (["Open Yoruba class"], [])
    assert titles(api_client.get(URL, {"q": "yoruba"})) == ["Open Yoruba class"]


def test_stream_edits_and_tag_changes_are_searchable_at_once(api_client):
    stream = make_stream(title="Morning show", tags=["news"])
    assert titles(api_client.get(URL, {"q": "igbo"})) == []

    stream_update(stream=stream, data={"title": "Igbo morning show", "tags": ["ndi igbo"]}, announce=False)

    assert titles(api_client.get(URL, {"q": "igbo"})) == ["Igbo morning show"]
    assert titles(api_client.get(URL, {"q": "news"})) == []
    assert StreamSearch.objects.get(pk=stream.pk).tags == "ndi igbo"


def test_status_category_and_sorts(api_client, culture):
    make_stream(title="Yoruba live small", status="live", viewers=3, category="yoruba-language")
    make_stream(title="Yoruba live big", status="live", viewers=50, category="yoruba-language")
    make_stream(title="Yoruba later", category="culture")
    make_stream(title="Yoruba sums", status="ended", category="mathematics")

    assert titles(api_client.get(URL, {"q": "yoruba", "status": "live", "sort": "viewers"})) == [
        "Yoruba live big",
        "Yoruba live small",
    ]
    # The category's sub-categories are in it.
    assert sorted(titles(api_client.get(URL, {"q": "yoruba", "category": "culture"}))) == [
        "Yoruba later",
        "Yoruba live big",
        "Yoruba live small",
    ]
    assert titles(api_client.get(URL, {"status": "ended"})) == ["Yoruba sums"]
    assert titles(api_client.get(URL, {"q": "yoruba", "sort": "trending"}))[:2] == [
        "Yoruba live big",
        "Yoruba live small",
    ]
    recent = titles(api_client.get(URL, {"q": "yoruba", "sort": "recent"}))
    assert len(recent) == 4


def test_empty_query_with_filters_lists(api_client):
    make_stream(title="One", status="live", viewers=1)
    make_stream(title="Two", status="live", viewers=9)
    make_stream(title="Three")

    response = api_client.get(URL, {"q": "", "status": "live"})

    assert response.status_code == 200
    assert titles(response) == ["Two", "One"]
    assert response.json()["count"] == 2


def test_type_all_adds_creators_categories_and_tags(api_client, culture):
    ada = UserFactory(username="adeyoruba", display_name="Adé Yorùbá")
    make_stream(creator=ada, title="Yoruba folk tales", tags=["yoruba"], status="live")

    body = api_client.get(URL, {"q": "yoruba"}).json()

    assert [row["title"] for row in body["results"]] == ["Yoruba folk tales"]
    assert [row["username"] for row in body["creators"]] == ["adeyoruba"]
    assert body["creators"][0]["type"] == "creator"
    assert body["creators"][0]["url"].endswith("/@adeyoruba/")
    assert [row["slug"] for row in body["categories"]] == ["yoruba-language"]
    assert body["tags"] == [{"type": "tag", "name": "yoruba", "stream_count": 1}]


def test_each_type_pages_its_own_kind(api_client, culture):
    for n in range(3):
        make_stream(creator=UserFactory(username=f"yorubateacher{n}"), title=f"Class {n}")
    UserFactory(username="yorubaviewer")  # not a creator: never listed

    creators = api_client.get(URL, {"q": "yorubateacher", "type": "creators", "limit": 2}).json()
    assert creators["count"] == 3 and len(creators["results"]) == 2 and creators["next"]
    assert {row["type"] for row in creators["results"]} == {"creator"}
    assert api_client.get(URL, {"q": "yorubaviewer", "type": "creators"}).json()["count"] == 0
    assert CreatorSearch.objects.count() == 3

    categories = api_client.get(URL, {"q": "yoruba", "type": "categories"}).json()
    assert [row["slug"] for row in categories["results"]] == ["yoruba-language"]
    assert categories["results"][0]["parent"] == "culture"
    everything = api_client.get(URL, {"type": "categories"}).json()
    assert everything["count"] == 3


def test_creator_rename_is_searchable(api_client):
    creator = UserFactory(username="chike")
    make_stream(creator=creator, title="Igbo lesson")
    creator.display_name = "Chukwuemeka Obi"
    creator.save()

    body = api_client.get(URL, {"q": "chukwuemeka", "type": "creators"}).json()

    assert [row["username"] for row in body["results"]] == ["chike"]
    assert body["results"][0]["display_name"] == "Chukwuemeka Obi"


def test_tags_kind(api_client):
    make_stream(title="A", tags=["hausa music"])
    make_stream(title="B", tags=["hausa music", "hausa poetry"])
    make_stream(title="C", tags=["hausa secret"], visibility="private")

    body = api_client.get(URL, {"q": "hausa", "type": "tags"}).json()

    assert body["results"] == [
        {"type": "tag", "name": "hausa music", "stream_count": 2},
        {"type": "tag", "name": "hausa poetry", "stream_count": 1},
    ]


@pytest.mark.parametrize(
    "params, field, code",
    [
        ({"type": "videos"}, "type", "invalid_choice"),
        ({"status": "paused"}, "status", "invalid_choice"),
        ({"sort": "random"}, "sort", "invalid_choice"),
        ({"sort": ""}, "sort", "invalid_choice"),
        ({"q": "x" * 101}, "q", "max_length"),
        ({"category": "no-such-thing"}, "category", "unknown_category"),
        ({"page": "0"}, "page", None),
        ({"limit": "many"}, "limit", None),
    ],
)
def test_bad_parameters_are_400_with_a_code(api_client, params, field, code):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert field in body
    if code:
        assert body["code"] == code


def test_odd_queries_are_answered_not_crashed(api_client):
    make_stream(title="Fuji & highlife: a night", status="live")
    for q in ["&", "fuji & | ! :*", "'\"", "(", "night)", "a" * 100, "🎶"]:
        response = api_client.get(URL, {"q": q})
        assert response.status_code == 200, q
    assert titles(api_client.get(URL, {"q": "fuji & highlife"})) == ["Fuji & highlife: a night"]


def test_list_runs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for n in range(6):
        make_stream(title=f"Yoruba {n}", tags=["a", "b"], status="live")
    with django_assert_max_num_queries(8):
        response = api_client.get(URL, {"q": "yoruba"})
    assert response.json()["count"] == 6


@pytest.mark.needs_postgres
def test_postgres_typo_tolerance_yorba_finds_yoruba(api_client):
    assert connection.vendor == "postgresql"
    make_stream(title="Yoruba for beginners", status="live")
    make_stream(title="Hausa for beginners", status="live")
    creator = UserFactory(username="yorubadancer")
    make_stream(creator=creator, title="Dance", status="live")

    assert titles(api_client.get(URL, {"q": "yorba"})) == ["Yoruba for beginners"]
    assert [r["username"] for r in api_client.get(URL, {"q": "yorba", "type": "creators"}).json()["results"]] == [
        "yorubadancer"
    ]


@pytest.mark.needs_postgres
def test_postgres_ranks_title_above_description_above_tags(api_client):
    make_stream(title="Evening", tags=["kano"], status="live")
    make_stream(title="Morning", description="Live from Kano market", status="live")
    make_stream(title="Kano durbar", status="live")

    assert titles(api_client.get(URL, {"q": "kano"})) == ["Kano durbar", "Morning", "Evening"]
    assert StreamSearch.objects.exclude(document=None).count() == 3


def test_reindex_command_rebuilds_documents_lost_to_bulk_writes(api_client):
    from django.core.management import call_command

    stream = make_stream(title="Benin bronzes", status="live")
    StreamSearch.objects.all().delete()
    CreatorSearch.objects.all().delete()
    assert titles(api_client.get(URL, {"q": "benin"})) == []

    call_command("search_reindex", verbosity=0)

    assert titles(api_client.get(URL, {"q": "benin"})) == ["Benin bronzes"]
    assert CreatorSearch.objects.filter(user_id=stream.creator_id).exists()


def test_sort_trending_follows_the_stored_score_before_the_viewer_count(api_client):
    from django.utils import timezone

    from discovery.models import TrendingScore

    small = make_stream(title="Yoruba live small", status="live", viewers=3)
    make_stream(title="Yoruba live big", status="live", viewers=50)
    TrendingScore.objects.create(stream=small, score=40.0, computed_at=timezone.now())  # a busy chat, say
    assert titles(api_client.get(URL, {"q": "yoruba", "sort": "trending"})) == ["Yoruba live small", "Yoruba live big"]
