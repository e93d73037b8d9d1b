"""The studio's recordings and clips pages (/studio/recordings/): the creator's own only, any status, expiry from
the one retention rule, play links, delete through the services, retention, cutting a clip."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from streams.models import Clip, CreatorProfile, Recording
from streams.services import creator_profile_ensure
from streams.services.media import recordings_prune
from streams.tests.factories import StreamFactory, UserFactory
from streams.tests.test_media_services import ready_recording

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _clip(recording, **fields):
    clip = Clip.objects.create(
        stream=recording.stream,
        recording=recording,
        created_by=recording.stream.creator,
        start_seconds=fields.pop("start_seconds", 12),
        duration_seconds=fields.pop("duration_seconds", 20),
        **{"status": Clip.Status.READY, **fields},
    )
    if clip.status == Clip.Status.READY:
        clip.file.save("clip.mp4", ContentFile(b"clip"))
    return clip


def test_the_pages_need_sign_in(client):
    recording = ready_recording(StreamFactory(ended=True))
    for url in (reverse("studio-recordings"), reverse("studio-recording", args=[recording.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_shows_only_the_creators_own_with_status_size_and_expiry(client, creator, settings):
    settings.RECORDING_RETENTION_DAYS = 90
    mine = ready_recording(StreamFactory(creator=creator, ended=True, title="Yoruba lesson"), size_bytes=5_000_000)
    Recording.objects.create(
        stream=StreamFactory(creator=creator, ended=True, title="Still cooking"), source_path="/x/a.flv"
    )
    Recording.objects.create(
        stream=StreamFactory(creator=creator, ended=True, title="Broken one"),
        source_path="/x/b.flv",
        status=Recording.Status.FAILED,
        error="The recording holds no video.",
    )
    ready_recording(StreamFactory(ended=True, title="Somebody else's"))
    _clip(mine, title="The best bit")
    response = client.get(reverse("studio-recordings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Yoruba lesson" in body and "Still cooking" in body and "Broken one" in body
    assert "Somebody else" not in body
    assert "Processing…" in body and "Failed" in body and "The recording holds no video." in body
    assert "4.8\xa0MB" in body and "2:00" in body
    expires = mine.created_at + timedelta(days=90)
    row = next(row for row in response.context["recording_rows"] if row["recording"] == mine)
    assert row["expires_at"] == expires
    shown = timezone.localtime(expires, ZoneInfo(django_settings.DISPLAY_TIME_ZONE))  # the page's zone, not UTC
    assert "Deleted on <time" in body and f"{shown.day} {shown:%b %Y}" in body
    assert "The best bit" in body and body.count("<video") == 2  # the ready recording and the ready clip
    assert response.context["polling"] is True
    assert "data-poll-processing" in body


def test_the_list_runs_a_fixed_number_of_queries(client, creator, django_assert_max_num_queries):
    for _ in range(5):
        _clip(ready_recording(StreamFactory(creator=creator, ended=True)))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("studio-recordings")).status_code == 200


def test_another_creators_recording_or_clip_is_not_found(client, creator):
    recording = ready_recording(StreamFactory(ended=True))
    clip = _clip(recording)
    for url in (
        reverse("studio-recording", args=[recording.pk]),
        reverse("studio-recording-delete", args=[recording.pk]),
        reverse("studio-clip-delete", args=[clip.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert (
        client.post(reverse("studio-recording-retention", args=[recording.pk]), {"recording-days": 5}).status_code
        == 404
    )
    assert Recording.objects.filter(pk=recording.pk).exists() and Clip.objects.filter(pk=clip.pk).exists()


def test_deleting_a_recording_asks_first_then_removes_it_its_clips_and_files(
    client, creator, django_capture_on_commit_callbacks
):
    recording = ready_recording(StreamFactory(creator=creator, ended=True, title="Old lesson"))
    clip = _clip(recording)
    files = [recording.file.name, clip.file.name]
    confirm = client.get(reverse("studio-recording-delete", args=[recording.pk]))
    assert confirm.status_code == 200 and "with the 1 clip cut from it" in confirm.content.decode()
    assert Recording.objects.filter(pk=recording.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studio-recording-delete", args=[recording.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("studio-recordings")
    assert "were deleted" in response.content.decode()
    assert not Recording.objects.filter(pk=recording.pk).exists() and not Clip.objects.filter(pk=clip.pk).exists()
    assert not any(default_storage.exists(name) for name in files)


def test_deleting_a_clip_keeps_its_recording(client, creator, django_capture_on_commit_callbacks):
    recording = ready_recording(StreamFactory(creator=creator, ended=True))
    clip = _clip(recording, title="Goal")
    assert "Delete the clip “Goal”?" in client.get(reverse("studio-clip-delete", args=[clip.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("studio-clip-delete", args=[clip.pk]))
    assert not Clip.objects.filter(pk=clip.pk).exists() and Recording.objects.filter(pk=recording.pk).exists()
    assert not default_storage.exists(clip.file.name)


def test_the_channels_retention_is_saved_on_the_profile_and_moves_every_expiry(client, creator, settings):
    settings.RECORDING_RETENTION_DAYS = 90
    recording = ready_recording(StreamFactory(creator=creator, ended=True))
    response = client.post(reverse("studio-recordings"), {"channel-days": "14"}, follow=True)
    assert CreatorProfile.objects.get(user=creator).recording_retention_days == 14
    assert "kept 14 days" in response.content.decode()
    assert response.context["recording_rows"][0]["expires_at"] == recording.created_at + timedelta(days=14)
    client.post(reverse("studio-recordings"), {"channel-days": ""})
    assert CreatorProfile.objects.get(user=creator).recording_retention_days is None
    refused = client.post(reverse("studio-recordings"), {"channel-days": "0"})
    assert refused.status_code == 200 and refused.context["retention_form"].errors["days"]


def test_a_recordings_own_retention_wins_and_the_prune_applies_the_same_rule(client, creator, settings):
    settings.RECORDING_RETENTION_DAYS = 90
    profile = creator_profile_ensure(user=creator)
    profile.recording_retention_days = 7
    profile.save()
    kept = ready_recording(StreamFactory(creator=creator, ended=True), age=timedelta(days=30))
    gone = ready_recording(StreamFactory(creator=creator, ended=True), age=timedelta(days=30))
    shortened = ready_recording(StreamFactory(creator=creator, ended=True), age=timedelta(days=5))
    client.post(reverse("studio-recording-retention", args=[kept.pk]), {"recording-days": "365"})
    client.post(reverse("studio-recording-retention", args=[shortened.pk]), {"recording-days": "2"})
    page = client.get(reverse("studio-recording", args=[kept.pk]))
    assert page.context["expires_at"] == kept.created_at + timedelta(days=365)
    assert recordings_prune() == 2
    assert list(Recording.objects.all()) == [kept]
    assert not Recording.objects.filter(pk__in=[gone.pk, shortened.pk]).exists()
    client.post(reverse("studio-recording-retention", args=[kept.pk]), {"recording-days": ""})
    kept.refresh_from_db()
    assert kept.retention_days is None
    response = client.post(
        reverse("studio-recording-retention", args=[kept.pk]), {"recording-days": "4000"}, follow=True
    )
    assert "3650" in response.content.decode()


def test_cutting_a_clip_queues_it_through_the_clip_service(client, creator, django_capture_on_commit_callbacks):
    recording = ready_recording(StreamFactory(creator=creator, ended=True), duration=300.0)
    page = client.get(reverse("studio-recording", args=[recording.pk]))
    body = page.content.decode()
    assert 'id="clip-source"' in body and 'data-max="60"' in body and 'type="range"' in body
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("studio-recording", args=[recording.pk]), {"start": "42.5", "duration": "20", "title": "Drum solo"}
        )
    assert response.status_code == 302 and response["Location"].endswith("#clips-heading")
    clip = Clip.objects.get()
    assert (clip.recording, clip.start_seconds, clip.duration_seconds, clip.title, clip.status) == (
        recording,
        42.5,
        20.0,
        "Drum solo",
        Clip.Status.PROCESSING,
    )
    assert callbacks  # the cut is queued once the clip is stored


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start": "0", "duration": "61"}, "duration"),
        ({"start": "0", "duration": "0.1"}, "duration"),
        ({"start": "290", "duration": "30"}, "start"),
        ({"start": "-1", "duration": "10"}, "start"),
    ],
)
def test_a_clip_outside_the_rules_is_refused_on_its_field(client, creator, data, field):
    recording = ready_recording(StreamFactory(creator=creator, ended=True), duration=300.0)
    response = client.post(reverse("studio-recording", args=[recording.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not Clip.objects.exists()


def test_a_recording_still_processing_offers_no_cut(client, creator):
    recording = Recording.objects.create(stream=StreamFactory(creator=creator, ended=True), source_path="/x/c.flv")
    body = client.get(reverse("studio-recording", args=[recording.pk])).content.decode()
    assert "still being made" in body and "clip-source" not in body
    response = client.post(reverse("studio-recording", args=[recording.pk]), {"start": "0", "duration": "5"})
    assert response.status_code == 302 and not Clip.objects.exists()


def test_the_nav_marks_recordings(client, creator):
    body = client.get(reverse("studio-recordings")).content.decode()
    assert f'href="{reverse("studio-recordings")}" aria-current="page"' in body
