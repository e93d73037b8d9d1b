import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import client_for
from streams.models import CreatorProfile, Follow
from streams.services import creator_profile_ensure
from streams.tests.factories import CategoryFactory, StreamFactory

pytestmark = pytest.mark.django_db


def url(user, suffix: str = "") -> str:
    return f"/api/v1/creators/{user.username}{suffix}"


def png(width: int = 400, height: int = 300) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (0, 135, 81)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def test_creator_page_shows_profile_followers_and_upcoming_streams(api_client):
    creator = UserFactory(username="ada", is_verified=True)
    creator_profile_ensure(user=creator)
    soon = StreamFactory(creator=creator, scheduled_start_time=timezone.now() + timedelta(days=1))
    StreamFactory(creator=creator, scheduled_start_time=timezone.now() + timedelta(days=1), visibility="private")
    StreamFactory(creator=creator, scheduled_start_time=timezone.now() - timedelta(days=1))  # overdue, not upcoming
    live = StreamFactory(creator=creator, live=True)
    Follow.objects.create(follower=UserFactory(), creator=creator)
    Follow.objects.create(follower=UserFactory(), creator=creator)
    body = api_client.get("/api/v1/creators/ADA").json()
    assert body["username"] == "ada" and body["is_verified"] is True
    assert body["follower_count"] == 2
    assert [s["id"] for s in body["upcoming_streams"]] == [str(soon.pk)]
    assert body["live_stream"]["id"] == str(live.pk)
    assert body["is_following"] is False and body["notifications"] is None


def test_user_without_a_profile_still_has_a_creator_page(api_client):
    creator = UserFactory()
    CreatorProfile.objects.filter(user=creator).delete()
    response = api_client.get(url(creator))
    assert response.status_code == 200 and response.json()["bio"] == ""


def test_unknown_creator_is_404(api_client):
    assert api_client.get("/api/v1/creators/nobody").status_code == 404


