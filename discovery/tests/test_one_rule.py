"""The rules that three reads share are one rule: the trending order (the stream list's ``sort=trending``, search's
``sort=trending`` and the home and category pages' "live now") and a category's subtree (the list's and search's
``category=``, the category page)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from discovery.models import TrendingScore
from discovery.tests.conftest import live
from streams.selectors.browse import stream_live_trending
from streams.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def list_titles(client, **params) -> list[str]:
    response = client.get("/api/v1/streams", params)
    assert response.status_code == 200, response.json()
    return [row["title"] for row in response.json()["results"]]


def search_titles(client, **params) -> list[str]:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200, response.json()
    return [row["title"] for row in response.json()["results"]]


def test_the_list_search_and_the_home_row_order_trending_streams_alike(api_client):
    scored = live(title="Scored quiet", viewers=2, minutes_ago=300)
    live(title="New and busy", viewers=90, minutes_ago=10)  # not scored yet: it went live since the last refresh
    live(title="Old and big", viewers=400, minutes_ago=600)  # 400 viewers ten hours in: 400 / 8 = 50
    live(title="Mid", viewers=60, minutes_ago=120)  # 60 / 2 = 30
    TrendingScore.objects.create(stream=scored, score=500.0, computed_at=scored.started_at + dt.timedelta(hours=5))

    expected = ["Scored quiet", "New and busy", "Old and big", "Mid"]
    assert list_titles(api_client, sort="trending") == expected
    assert search_titles(api_client, sort="trending", status="live") == expected
    assert [stream.title for stream in stream_live_trending()] == expected


def test_an_inactive_sub_category_hides_its_streams_everywhere(api_client):
    maths = CategoryFactory(name="Mathematics", slug="mathematics")
    retired = CategoryFactory(name="Retired", slug="retired", parent=maths, is_active=False)
    below = CategoryFactory(name="Below retired", slug="below-retired", parent=retired)
    live(title="Maths live", category=maths)
    live(title="Retired live", category=retired)
    live(title="Below live", category=below)

    assert list_titles(api_client, category="mathematics") == ["Maths live"]
    assert search_titles(api_client, category="mathematics") == ["Maths live"]
    page = Client().get(reverse("category-detail", args=["mathematics"])).content.decode()
    assert "Maths live" in page and "Retired live" not in page and "Below live" not in page
    # An inactive category is unknown to all three: no streams, a 400 naming it, a 404.
    assert list_titles(api_client, category="retired") == []
    response = api_client.get("/api/v1/search", {"category": "retired"})
    assert response.status_code == 400 and response.json()["code"] == "unknown_category"
    assert Client().get(reverse("category-detail", args=["retired"])).status_code == 404
