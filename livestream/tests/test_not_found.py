"""A domain ``NotFound`` at each interface: the site's HTML 404 page for pages, the API's JSON 404 with code
``not_found`` under /api/ (the selectors' own tests show they raise it)."""

import uuid

import pytest
from django.test import Client, RequestFactory

from accounts.tests.factories import UserFactory
from conftest import client_for
from livestream import errors
from livestream.middleware import NotFoundMiddleware
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

UNKNOWN = uuid.UUID(int=0)


def _sites_404_page() -> bytes:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    return response.content


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_of_an_unknown_or_private_stream_is_the_sites_html_404(settings, debug):
    settings.DEBUG = debug
    private = StreamFactory(visibility="private")
    for path in (f"/streams/{UNKNOWN}/", f"/streams/{private.pk}/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("text/html")
        if not debug:
            assert response.content == _sites_404_page()
    owner = Client()
    owner.force_login(private.creator)
    assert owner.get(f"/streams/{private.pk}/").status_code == 200


def test_the_sandbox_checkout_of_an_unknown_payment_is_the_sites_html_404(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    response = Client().get("/checkout/sandbox/no-such-reference")
    assert response.status_code == 404
    assert response.content == _sites_404_page()


def _json_404(response, detail: str) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail, "code": "not_found"}


def test_the_api_answers_a_missing_stream_creator_user_or_message_as_json_404_with_its_code():
    stream = StreamFactory(live=True)
    private = StreamFactory(visibility="private")
    anyone = client_for(UserFactory())
    creator = client_for(stream.creator)

    _json_404(anyone.get(f"/api/v1/streams/{UNKNOWN}"), "No such stream.")
    _json_404(anyone.get(f"/api/v1/streams/{private.pk}"), "No such stream.")
    _json_404(anyone.get(f"/api/v1/streams/{private.pk}/gifts/leaderboard"), "No such stream.")
    _json_404(anyone.get(f"/api/v1/streams/{private.pk}/chat"), "No such stream.")
    _json_404(anyone.get("/api/v1/creators/nobody"), "No such creator.")
    _json_404(anyone.post("/api/v1/creators/nobody/follow"), "No such user.")
    _json_404(anyone.get(f"/api/v1/users/{UNKNOWN}/gifts"), "No such user.")
    _json_404(
        creator.post(f"/api/v1/streams/{stream.pk}/moderators", {"username": "nobody"}, format="json"), "No such user."
    )
    _json_404(
        anyone.post(f"/api/v1/streams/{stream.pk}/chat/{UNKNOWN}/report", {"reason": "spam"}, format="json"),
        "No such message.",
    )


def test_the_middleware_turns_only_not_found_into_the_404_page_or_the_apis_json():
    middleware = NotFoundMiddleware(lambda request: None)
    page = middleware.process_exception(RequestFactory().get("/streams/x/"), errors.NotFound("No such stream."))
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert page.content == _sites_404_page()

    api = middleware.process_exception(RequestFactory().get("/api/v1/x"), errors.NotFound("No such stream."))
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.content == b'{"detail": "Not found.", "code": "not_found"}'

    request = RequestFactory().get("/streams/x/")
    for other in (errors.PermissionDenied(), errors.Conflict(), errors.DomainError(), ValueError()):
        assert middleware.process_exception(request, other) is None  # not ours: Django's handling as before


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_under_asgi_an_unknown_streams_page_is_the_sites_html_404_too(async_client):
    response = await async_client.get(f"/streams/{UNKNOWN}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Not Found" in response.content
