"""GET /api/v1/search/suggest: shape, limit, mixing, visibility, cache and errors."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from accounts.tests.factories import UserFactory
from discovery.search import suggest
from discovery.tests.factories import make_stream
from streams.models import Category, CreatorProfile, Stream

pytestmark = pytest.mark.django_db
URL = "/api/v1/search/suggest"
User = get_user_model()


def test_mixes_creators_streams_and_categories_with_links(api_client):
    Category.objects.create(name="Yoruba Language", slug="yoruba-language", icon="🗣")
    creator = UserFactory(username="yorubaqueen", display_name="Yorùbá Queen")
    stream = make_stream(creator=creator, title="Yoruba tales tonight", status="live")

    response = api_client.get(URL, {"q": "yor"})

    assert response.status_code == 200
    body = response.json()
    assert body["q"] == "yor"
    by_type = {item["type"]: item for item in body["results"]}
    assert set(by_type) == {"creator", "stream", "category"}
    assert by_type["creator"] == {
        "type": "creator",
        "label": "Yorùbá Queen",
        "detail": "@yorubaqueen",
        "url": "/@yorubaqueen/",
        "image": "",
        "is_verified": False,
    }
    assert by_type["stream"]["label"] == "Yoruba tales tonight"
    assert by_type["stream"]["url"] == f"/streams/{stream.pk}/"
    assert by_type["stream"]["detail"] == "Live now"
    assert by_type["category"]["url"] == "/search/?category=yoruba-language"
    for item in body["results"]:
        assert {"type", "label", "detail", "url", "image"} <= set(item)


def test_at_most_eight_and_live_streams_first(api_client):
    for n in range(10):
        make_stream(creator=UserFactory(username=f"hausa{n}"), title=f"Hausa lesson {n}")
    make_stream(title="Hausa lesson live", status="live")

    results = api_client.get(URL, {"q": "hausa"}).json()["results"]

    assert len(results) == suggest.SUGGEST_MAX
    streams = [item for item in results if item["type"] == "stream"]
    assert streams[0]["label"] == "Hausa lesson live"
    assert [item["type"] for item in results] == sorted(
        (item["type"] for item in results), key=["creator", "stream", "category"].index
    )


def test_one_character_is_enough(api_client):
    make_stream(creator=UserFactory(username="zainab"), title="Zazzau history")
    results = api_client.get(URL, {"q": "z"}).json()["results"]
    assert {item["label"] for item in results} >= {"Zazzau history"}


def test_private_and_unlisted_streams_are_never_suggested(api_client):
    make_stream(title="Yoruba secret", visibility="private")
    make_stream(title="Yoruba unlisted", visibility="unlisted")
    make_stream(title="Yoruba open")

    labels = [
        item["label"] for item in api_client.get(URL, {"q": "yoruba"}).json()["results"] if item["type"] == "stream"
    ]

    assert labels == ["Yoruba open"]


def test_answers_are_cached_briefly(api_client, django_assert_max_num_queries):
    make_stream(title="Igbo proverbs")
    first = api_client.get(URL, {"q": "igbo"}).json()
    with django_assert_max_num_queries(0):
        again = api_client.get(URL, {"q": " IGBO "}).json()
    assert again["results"] == first["results"]


def test_no_letters_no_suggestions(api_client):
    make_stream(title="Anything")
    assert api_client.get(URL, {"q": "!!"}).json()["results"] == []


@pytest.mark.parametrize(
    "params, code", [({}, "required"), ({"q": ""}, "blank"), ({"q": "   "}, "blank"), ({"q": "y" * 101}, "max_length")]
)
def test_bad_queries_are_400_with_a_code(api_client, params, code):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.needs_postgres
def test_postgres_suggests_despite_a_typo(api_client):
    assert connection.vendor == "postgresql"
    make_stream(title="Yoruba for beginners")
    make_stream(creator=UserFactory(username="yorubaqueen"), title="Dance")

    labels = {item["label"] for item in api_client.get(URL, {"q": "yorba"}).json()["results"]}

    assert {"Yoruba for beginners", "Yorubaqueen"} <= labels


@pytest.mark.needs_postgres
def test_postgres_suggests_a_word_inside_a_title_despite_a_dropped_letter(api_client):
    """ "adre" is "adire" with a letter dropped, and the word is not the title's first: the title as a whole is
    too unlike the query for pg_trgm's word similarity, the word alone is not."""
    make_stream(title="Dyeing adire cloth in Abeokuta")

    labels = {item["label"] for item in api_client.get(URL, {"q": "adre"}).json()["results"]}

    assert "Dyeing adire cloth in Abeokuta" in labels


