from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from streams.models import Stream, Tag
from streams.tests.factories import CategoryFactory, StreamFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/streams"


def detail(stream) -> str:
    return f"/api/v1/streams/{stream.pk}"


def future(hours: int = 24) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


# --- create -----------------------------------------------------------------------


def test_create_returns_the_owner_view_with_rtmp_details(auth_client):
    category = CategoryFactory(slug="mathematics")
    body = {
        "title": "  Quadratics  ",
        "description": "WAEC prep",
        "category": "mathematics",
        "tags": ["#WAEC", "waec", "Past  Questions"],
        "scheduled_start_time": future(),
        "visibility": "unlisted",
        "allow_gifts": False,
        "max_viewers": 500,
    }
    response = auth_client.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["title"] == "Quadratics"
    assert data["status"] == "scheduled"
    assert data["category"] == category.slug
    assert sorted(data["tags"]) == ["past questions", "waec"]
    assert data["stream_key"].startswith("live_") and len(data["stream_key"]) > 30
    assert data["rtmp_url"].startswith("rtmp://")
    assert data["creator"]["username"] == auth_client.user.username
    assert data["hls_url"] is None
    for field in ("current_viewers", "peak_viewers", "thumbnail_url", "started_at", "ended_at", "is_premium"):
        assert field in data
    assert data["allow_gifts"] is False and data["visibility"] == "unlisted" and data["max_viewers"] == 500


def test_create_needs_authentication(api_client):
    response = api_client.post(LIST, {"title": "x"}, format="json")
    assert response.status_code == 401
    assert not Stream.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "ok", "description": "x" * 2001}, "description"),
        ({"title": "ok", "category": "no-such-category"}, "category"),
        ({"title": "ok", "visibility": "secret"}, "visibility"),
        ({"title": "ok", "scheduled_start_time": "2030-01-01T10:00:00"}, "scheduled_start_time"),
        ({"title": "ok", "scheduled_start_time": "2020-01-01T10:00:00Z"}, "scheduled_start_time"),
        ({"title": "ok", "scheduled_start_time": "tomorrow"}, "scheduled_start_time"),
        ({"title": "ok", "tags": [f"tag{n}" for n in range(11)]}, "tags"),
        ({"title": "ok", "tags": ["bad<script>"]}, "tags"),
        ({"title": "ok", "tags": "not-a-list"}, "tags"),
        ({"title": "ok", "max_viewers": 0}, "max_viewers"),
        ({"title": "ok", "is_premium": "maybe"}, "is_premium"),
    ],
)
def test_create_rejects_bad_input(auth_client, body, field):
    response = auth_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Stream.objects.exists()


def test_create_rejects_malformed_json(auth_client):
    response = auth_client.post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_ten_tags_are_allowed_and_shared_between_streams(auth_client):
    tags = [f"Tag{n}" for n in range(10)]
    assert auth_client.post(LIST, {"title": "a", "tags": tags}, format="json").status_code == 201
    assert auth_client.post(LIST, {"title": "b", "tags": tags}, format="json").status_code == 201
    assert Tag.objects.count() == 10
    assert set(Tag.objects.values_list("name", flat=True)) == {t.lower() for t in tags}


# --- retrieve and visibility --------------------------------------------------------


def test_public_stream_is_visible_to_anyone_without_its_secrets(api_client):
    stream = StreamFactory()
    response = api_client.get(detail(stream))
    assert response.status_code == 200
    assert "stream_key" not in response.json() and "rtmp_url" not in response.json()


def test_other_users_do_not_see_the_stream_key(auth_client):
    stream = StreamFactory()
    assert "stream_key" not in auth_client.get(detail(stream)).json()


def test_unlisted_stream_is_reachable_by_id(api_client):
    stream = StreamFactory(visibility="unlisted")
    assert api_client.get(detail(stream)).status_code == 200


def test_private_stream_is_404_to_everyone_but_its_owner(api_client, auth_client):
    stream = StreamFactory(visibility="private")
    assert api_client.get(detail(stream)).status_code == 404
    assert auth_client.get(detail(stream)).status_code == 404
    staff = UserFactory(is_staff=True)
    assert client_for(staff).get(detail(stream)).status_code == 404
    owner = client_for(stream.creator).get(detail(stream))
    assert owner.status_code == 200
    assert owner.json()["stream_key"] == stream.stream_key


def test_unknown_or_malformed_stream_id_is_404(api_client):
    assert api_client.get("/api/v1/streams/00000000-0000-0000-0000-000000000000").json()["code"] == "not_found"
    assert api_client.get("/api/v1/streams/not-a-uuid").status_code == 404


def test_live_stream_has_an_hls_url():
    stream = StreamFactory(live=True)
    from rest_framework.test import APIClient

    assert APIClient().get(detail(stream)).json()["hls_url"].endswith(f"{stream.pk}.m3u8")


