"""One `limit`: every list that takes one (paginated or not) caps it, refuses it and words it alike."""

from unittest import mock

import pytest
from drf_spectacular.generators import SchemaGenerator

from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

PAGINATED = "/api/v1/streams"  # the paginated lists' behaviour (livestream/api/pagination.py) is the reference


@pytest.fixture
def stream():
    return StreamFactory(live=True)


def other_lists(stream):
    return [f"/api/v1/streams/{stream.pk}/gifts", f"/api/v1/streams/{stream.pk}/chat"]


@pytest.mark.parametrize("limit", ["abc", "0", "00", "-1", "", "1.5", "1e3", "٣"])
def test_a_bad_limit_is_refused_in_the_paginated_lists_words(api_client, stream, limit):
    reference = api_client.get(PAGINATED, {"limit": limit})
    assert reference.status_code == 400
    for url in other_lists(stream):
        response = api_client.get(url, {"limit": limit})
        assert (response.status_code, response.json()) == (reference.status_code, reference.json()), url


@pytest.mark.parametrize("limit", ["1000", "101", "99999999999999999999999"])
def test_a_large_limit_is_capped_at_100_not_refused(api_client, stream, limit):
    assert api_client.get(PAGINATED, {"limit": limit}).status_code == 200
    with (
        mock.patch("gifts.api.views.stream_recent_gifts", return_value=[]) as gifts,
        mock.patch("chat.api.views.chat_history", return_value=[]) as chat,
    ):
        for url in other_lists(stream):
            assert api_client.get(url, {"limit": limit}).status_code == 200, url
    assert gifts.call_args.kwargs["limit"] == 100 and chat.call_args.kwargs["limit"] == 100


def test_a_good_limit_is_read_as_sent(api_client, stream):
    with (
        mock.patch("gifts.api.views.stream_recent_gifts", return_value=[]) as gifts,
        mock.patch("chat.api.views.chat_history", return_value=[]) as chat,
    ):
        for url in other_lists(stream):
            api_client.get(url, {"limit": " 007"})
        assert gifts.call_args.kwargs["limit"] == 7 and chat.call_args.kwargs["limit"] == 7
        for url in other_lists(stream):
            api_client.get(url)
        assert gifts.call_args.kwargs["limit"] == 50 and chat.call_args.kwargs["limit"] == 50


def test_the_schema_describes_every_limit_alike():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    limits = {
        path: next(p for p in operations["get"]["parameters"] if p["name"] == "limit")
        for path, operations in paths.items()
        if "get" in operations and any(p["name"] == "limit" for p in operations["get"].get("parameters", []))
    }
    assert {"/api/v1/streams", "/api/v1/streams/{stream_id}/gifts", "/api/v1/streams/{stream_id}/chat"} <= set(limits)
    shapes = {
        path: (p["description"], p.get("required", False), schema["type"], schema["minimum"], "maximum" in schema)
        for path, p in limits.items()
        for schema in [p["schema"]]
    }
    assert len(set(shapes.values())) == 1, shapes
    assert shapes["/api/v1/streams"] == ("Rows per page, from 1; at most 100 are returned.", False, "integer", 1, False)