def test_a_word_being_typed_matches_any_word_of_a_title(api_client):
    make_stream(title="Dyeing adire cloth in Abeokuta")
    make_stream(title="Nothing alike")

    labels = [item["label"] for item in api_client.get(URL, {"q": "abeok"}).json()["results"]]

    assert labels == ["Dyeing adire cloth in Abeokuta"]


def test_a_renamed_stream_is_suggested_by_its_new_words(api_client):
    stream = make_stream(title="Old name")
    stream.title = "Kwara drumming circle"
    stream.save()

    labels = [item["label"] for item in api_client.get(URL, {"q": "drumm"}).json()["results"]]

    assert labels == ["Kwara drumming circle"]


def test_a_reindex_drops_the_words_no_title_holds_any_more():
    from discovery.models import SearchWord
    from discovery.search.index import search_reindex_all

    stream = make_stream(title="Ikorodu market")
    stream.title = "Lagos market"
    stream.save()
    assert {"ikorodu", "lagos", "market"} <= set(SearchWord.objects.values_list("word", flat=True))

    search_reindex_all()

    assert set(SearchWord.objects.values_list("word", flat=True)) == {"lagos", "market"}


def test_images_verified_badges_and_inactive_creators(api_client):
    creator = UserFactory(username="adirequeen", is_verified=True)
    stream = make_stream(creator=creator, title="Adire dyeing", status="live")
    CreatorProfile.objects.update_or_create(user=creator, defaults={"avatar": "avatars/adire.webp"})
    Stream.objects.filter(pk=stream.pk).update(thumbnail="thumbnails/adire.webp")
    gone = UserFactory(username="adiregone")
    make_stream(creator=gone, title="Dance")
    User.objects.filter(pk=gone.pk).update(is_active=False)

    results = api_client.get(URL, {"q": "adire"}).json()["results"]

    by_label = {item["label"]: item for item in results}
    assert "Adiregone" not in by_label and "adiregone" not in by_label  # a deactivated account is not suggested
    assert by_label["Adirequeen"]["image"].endswith("avatars/adire.webp")
    assert by_label["Adirequeen"]["is_verified"] is True
    assert by_label["Adire dyeing"]["image"].endswith("thumbnails/adire.webp")
    assert by_label["Adire dyeing"]["status"] == "live"


def test_a_word_matching_no_title_leaves_the_creators(api_client):
    make_stream(creator=UserFactory(username="kanozzqx", display_name="Kano Zzqx"), title="Kano durbar")

    results = api_client.get(URL, {"q": "kano zzqx"}).json()["results"]

    assert [(item["type"], item["label"]) for item in results] == [("creator", "Kano Zzqx")]


@pytest.mark.needs_postgres
def test_postgres_answers_in_two_statements(api_client, django_assert_max_num_queries):
    """The box's every keystroke: the words' meanings, then creators and streams together (plus the categories,
    cached for a minute, on the first)."""
    Category.objects.create(name="Yoruba Language", slug="yoruba-language")
    api_client.get(URL, {"q": "warm"})  # the categories' list cached
    make_stream(creator=UserFactory(username="yorubaqueen"), title="Yoruba tales tonight", status="live")

    with django_assert_max_num_queries(2):
        results = api_client.get(URL, {"q": "yoruba tales"}).json()["results"]

    assert {item["label"] for item in results} >= {"Yoruba tales tonight"}