def test_the_body_says_how_far_back_a_viewer_may_seek_by_the_presets_window(settings, api_client):
    settings.HLS_DVR_SECONDS = 7200
    windows = {
        mode: api_client.get(detail(StreamFactory(live=True, latency_mode=mode))).json()["dvr_window_seconds"]
        for mode in ("low", "normal", "high")
    }
    assert windows == {"low": 0, "normal": 7200, "high": 7200}
    # The window of the preset the ladder runs in: a change of setting while live applies to the next broadcast.
    running = StreamFactory(live=True, latency_mode="low", media_app="hls_normal")
    assert api_client.get(detail(running)).json()["dvr_window_seconds"] == 7200


# --- update ---------------------------------------------------------------------------


def test_owner_can_patch_and_put(auth_client):
    CategoryFactory(slug="music")
    stream = StreamFactory(creator=auth_client.user)
    response = auth_client.patch(detail(stream), {"tags": ["Afrobeats"], "category": "music"}, format="json")
    assert response.status_code == 200
    assert response.json()["tags"] == ["afrobeats"] and response.json()["category"] == "music"
    response = auth_client.put(detail(stream), {"title": "New title", "allow_chat": False}, format="json")
    assert response.status_code == 200
    stream.refresh_from_db()
    assert stream.title == "New title" and stream.allow_chat is False
    assert stream.tags.count() == 1  # PUT leaves out what it does not send


def test_put_requires_the_title(auth_client):
    stream = StreamFactory(creator=auth_client.user)
    response = auth_client.put(detail(stream), {"description": "x"}, format="json")
    assert response.status_code == 400 and "title" in response.json()


def test_category_can_be_cleared(auth_client):
    stream = StreamFactory(creator=auth_client.user, category=CategoryFactory())
    assert auth_client.patch(detail(stream), {"category": None}, format="json").json()["category"] is None


def test_non_owner_gets_403_and_anonymous_401(api_client, auth_client):
    stream = StreamFactory(title="Original")
    assert auth_client.patch(detail(stream), {"title": "Hijack"}, format="json").status_code == 403
    assert auth_client.put(detail(stream), {"title": "Hijack"}, format="json").status_code == 403
    assert api_client.patch(detail(stream), {"title": "Hijack"}, format="json").status_code == 401
    stream.refresh_from_db()
    assert stream.title == "Original"


def test_private_stream_update_by_another_user_is_404(auth_client):
    stream = StreamFactory(visibility="private")
    assert auth_client.patch(detail(stream), {"title": "x"}, format="json").status_code == 404


def test_only_a_scheduled_stream_can_be_rescheduled(auth_client):
    stream = StreamFactory(creator=auth_client.user, live=True)
    response = auth_client.patch(detail(stream), {"scheduled_start_time": future()}, format="json")
    assert response.status_code == 400
    assert "scheduled_start_time" in response.json()


def test_rescheduling_into_the_past_is_rejected(auth_client):
    stream = StreamFactory(creator=auth_client.user)
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert auth_client.patch(detail(stream), {"scheduled_start_time": past}, format="json").status_code == 400


def test_turning_chat_off_on_a_live_stream_tells_the_room(auth_client, django_capture_on_commit_callbacks, room_events):
    stream = StreamFactory(creator=auth_client.user, live=True)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(detail(stream), {"allow_chat": False}, format="json")
    assert room_events == [(str(stream.pk), {"type": "chat_settings", "chat_enabled": False})]


# --- lifecycle ------------------------------------------------------------------------


def test_start_then_stop(auth_client, django_capture_on_commit_callbacks, room_events):
    stream = StreamFactory(creator=auth_client.user)
    with django_capture_on_commit_callbacks(execute=True):
        started = auth_client.post(f"{detail(stream)}/status", {"action": "start"}, format="json")
    assert started.status_code == 200
    assert started.json()["status"] == "live" and started.json()["started_at"]
    assert room_events == [(str(stream.pk), {"type": "stream_status", "status": "live"})]
    stopped = auth_client.post(f"{detail(stream)}/status", {"action": "stop"}, format="json")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "ended" and stopped.json()["ended_at"]
    assert stopped.json()["current_viewers"] == 0


