"""Staff edits in the stream admin go through the stream services: the same rules and room events as the API."""

from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Clip, CreatorProfile, Recording, Stream
from streams.tests.factories import CategoryFactory, StreamFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/streams/stream/"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_url(stream) -> str:
    return f"/admin/streams/stream/{stream.pk}/change/"


def form_data(stream, **changes) -> dict:
    """What the change form posts for ``stream`` as stored, with ``changes`` made by staff."""
    data = {
        "title": stream.title,
        "description": stream.description,
        "category": stream.category_id or "",
        "tags": [tag.pk for tag in stream.tags.all()],
        "scheduled_start_time_0": "",
        "scheduled_start_time_1": "",
        "is_premium": stream.is_premium,
        "price_coins": stream.price_coins if stream.price_coins is not None else "",
        "allow_chat": stream.allow_chat,
        "allow_gifts": stream.allow_gifts,
        "visibility": stream.visibility,
        "max_viewers": stream.max_viewers or "",
        "latency_mode": stream.latency_mode,
    }
    data.update(changes)
    # A checkbox left unticked is not posted at all.
    return {key: value for key, value in data.items() if value is not False}


def test_a_live_stream_made_private_in_the_admin_tells_the_room(
    staff_client, django_capture_on_commit_callbacks, room_events
):
    stream = StreamFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(change_url(stream), form_data(stream, visibility="private"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Stream.objects.get(pk=stream.pk).visibility == "private"
    assert room_events == [(str(stream.pk), {"type": "stream_updated", "visibility": "private"})]


def test_turning_chat_off_in_the_admin_tells_the_room(staff_client, django_capture_on_commit_callbacks, room_events):
    stream = StreamFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(change_url(stream), form_data(stream, allow_chat=False))
    assert room_events == [(str(stream.pk), {"type": "chat_settings", "chat_enabled": False})]


def test_premium_without_a_price_is_refused_beside_the_price(staff_client):
    stream = StreamFactory()
    response = staff_client.post(change_url(stream), form_data(stream, is_premium=True))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "price_coins" in errors and "premium stream needs a price" in errors["price_coins"][0]
    assert "violated" not in str(errors)
    assert Stream.objects.get(pk=stream.pk).is_premium is False


@pytest.mark.parametrize("changes", [{"is_premium": True, "price_coins": 10}, {"latency_mode": "low"}])
def test_premium_and_latency_are_fixed_while_an_encoder_publishes(staff_client, changes):
    stream = StreamFactory(live=True, publisher_client_id="42", media_app="hls_normal")
    response = staff_client.post(change_url(stream), form_data(stream, **changes))
    assert response.status_code == 200
    assert "Stop the broadcast to change" in str(response.context["adminform"].form.non_field_errors())
    stored = Stream.objects.get(pk=stream.pk)
    assert (stored.is_premium, stored.latency_mode) == (False, "normal")


def test_the_status_cannot_be_edited_in_the_form(staff_client):
    stream = StreamFactory()
    response = staff_client.post(change_url(stream), form_data(stream, status="live", title="Renamed"))
    assert response.status_code == 302
    stored = Stream.objects.get(pk=stream.pk)
    assert stored.status == "scheduled" and stored.started_at is None and stored.title == "Renamed"


def test_the_stop_action_ends_a_live_stream_through_its_service(
    staff_client, django_capture_on_commit_callbacks, room_events
):
    stream = StreamFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(CHANGELIST, {"action": "stop_streams", "_selected_action": [stream.pk]})
    stored = Stream.objects.get(pk=stream.pk)
    assert stored.status == "ended" and stored.ended_at is not None
    assert room_events == [(str(stream.pk), {"type": "stream_status", "status": "ended"})]


def test_an_invalid_move_is_refused_with_a_message(staff_client):
    ended = StreamFactory(ended=True)
    scheduled = StreamFactory()
    response = staff_client.post(
        CHANGELIST, {"action": "start_streams", "_selected_action": [ended.pk, scheduled.pk]}, follow=True
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("An ended stream cannot be started." in message for message in shown)
    assert any("1 stream(s) started." in message for message in shown)
    assert Stream.objects.get(pk=ended.pk).status == "ended"
    assert Stream.objects.get(pk=scheduled.pk).status == "live"


def test_a_stream_added_in_the_admin_is_made_by_its_service(staff_client):
    creator = UserFactory()
    CreatorProfile.objects.filter(user=creator).delete()
    category = CategoryFactory()
    start = timezone.localtime(timezone.now() + timezone.timedelta(days=2))
    data = form_data(
        Stream(title="Staff-made"),
        creator=creator.pk,
        category=category.pk,
        scheduled_start_time_0=start.strftime("%Y-%m-%d"),
        scheduled_start_time_1=start.strftime("%H:%M:%S"),
        is_premium=True,
        price_coins=30,
    )
    data.pop("tags")
    response = staff_client.post("/admin/streams/stream/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stream = Stream.objects.get(title="Staff-made")
    assert stream.creator == creator and stream.category == category and stream.price_coins == 30
    assert stream.stream_key.startswith("live_") and CreatorProfile.objects.filter(user=creator).exists()


def test_a_stream_added_in_the_admin_obeys_the_same_rules(staff_client):
    data = form_data(Stream(title="Free with a price"), creator=UserFactory().pk, price_coins=30)
    data.pop("tags")
    response = staff_client.post("/admin/streams/stream/add/", data)
    assert response.status_code == 200 and "price_coins" in response.context["adminform"].form.errors
    assert not Stream.objects.exists()


def test_a_refusal_under_the_lock_saves_nothing_and_says_why(staff_client):
    """The form's check passed, then an encoder connected before the row was locked: the service refuses."""
    from livestream.errors import Conflict

    stream = StreamFactory(title="Before")
    refusal = Conflict("Stop the broadcast to change latency_mode.", code="stream_publishing")
    with mock.patch("streams.admin.stream_update", side_effect=refusal):
        response = staff_client.post(change_url(stream), form_data(stream, title="After"), follow=True)
    assert response.status_code == 200
    assert any("Nothing was saved: Stop the broadcast" in str(m) for m in response.context["messages"])
    assert Stream.objects.get(pk=stream.pk).title == "Before"


# --- Deletes go through the services ---------------------------------------------------------------


def stored(name: str, content: bytes = b"x") -> str:
    return default_storage.save(name, ContentFile(content))


def exists(name: str) -> bool:
    return default_storage.exists(name)


def recording_with_clip(stream, tmp_path):
    flv = tmp_path / f"{stream.pk}.flv"
    flv.write_bytes(b"flv")
    recording = Recording.objects.create(
        stream=stream, source_path=str(flv), status="ready", file=stored("private/recordings/r.mp4"),
        thumbnail=stored("recordings/r.webp"),
    )  # fmt: skip
    clip = Clip.objects.create(
        stream=stream, recording=recording, created_by=stream.creator, start_seconds=0, duration_seconds=5,
        status="ready", file=stored("private/clips/c.mp4"),
    )  # fmt: skip
    return recording, clip, flv


def test_a_live_stream_cannot_be_deleted_in_the_admin(staff_client):
    stream = StreamFactory(live=True)
    page = staff_client.get(f"/admin/streams/stream/{stream.pk}/delete/")
    assert "live; stop it before deleting it" in page.content.decode()
    staff_client.post(f"/admin/streams/stream/{stream.pk}/delete/", {"post": "yes"})
    assert Stream.objects.filter(pk=stream.pk).exists()


def test_a_live_stream_is_kept_by_the_bulk_delete(staff_client):
    live, ended = StreamFactory(live=True), StreamFactory(ended=True)
    action = {"action": "delete_selected", "_selected_action": [live.pk, ended.pk], "post": "yes"}
    page = staff_client.post(CHANGELIST, action)
    assert "live; stop it before deleting it" in page.content.decode()
    assert set(Stream.objects.values_list("pk", flat=True)) == {live.pk, ended.pk}


def test_a_stream_deleted_in_the_admin_takes_its_files_after_commit(
    staff_client, django_capture_on_commit_callbacks, tmp_path
):
    stream = StreamFactory(ended=True)
    recording, clip, flv = recording_with_clip(stream, tmp_path)
    names = [recording.file.name, recording.thumbnail.name, clip.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/streams/stream/{stream.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Stream.objects.filter(pk=stream.pk).exists()
    assert not any(exists(name) for name in names) and not flv.exists()


def test_a_recording_deleted_in_the_admin_takes_its_files_and_its_clips(
    staff_client, django_capture_on_commit_callbacks, tmp_path
):
    recording, clip, flv = recording_with_clip(StreamFactory(ended=True), tmp_path)
    names = [recording.file.name, recording.thumbnail.name, clip.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/streams/recording/{recording.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Recording.objects.exists() and not Clip.objects.exists()
    assert not any(exists(name) for name in names) and not flv.exists()


def test_clips_deleted_in_the_admin_take_their_files(staff_client, django_capture_on_commit_callbacks, tmp_path):
    recording, clip, _ = recording_with_clip(StreamFactory(ended=True), tmp_path)
    action = {"action": "delete_selected", "_selected_action": [clip.pk], "post": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/streams/clip/", action)
    assert response.status_code == 302
    assert not Clip.objects.exists() and not exists(clip.file.name)
    assert exists(recording.file.name)
