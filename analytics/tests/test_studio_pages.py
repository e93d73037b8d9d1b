"""The studio's analytics pages, server-rendered: the numbers and a table behind every chart, without script."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.services import display_zone
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_the_pages_need_sign_in(client, live_stream):
    for url in (reverse("studio-analytics"), reverse("studio-stream-analytics", args=[live_stream.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_creators_stream_is_not_found(client, live_stream):
    client.force_login(UserFactory(is_staff=True))  # staff read it through the API; the studio is one's own
    assert client.get(reverse("studio-stream-analytics", args=[live_stream.pk])).status_code == 404


def test_the_creator_page_shows_totals_tables_and_the_range_picker(client, busy_stream):
    client.force_login(busy_stream.creator)
    response = client.get(reverse("studio-analytics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["section"] == "analytics"
    assert 'aria-current="page">Analytics</a>' in body
    assert body.count("<h1>") == 1
    assert '<a href="?days=28" aria-current="true">Last 28 days</a>' in body
    assert 'type="date" name="from"' in body and 'type="date" name="to"' in body
    assert body.count("<caption>") >= 6 and 'scope="col"' in body
    assert "23.00 coins" in body and "≈ ₦115.00" in body
    assert "vendor/uplot.min.js" in body and "js/analytics.js" in body
    assert 'id="analytics-days" type="application/json"' in body
    assert reverse("studio-stream-analytics", args=[busy_stream.pk]) in body
    assert len(response.context["data"]["days"]) == 28


def test_a_preset_and_a_custom_range(client, busy_stream):
    client.force_login(busy_stream.creator)
    today = timezone.now().astimezone(display_zone()).date()
    assert len(client.get(reverse("studio-analytics"), {"days": 7}).context["data"]["days"]) == 7
    response = client.get(reverse("studio-analytics"), {"from": str(today - dt.timedelta(days=2)), "to": str(today)})
    assert len(response.context["data"]["days"]) == 3 and response.context["preset"] is None


def test_a_bad_range_says_why_and_shows_the_default(client, creator):
    client.force_login(creator)
    response = client.get(reverse("studio-analytics"), {"from": "2026-05-02", "to": "2026-05-01"})
    assert response.status_code == 200
    assert "The start of the range is after its end." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert len(response.context["data"]["days"]) == 28


def test_the_stream_page_shows_its_minutes(client, busy_stream):
    client.force_login(busy_stream.creator)
    response = client.get(reverse("studio-stream-analytics", args=[busy_stream.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Analytics: Talking drum live" in body
    assert response.context["data"]["totals"]["unique_viewers"] == 5
    assert body.count('<tr><th scope="row"><time') == 11
    assert 'id="analytics-minutes"' in body and "vendor/uplot.min.js" in body


def test_a_stream_not_yet_live_says_so_and_loads_no_chart(client, creator):
    stream = StreamFactory(creator=creator)
    client.force_login(creator)
    body = client.get(reverse("studio-stream-analytics", args=[stream.pk])).content.decode()
    assert "Numbers appear here once the stream goes live." in body and "uplot" not in body
