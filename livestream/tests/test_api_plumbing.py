"""The API's plumbing: JSON errors everywhere under /api/, page and limit refused when malformed, empty enums."""

import pytest
from django.test import Client

from conftest import client_for
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/streams/not-a-uuid", "/api/v2/streams", "/api/x"])
def test_unknown_paths_under_api_answer_json_404(settings, user, debug, method, path):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)  # a session without its CSRF token: still a 404, not the CSRF failure page
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_the_schema_without_its_slash_still_redirects(api_client):
    response = api_client.get("/api/schema")
    assert response.status_code == 301 and response["Location"] == "/api/schema/"


def test_pages_outside_the_api_keep_the_sites_404(api_client):
    response = api_client.get("/no-such-page")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


def test_a_method_the_route_lacks_is_a_json_405(api_client):
    response = api_client.put("/api/v1/gifts", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("value", ["abc", "0", "-1", "", "1.5"])
@pytest.mark.parametrize("parameter", ["limit", "page"])
def test_paginated_lists_refuse_a_malformed_page_or_limit(user, value, parameter):
    client = client_for(user)
    for path in ("/api/v1/streams", "/api/v1/currency/transactions", f"/api/v1/users/{user.pk}/gifts"):
        response = client.get(path, {parameter: value})
        assert response.status_code == 400, (path, response.content)
        assert parameter in response.json()


def test_paginated_lists_take_a_good_limit_and_cap_a_large_one(api_client):
    StreamFactory.create_batch(3, live=True)
    assert len(api_client.get("/api/v1/streams", {"limit": "2"}).json()["results"]) == 2
    assert len(api_client.get("/api/v1/streams", {"limit": "1000"}).json()["results"]) == 3
    assert api_client.get("/api/v1/streams", {"page": "99"}).json()["code"] == "not_found"


@pytest.mark.parametrize("value", ["abc", "0", ""])
def test_chat_history_refuses_a_malformed_limit(api_client, value):
    stream = StreamFactory(live=True)
    response = api_client.get(f"/api/v1/streams/{stream.pk}/chat", {"limit": value})
    assert response.status_code == 400 and "limit" in response.json()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/gifts?rarity=", "/api/v1/gifts?category=", "/api/v1/gifts?rarity=mythic", "/api/v1/gifts?category=royal"],
)
def test_an_empty_or_unknown_enum_is_refused(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 400
    assert set(response.json()) <= {"rarity", "category"}


def test_an_empty_statement_type_is_refused(user):
    response = client_for(user).get("/api/v1/currency/transactions?type=")
    assert response.status_code == 400 and "type" in response.json()


def test_a_server_error_under_api_is_json(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("gifts.api.views.gift_catalogue", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/gifts")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}
