import pytest
from django.urls import reverse

from streams.models import Stream
from streams.tests.factories import StreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_studio_needs_sign_in(client):
    response = client.get(reverse("studio"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_studio_lists_only_the_creators_own_streams_by_status(client):
    creator = UserFactory()
    live = StreamFactory(creator=creator, live=True, title="On air now")
    private = StreamFactory(creator=creator, visibility=Stream.Visibility.PRIVATE, title="Only mine")
    StreamFactory(title="Somebody else's")
    client.force_login(creator)
    response = client.get(reverse("studio"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "On air now" in body and "Only mine" in body and "Somebody else" not in body
    assert response.context["streams"]["live"] == [live]
    assert private in response.context["streams"]["scheduled"]


def test_another_creators_stream_is_not_found_in_the_studio(client):
    client.force_login(UserFactory())
    response = client.get(reverse("studio-stream", args=[StreamFactory().pk]))
    assert response.status_code == 404