def test_creator_edits_profile_schedule_and_images(auth_client):
    body = {
        "display_name": "Ada O.",
        "bio": "Maths teacher",
        "brand_colour": "#123abc",
        "social_links": {"x": "https://x.com/ada", "website": "https://ada.example"},
        "schedule": {
            "timezone": "Africa/Lagos",
            "slots": [
                {"day": "monday", "start_time": "18:00", "duration_minutes": 90, "title": "Algebra"},
                {"day": "saturday", "start_time": "10:30", "duration_minutes": 60},
            ],
        },
    }
    response = auth_client.patch(url(auth_client.user), body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["display_name"] == "Ada O." and data["brand_colour"] == "#123abc"
    assert data["schedule"] == {
        "timezone": "Africa/Lagos",
        "slots": [
            {"day": "monday", "start_time": "18:00", "duration_minutes": 90, "title": "Algebra"},
            {"day": "saturday", "start_time": "10:30", "duration_minutes": 60, "title": ""},
        ],
    }
    response = auth_client.patch(url(auth_client.user), {"avatar": png(), "banner": png(1600, 600)}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["avatar_url"].endswith(".webp")
    profile = CreatorProfile.objects.get(user=auth_client.user)
    with Image.open(profile.avatar.path) as avatar:
        assert avatar.size == (256, 256) and avatar.format == "WEBP"
    with Image.open(profile.banner.path) as banner:
        assert banner.size == (1500, 500)


def test_schedule_is_replaced_whole(auth_client):
    slot = {"day": "monday", "start_time": "18:00", "duration_minutes": 90}
    auth_client.patch(url(auth_client.user), {"schedule": {"slots": [slot, slot | {"day": "friday"}]}}, format="json")
    response = auth_client.patch(
        url(auth_client.user), {"schedule": {"slots": [slot | {"day": "sunday"}]}}, format="json"
    )
    assert [s["day"] for s in response.json()["schedule"]["slots"]] == ["sunday"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"brand_colour": "green"}, "brand_colour"),
        ({"social_links": {"myspace": "https://myspace.com/x"}}, "social_links"),
        ({"social_links": {"x": "javascript:alert(1)"}}, "social_links"),
        ({"schedule": {"slots": [{"day": "someday", "start_time": "18:00", "duration_minutes": 60}]}}, "schedule"),
        ({"schedule": {"slots": [{"day": "monday", "start_time": "25:00", "duration_minutes": 60}]}}, "schedule"),
        ({"schedule": {"slots": [{"day": "monday", "start_time": "18:00", "duration_minutes": 0}]}}, "schedule"),
        ({"timezone": "Africa/Lagos", "schedule": {"timezone": "Europe/Paris"}}, "timezone"),
        ({"bio": "x" * 1001}, "bio"),
    ],
)
def test_bad_profile_input_is_400_and_changes_nothing(auth_client, body, field):
    response = auth_client.patch(url(auth_client.user), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    profile = creator_profile_ensure(user=auth_client.user)
    assert profile.timezone == "Africa/Lagos" and profile.social_links == {} and profile.bio == ""


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png"),
        SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
    ],
)
def test_avatar_must_be_a_real_image(auth_client, upload):
    response = auth_client.patch(url(auth_client.user), {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert not creator_profile_ensure(user=auth_client.user).avatar


def test_tiny_avatar_is_rejected(auth_client):
    response = auth_client.patch(url(auth_client.user), {"avatar": png(4, 4)}, format="multipart")
    assert response.status_code == 400


def test_only_the_creator_edits_their_profile(api_client, auth_client):
    other = UserFactory()
    assert auth_client.patch(url(other), {"bio": "hacked"}, format="json").status_code == 403
    assert api_client.patch(url(other), {"bio": "hacked"}, format="json").status_code == 401
    assert creator_profile_ensure(user=other).bio == ""


def test_follow_update_preferences_and_unfollow(auth_client):
    creator = UserFactory()
    first = auth_client.post(url(creator, "/follow"), {}, format="json")
    assert first.status_code == 201
    assert first.json()["notifications"] == ["go_live", "scheduled"]
    again = auth_client.post(url(creator, "/follow"), {"notifications": ["go_live"]}, format="json")
    assert again.status_code == 200 and again.json()["notifications"] == ["go_live"]
    page = auth_client.get(url(creator)).json()
    assert page["follower_count"] == 1 and page["is_following"] is True and page["notifications"] == ["go_live"]
    muted = auth_client.post(url(creator, "/follow"), {"notifications": []}, format="json")
    assert muted.json()["notifications"] == []
    assert auth_client.delete(url(creator, "/follow")).status_code == 204
    assert auth_client.delete(url(creator, "/follow")).status_code == 204  # idempotent
    assert auth_client.get(url(creator)).json()["follower_count"] == 0


def test_follow_errors(api_client, auth_client):
    creator = UserFactory()
    assert api_client.post(url(creator, "/follow")).status_code == 401
    assert auth_client.post("/api/v1/creators/nobody/follow").status_code == 404
    own = auth_client.post(url(auth_client.user, "/follow"))
    assert own.status_code == 400 and own.json()["code"] == "cannot_follow_self"
    bad = auth_client.post(url(creator, "/follow"), {"notifications": ["sms"]}, format="json")
    assert bad.status_code == 400 and "notifications" in bad.json()
    assert not Follow.objects.exists()


def test_categories_are_a_tree_of_active_categories(api_client):
    education = CategoryFactory(slug="education", name="Education", icon="📚", colour="#1f6feb")
    CategoryFactory(slug="maths", parent=education)
    CategoryFactory(slug="hidden", parent=education, is_active=False)
    CategoryFactory(slug="culture")
    body = api_client.get("/api/v1/categories").json()
    assert [c["slug"] for c in body] == ["culture", "education"] or [c["slug"] for c in body] == [
        "education",
        "culture",
    ]
    education_row = next(c for c in body if c["slug"] == "education")
    assert [c["slug"] for c in education_row["children"]] == ["maths"]
    assert education_row["icon"] == "📚" and education_row["colour"] == "#1f6feb"


def test_follow_between_two_other_users_is_counted_once_each():
    creator = UserFactory()
    fan = UserFactory()
    client = client_for(fan)
    client.post(url(creator, "/follow"))
    client.post(url(creator, "/follow"))
    assert Follow.objects.filter(creator=creator).count() == 1


# --- the schedule is written in the shape it is read --------------------------------------


def test_the_schedule_read_can_be_written_back_as_it_is(auth_client):
    schedule = {
        "timezone": "Europe/London",
        "slots": [
            {"day": "tuesday", "start_time": "09:15", "duration_minutes": 45, "title": "Phonics"},
            {"day": "friday", "start_time": "18:00", "duration_minutes": 90, "title": ""},
        ],
    }
    response = auth_client.patch(url(auth_client.user), {"schedule": schedule}, format="json")
    assert response.status_code == 200, response.json()
    read = auth_client.get(url(auth_client.user)).json()["schedule"]
    assert read == schedule
    again = auth_client.patch(url(auth_client.user), {"schedule": read}, format="json")
    assert again.status_code == 200 and again.json()["schedule"] == schedule


def test_a_schedule_without_slots_changes_only_its_time_zone(auth_client):
    slot = {"day": "monday", "start_time": "18:00", "duration_minutes": 90, "title": "Algebra"}
    auth_client.patch(url(auth_client.user), {"schedule": {"slots": [slot]}}, format="json")
    response = auth_client.patch(url(auth_client.user), {"schedule": {"timezone": "Africa/Accra"}}, format="json")
    assert response.json()["schedule"] == {"timezone": "Africa/Accra", "slots": [slot]}
    cleared = auth_client.patch(url(auth_client.user), {"schedule": {"slots": []}}, format="json")
    assert cleared.json()["schedule"] == {"timezone": "Africa/Accra", "slots": []}


@pytest.mark.parametrize(
    "schedule",
    [
        [{"day": "monday", "start_time": "18:00", "duration_minutes": 90}],  # the old, list-only shape
        {"timezone": "Mars/Olympus", "slots": []},
        {"slots": [{"day": "someday", "start_time": "18:00", "duration_minutes": 60}]},
        "weekly",
    ],
    ids=["list", "unknown-zone", "unknown-day", "string"],
)
def test_a_schedule_in_another_shape_is_a_field_error(auth_client, schedule):
    response = auth_client.patch(url(auth_client.user), {"schedule": schedule}, format="json")
    assert response.status_code == 400 and "schedule" in response.json()
    assert creator_profile_ensure(user=auth_client.user).timezone == "Africa/Lagos"


def test_the_schema_documents_one_schedule_shape_for_reading_and_writing(client):
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    def component(prop) -> str:
        ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
        return ref.rsplit("/", 1)[-1]

    written = component(components["PatchedCreatorUpdateRequest"]["properties"]["schedule"])
    read = component(components["Creator"]["properties"]["schedule"])
    assert written.startswith("CreatorSchedule") and read.startswith("CreatorSchedule")
    for name in (written, read):
        shape = components[name]["properties"]
        assert set(shape) == {"timezone", "slots"} and shape["slots"]["type"] == "array"


# --- a profile update is all or nothing ----------------------------------------------------


def test_a_refused_profile_update_leaves_the_display_name_too(auth_client):
    user = auth_client.user
    before = user.display_name
    body = {"display_name": "Ada the Great", "social_links": {"myspace": "https://myspace.com/ada"}}
    response = auth_client.patch(url(user), body, format="json")
    assert response.status_code == 400 and "social_links" in response.json()
    user.refresh_from_db()
    assert user.display_name == before


def test_a_profile_update_that_fails_late_writes_nothing(auth_client, settings):
    """The schedule is the last step written: make it fail, and the user, profile and files stay as they were."""
    from django.db import DatabaseError

    from streams.services import creator_profile_update

    user = auth_client.user
    slot = {"day": "monday", "start_time": "18:00", "duration_minutes": 90, "title": "Algebra"}
    auth_client.patch(url(user), {"bio": "Old bio", "schedule": {"slots": [slot]}}, format="json")
    user.refresh_from_db()
    before_name = user.display_name
    with (
        mock.patch("streams.models.ScheduleSlot.objects.bulk_create", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        creator_profile_update(
            user=user,
            data={"display_name": "New name", "bio": "New bio"},
            avatar=png(),
            schedule=[{"weekday": 4, "start_time": "09:00", "duration_minutes": 30}],
        )
    user.refresh_from_db()
    profile = CreatorProfile.objects.get(user=user)
    assert user.display_name == before_name and profile.bio == "Old bio" and not profile.avatar
    assert [(s.weekday, s.title) for s in profile.schedule.all()] == [(0, "Algebra")]
    avatars = Path(settings.MEDIA_ROOT) / "avatars"
    assert not avatars.exists() or not any(avatars.rglob("*.webp"))  # the new file went with the transaction


def test_an_avatar_and_the_schedule_go_in_one_multipart_request(auth_client):
    """A multipart body's schedule and social links (JSON text) were silently ignored: only dotted keys counted."""
    schedule = {
        "timezone": "Africa/Lagos",
        "slots": [{"day": "tuesday", "start_time": "18:00", "duration_minutes": 60}],
    }
    response = auth_client.patch(
        url(auth_client.user),
        {"avatar": png(), "schedule": json.dumps(schedule), "social_links": json.dumps({"x": "https://x.com/ada"})},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["schedule"]["timezone"] == "Africa/Lagos" and len(body["schedule"]["slots"]) == 1
    assert body["social_links"] == {"x": "https://x.com/ada"} and body["avatar_url"].endswith(".webp")


@pytest.mark.parametrize("schedule", ["garbage", '{"timezone": "Mars/Base"}', "[1, 2]"])
def test_a_bad_schedule_in_a_multipart_body_is_a_field_error(auth_client, schedule):
    before = auth_client.get(url(auth_client.user)).json()["schedule"]
    response = auth_client.patch(url(auth_client.user), {"schedule": schedule}, format="multipart")
    assert response.status_code == 400 and "schedule" in response.json()
    assert auth_client.get(url(auth_client.user)).json()["schedule"] == before


@pytest.mark.django_db(transaction=True)
def test_a_replaced_avatar_that_cannot_be_deleted_leaves_the_saved_update_whole(auth_client, settings, caplog):
    """The update has committed when the replaced file is deleted: a storage timeout then is logged, never a 500,
    and never takes the new avatar the committed row names."""
    from django.core.files.storage import default_storage

    user = auth_client.user
    assert auth_client.patch(url(user), {"avatar": png()}, format="multipart").status_code == 200
    old = CreatorProfile.objects.get(user=user).avatar.name
    real_delete = default_storage.delete

    def delete(name):
        if name == old:
            raise TimeoutError("storage timed out")
        real_delete(name)

    with mock.patch.object(default_storage, "delete", side_effect=delete):
        response = auth_client.patch(url(user), {"avatar": png(500, 500), "bio": "New"}, format="multipart")
    assert response.status_code == 200, response.content
    profile = CreatorProfile.objects.get(user=user)
    assert profile.bio == "New" and profile.avatar.name != old
    assert default_storage.exists(profile.avatar.name)  # the new avatar the row names is still there
    assert f"file {old} was left behind" in caplog.text


# --- a display name cannot impersonate (the one validator: accounts.names) -------------------


@pytest.mark.parametrize(("raw", "code"), [("Ada ☑", "display_name_reserved"), ("\u200d", "display_name_blank")])
def test_a_creator_profile_refuses_an_impersonating_name(raw, code):
    creator = StreamFactory().creator
    before = creator.display_name
    response = client_for(creator).patch(f"/api/v1/creators/{creator.username}", {"display_name": raw}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert User.objects.get(pk=creator.pk).display_name == before


def test_a_creator_profile_stores_the_cleaned_name():
    creator = StreamFactory().creator
    response = client_for(creator).patch(
        f"/api/v1/creators/{creator.username}", {"display_name": "\u2066Ada Okafor\u2069\u200b"}, format="json"
    )
    assert response.status_code == 200 and response.json()["display_name"] == "Ada Okafor"
    assert User.objects.get(pk=creator.pk).display_name == "Ada Okafor"