@pytest.mark.parametrize(
    ("traits", "action"),
    [({}, "stop"), ({"live": True}, "start"), ({"ended": True}, "start"), ({"ended": True}, "stop")],
)
def test_other_moves_are_409_invalid_transition(auth_client, traits, action):
    stream = StreamFactory(creator=auth_client.user, **traits)
    before = stream.status
    response = auth_client.post(f"{detail(stream)}/status", {"action": action}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    stream.refresh_from_db()
    assert stream.status == before


def test_unknown_or_missing_action_is_400(auth_client):
    stream = StreamFactory(creator=auth_client.user)
    assert (
        auth_client.post(f"{detail(stream)}/status", {"action": "pause"}, format="json").json()["code"]
        == "invalid_action"
    )
    assert auth_client.post(f"{detail(stream)}/status", {}, format="json").status_code == 400


def test_only_the_owner_changes_status(api_client, auth_client):
    stream = StreamFactory()
    assert auth_client.post(f"{detail(stream)}/status", {"action": "start"}, format="json").status_code == 403
    assert api_client.post(f"{detail(stream)}/status", {"action": "start"}, format="json").status_code == 401
    stream.refresh_from_db()
    assert stream.status == "scheduled"


def test_rotate_key_is_owner_only_and_changes_the_key(auth_client):
    stream = StreamFactory(creator=auth_client.user)
    old = stream.stream_key
    response = auth_client.post(f"{detail(stream)}/rotate-key")
    assert response.status_code == 200
    assert response.json()["stream_key"] != old
    other = StreamFactory()
    assert auth_client.post(f"{detail(other)}/rotate-key").status_code == 403


def test_delete_a_scheduled_stream_but_not_a_live_one(auth_client):
    scheduled = StreamFactory(creator=auth_client.user)
    live = StreamFactory(creator=auth_client.user, live=True)
    assert auth_client.delete(detail(scheduled)).status_code == 204
    assert auth_client.delete(detail(live)).status_code == 409
    assert auth_client.delete(detail(StreamFactory())).status_code == 403
    assert list(Stream.objects.filter(creator=auth_client.user)) == [live]


# --- premium and price ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "ok", "is_premium": True}, "price_required"),
        ({"title": "ok", "is_premium": True, "price_coins": None}, "price_required"),
        ({"title": "ok", "price_coins": 50}, "price_without_premium"),
        ({"title": "ok", "is_premium": False, "price_coins": 50}, "price_without_premium"),
    ],
)
def test_premium_and_price_must_agree_on_create(auth_client, body, code):
    response = auth_client.post(LIST, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert "__all__" not in data and "price_coins" in data
    assert "premium" in data["price_coins"][0].lower() and "violated" not in data["price_coins"][0]
    assert data["code"] == code
    assert not Stream.objects.exists()


def test_a_premium_stream_with_a_price_is_created(auth_client):
    response = auth_client.post(LIST, {"title": "ok", "is_premium": True, "price_coins": 50}, format="json")
    assert response.status_code == 201 and response.json()["price_coins"] == 50


@pytest.mark.parametrize(
    ("premium", "body", "code"),
    [
        (False, {"is_premium": True}, "price_required"),
        (True, {"price_coins": None}, "price_required"),
        (False, {"price_coins": 10}, "price_without_premium"),
        (True, {"is_premium": False, "price_coins": 10}, "price_without_premium"),
    ],
)
def test_premium_and_price_must_agree_on_update(auth_client, premium, body, code):
    stream = StreamFactory(creator=auth_client.user, is_premium=premium, price_coins=25 if premium else None)
    for method in (auth_client.patch, auth_client.put):
        response = method(detail(stream), {"title": stream.title, **body}, format="json")
        assert response.status_code == 400, response.json()
        assert list(response.json()) == ["price_coins", "code"] and response.json()["code"] == code
    stream.refresh_from_db()
    assert stream.is_premium is premium and stream.price_coins == (25 if premium else None)


def test_a_stream_made_free_drops_its_price(auth_client):
    stream = StreamFactory(creator=auth_client.user, is_premium=True, price_coins=25)
    response = auth_client.patch(detail(stream), {"is_premium": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_premium"] is False and response.json()["price_coins"] is None
    response = auth_client.patch(detail(stream), {"is_premium": True, "price_coins": 40}, format="json")
    assert response.status_code == 200 and response.json()["price_coins"] == 40


def test_a_live_stream_made_private_tells_the_room(auth_client, django_capture_on_commit_callbacks, room_events):
    stream = StreamFactory(creator=auth_client.user, live=True, title="Maths")
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(detail(stream), {"visibility": "private", "title": "Maths"}, format="json")
    assert room_events == [(str(stream.pk), {"type": "stream_updated", "visibility": "private"})]


@pytest.mark.parametrize(
    ("traits", "action", "detail_text"),
    [
        ({"ended": True}, "stop", "An ended stream cannot be stopped."),
        ({"ended": True}, "start", "An ended stream cannot be started."),
        ({"live": True}, "start", "A live stream cannot be started."),
        ({}, "stop", "A scheduled stream cannot be stopped."),
    ],
)
def test_a_refused_move_names_the_status_in_good_english(auth_client, traits, action, detail_text):
    stream = StreamFactory(creator=auth_client.user, **traits)
    response = auth_client.post(f"{detail(stream)}/status", {"action": action}, format="json")
    assert response.json()["detail"] == detail_text
