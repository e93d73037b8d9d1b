import re

import pytest
from django.test import Client

from accounts.models import VerificationRequest
from accounts.tests.factories import UserFactory
from streams.admin import REVOKED_BY_STAFF
from streams.models import CreatorProfile
from streams.services import creator_profile_ensure
from streams.tests.factories import CategoryFactory, StreamFactory

pytestmark = pytest.mark.django_db


def test_home_lists_live_and_upcoming_streams_escaped(client):
    StreamFactory(title="<b>Live</b> algebra", live=True, current_viewers=12)
    StreamFactory(title="Coming soon")
    StreamFactory(title="Secret", live=True, visibility="private")
    html = client.get("/").content.decode()
    assert "&lt;b&gt;Live&lt;/b&gt; algebra" in html and "<b>Live</b>" not in html
    assert "12 watching" in html and "Coming soon" in html and "Secret" not in html


def test_stream_page_respects_visibility_and_never_shows_the_key(client):
    stream = StreamFactory(title="Reading circle")
    assert "Reading circle" in client.get(f"/streams/{stream.pk}/").content.decode()
    assert stream.stream_key not in client.get(f"/streams/{stream.pk}/").content.decode()
    owner = Client()
    owner.force_login(stream.creator)
    assert stream.stream_key not in owner.get(f"/streams/{stream.pk}/").content.decode()  # the studio has it
    private = StreamFactory(visibility="private")
    assert client.get(f"/streams/{private.pk}/").status_code == 404


def test_pages_load_no_third_party_assets(client):
    html = client.get("/").content.decode() + client.get("/api/docs/").content.decode()
    external = [url for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html) if "testserver" not in url]
    assert external == []


def test_openapi_schema_describes_the_streams_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/streams",
        "/api/v1/streams/{id}",
        "/api/v1/streams/{id}/status",
        "/api/v1/creators/{username}/follow",
    ):
        assert path in paths


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["stream", "category", "tag", "creatorprofile", "follow"])
def test_admin_changelists_and_add_forms_load(staff_client, model):
    StreamFactory(category=CategoryFactory(icon="📚", colour="#112233"))
    assert staff_client.get(f"/admin/streams/{model}/").status_code == 200
    assert staff_client.get(f"/admin/streams/{model}/add/").status_code == 200


def test_admin_previews_category_colour_and_icon(staff_client):
    CategoryFactory(icon="🪘", colour="#abcdef")
    html = staff_client.get("/admin/streams/category/").content.decode()
    assert "background:#abcdef" in html and "🪘" in html


def test_admin_verify_action_sets_the_badge(staff_client):
    creator = UserFactory()
    profile = creator_profile_ensure(user=creator)
    response = staff_client.post(
        "/admin/streams/creatorprofile/", {"action": "verify", "_selected_action": [profile.pk]}, follow=True
    )
    assert response.status_code == 200
    creator.refresh_from_db()
    assert creator.is_verified is True
    assert CreatorProfile.objects.count() >= 1


def test_admin_verify_and_unverify_go_through_the_verification_services(staff_client):
    creator = UserFactory()
    profile = creator_profile_ensure(user=creator)
    staff_client.post("/admin/streams/creatorprofile/", {"action": "verify", "_selected_action": [profile.pk]})
    granted = VerificationRequest.objects.get(applicant=creator)
    assert granted.status == VerificationRequest.Status.APPROVED and granted.decided_by.is_staff
    staff_client.post("/admin/streams/creatorprofile/", {"action": "unverify", "_selected_action": [profile.pk]})
    creator.refresh_from_db()
    granted.refresh_from_db()
    assert creator.is_verified is False
    assert (granted.status, granted.rejection_reason) == (VerificationRequest.Status.REVOKED, REVOKED_BY_STAFF)


def test_admin_category_cannot_sit_under_its_descendant(staff_client):
    parent = CategoryFactory(slug="parent")
    child = CategoryFactory(slug="child", parent=parent)
    response = staff_client.post(
        f"/admin/streams/category/{parent.pk}/change/",
        {
            "name": parent.name,
            "slug": "parent",
            "parent": child.pk,
            "colour": "#008751",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "cannot sit under itself" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_admin_shows_clips_but_only_their_service_makes_or_cuts_them(staff_client):
    """A clip added or re-timed in admin would never be cut: staff may retitle or delete, not make or move one."""
    from streams.models import Clip, Recording

    stream = StreamFactory(ended=True)
    recording = Recording.objects.create(stream=stream, source_path="/nowhere/a.flv", duration_seconds=60)
    clip = Clip.objects.create(
        stream=stream, recording=recording, created_by=stream.creator, start_seconds=5, duration_seconds=10
    )
    assert staff_client.get("/admin/streams/clip/").status_code == 200
    assert staff_client.get("/admin/streams/clip/add/").status_code == 403
    page = staff_client.get(f"/admin/streams/clip/{clip.pk}/change/").content.decode()
    assert 'name="title"' in page
    assert 'name="start_seconds"' not in page and 'name="duration_seconds"' not in page
