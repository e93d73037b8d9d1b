"""Recordings and clips are gated files: stored under the private prefix that nothing serves as it is, reached
by signed, expiring links to a view that checks the viewer still may watch (nginx sends the bytes under make
serve); on object storage, the storage's own signed URL."""

import re
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.tests.factories import UserFactory
from conftest import client_for
from livestream import private_files
from streams.models import Clip, Recording, Stream, StreamAccess
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

VIDEO = b"\x00\x00\x00\x18ftypmp42 not really a video"


def premium_ended(**extra) -> Stream:
    return StreamFactory(ended=True, is_premium=True, price_coins=20, **extra)


def recording_of(stream) -> Recording:
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path=f"/nowhere/{stream.pk}.flv", duration_seconds=60
    )
    recording.file.save("recording.mp4", ContentFile(VIDEO))
    return recording


def clip_of(recording) -> Clip:
    clip = Clip.objects.create(
        stream=recording.stream,
        recording=recording,
        created_by=recording.stream.creator,
        start_seconds=0,
        duration_seconds=10,
        status=Clip.Status.READY,
    )
    clip.file.save("clip.mp4", ContentFile(VIDEO))
    return clip


def buyer_of(stream):
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")
    stream_access_buy(stream=stream, user=fan)
    return fan


def recording_url(stream, user=None) -> str | None:
    client = client_for(user) if user else Client()
    return client.get(f"/api/v1/streams/{stream.pk}/recordings").json()[0]["url"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_recordings_and_clips_are_stored_under_the_private_prefix_which_media_never_serves(settings):
    settings.DEBUG = True  # the development server's /media/
    recording = recording_of(premium_ended())
    clip = clip_of(recording)
    assert recording.file.name.startswith("private/recordings/") and clip.file.name.startswith("private/clips/")
    for name in (recording.file.name, clip.file.name, f"thumbnails/../{recording.file.name}"):
        assert Client().get(f"/media/{name}").status_code == 404
    public = default_storage.save("thumbnails/x/picture.webp", ContentFile(b"webp"))
    assert Client().get(f"/media/{public}").status_code == 200  # public files are still served in development


def test_a_signed_link_serves_a_premium_recording_to_a_viewer_with_access():
    stream = premium_ended()
    recording = recording_of(stream)
    fan = buyer_of(stream)
    url = recording_url(stream, fan)
    assert "/media/" not in url and recording.file.name not in url
    response = Client().get(url)  # as a <video> element fetches it: the link alone, no Authorization header
    assert response.status_code == 200 and body(response) == VIDEO
    assert response["Content-Type"] == "video/mp4" and response["Cache-Control"] == "private"
    assert recording_url(stream) is None and recording_url(stream, UserFactory()) is None


def test_a_player_can_seek_in_a_recording_by_byte_ranges():
    stream = StreamFactory(ended=True)
    recording_of(stream)
    url = recording_url(stream)
    response = Client().get(url, headers={"range": "bytes=4-11"})  # a seek: the player asks for a part
    assert response.status_code == 206 and body(response) == VIDEO[4:12]
    assert response["Content-Range"] == f"bytes 4-11/{len(VIDEO)}" and response["Accept-Ranges"] == "bytes"
    assert Client().get(url, headers={"range": f"bytes={len(VIDEO)}-"}).status_code == 416
    head = Client().head(url, headers={"range": "bytes=0-0"})
    assert head.status_code == 206 and head["Content-Length"] == "1" and body(head) == b""


def test_a_free_streams_recording_is_linked_for_everyone():
    stream = StreamFactory(ended=True)
    recording_of(stream)
    response = Client().get(recording_url(stream))
    assert response.status_code == 200 and body(response) == VIDEO


def test_an_expired_or_tampered_link_is_refused(settings):
    stream = premium_ended()
    recording_of(stream)
    url = recording_url(stream, stream.creator)
    prefix, token, filename = url.rsplit("/", 2)
    for forged in (token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"), token[3:], "nonsense"):
        assert Client().get(f"{prefix}/{forged}/{filename}").status_code == 403
    later = time.time() + settings.PROTECTED_MEDIA_MAX_AGE + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert Client().get(url).status_code == 403
    assert Client().get(url).status_code == 200


def test_a_link_stops_working_when_its_viewer_may_no_longer_watch():
    stream = premium_ended()
    recording_of(stream)
    fan = buyer_of(stream)
    url = recording_url(stream, fan)
    StreamAccess.objects.filter(user=fan).delete()  # refunded
    assert Client().get(url).status_code == 403

    free = StreamFactory(ended=True)
    recording_of(free)
    url = recording_url(free)
    Stream.objects.filter(pk=free.pk).update(visibility=Stream.Visibility.PRIVATE)
    assert Client().get(url).status_code == 403


def test_a_deleted_recordings_link_finds_nothing():
    stream = StreamFactory(ended=True)
    recording = recording_of(stream)
    url = recording_url(stream)
    default_storage.delete(recording.file.name)
    assert Client().get(url).status_code == 404


def test_clips_are_gated_alike():
    stream = premium_ended()
    clip_of(recording_of(stream))
    fan = buyer_of(stream)
    rows = client_for(fan).get(f"/api/v1/streams/{stream.pk}/clips").json()
    response = Client().get(rows[0]["url"])
    assert response.status_code == 200 and body(response) == VIDEO
    assert Client().get(f"/api/v1/streams/{stream.pk}/clips").json()[0]["url"] is None


def test_the_stream_page_plays_recordings_and_clips_by_signed_links():
    stream = premium_ended()
    recording = recording_of(stream)
    clip = clip_of(recording)
    fan = buyer_of(stream)
    client = Client()
    client.force_login(fan)
    html = client.get(f"/streams/{stream.pk}/").content.decode()
    assert recording.file.name not in html and clip.file.name not in html
    assert html.count("/files/") >= 2


def test_under_nginx_the_bytes_go_by_an_internal_redirect(settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected-media/"
    stream = StreamFactory(ended=True)
    recording = recording_of(stream)
    response = Client().get(recording_url(stream))
    assert response.status_code == 200 and body(response) == b""
    assert response["X-Accel-Redirect"] == "/_protected-media/" + recording.file.name.removeprefix("private/")
    assert response["Content-Type"] == "video/mp4"


def test_nginx_never_serves_the_private_prefix_and_keeps_the_internal_location_internal():
    conf = (Path(django_settings.BASE_DIR) / "deploy" / "nginx.conf.template").read_text()
    private = conf.split("location /media/private/", 1)[1].split("\n        }", 1)[0]
    assert "return 404;" in private
    internal = conf.split("location /_protected-media/", 1)[1].split("\n        }", 1)[0]
    assert "internal;" in internal and "alias ${MEDIA_ROOT}/private/;" in internal


def test_on_object_storage_the_storages_own_signed_url_is_handed_out():
    stream = StreamFactory(ended=True)
    recording = recording_of(stream)
    signed = "https://bucket.example.com/private/recordings/x.mp4?X-Amz-Signature=abc&X-Amz-Expires=21600"
    with (
        mock.patch.object(private_files, "storage_signs_urls", return_value=True),
        mock.patch.object(default_storage, "url", return_value=signed) as url,
    ):
        assert recording_url(stream) == signed
    url.assert_called_once_with(recording.file.name)


def admin_file_link(client, item) -> str:
    """The file link on a recording's or clip's admin page."""
    page = client.get(f"/admin/streams/{item._meta.model_name}/{item.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert item.file.name not in html  # never the storage path (/media/private/... is a 404)
    links = re.findall(r'<a href="([^"]+)">' + re.escape(item.file.name.rsplit("/", 1)[1]) + "</a>", html)
    assert len(links) == 1, html
    return links[0]


def test_staff_watch_any_recording_or_clip_from_the_admin_by_a_signed_link():
    stream = premium_ended(visibility=Stream.Visibility.PRIVATE)  # neither theirs, nor bought, nor visible
    recording = recording_of(stream)
    clip = clip_of(recording)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    for item in (recording, clip):
        opened = client.get(admin_file_link(client, item))
        assert opened.status_code == 302 and "/files/" in opened["Location"]
        response = Client().get(opened["Location"])  # as the browser's <video> or a download follows it
        assert response.status_code == 200 and body(response) == VIDEO

    signed = client.get(admin_file_link(client, recording))["Location"]
    staff.is_staff = False  # a link made for staff closes when they stop being staff
    staff.save(update_fields=["is_staff"])
    assert Client().get(signed).status_code == 403


def test_the_admin_file_link_opens_for_staff_who_may_view_the_recording_only():
    recording = recording_of(premium_ended())
    url = f"/admin/streams/recording/{recording.pk}/file/"
    viewer = Client()
    viewer.force_login(UserFactory())  # not staff: the admin's login page, no link
    response = viewer.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    no_permission = Client()
    no_permission.force_login(UserFactory(is_staff=True))
    assert no_permission.get(url).status_code == 403
    superuser = Client()
    superuser.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert superuser.get("/admin/streams/recording/00000000-0000-0000-0000-000000000000/file/").status_code == 404
    Recording.objects.filter(pk=recording.pk).update(file="")
    assert superuser.get(url).status_code == 404
