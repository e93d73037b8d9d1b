"""WebRTC playback against a real Janus (manage.py webrtcedge on free ports): mountpoints made at publish and
gone at the end, the reconcile job both ways, ingest port allocation, the setting that turns it off, and the
signalling API's grants (tampered, expired, another stream's or viewer's) and access checks."""

import time
from pathlib import Path
from unittest import mock

import pytest
from django.core import signing
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import client_for
from livestream.celery import app as celery_app
from streams.media import janus
from streams.models import Stream, WebRTCMount
from streams.services.media import publishing
from streams.services.media.webrtc import (
    GRANT_SALT,
    ingest_slots,
    ports_file,
    webrtc_mount_close,
    webrtc_mount_open,
    webrtc_mounts_reconcile,
)
from streams.tests.factories import StreamFactory, UserFactory
from streams.tests.processes import janus_edge, janus_environment

pytestmark = [pytest.mark.needs_media, pytest.mark.timeout(120)]

# What a browser answers to Janus's offer is irrelevant to the grant checks below; a real one is in the e2e test.
SOME_SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    if janus.missing_tools():
        pytest.skip("needs Debian's janus")
    root = tmp_path_factory.mktemp("webrtc")
    with janus_edge(janus_environment(root)) as running:
        yield running


@pytest.fixture
def webrtc(edge, settings):
    """Django configured for the test's Janus, WebRTC on; every mountpoint gone from Janus afterwards."""
    for name, value in edge.environment.items():
        setattr(settings, name, int(value) if name.endswith("_PORT") else value)
    settings.MEDIA_SERVER_ROOT = Path(edge.environment["MEDIA_SERVER_ROOT"])
    settings.JANUS_SECRETS_FILE = Path(edge.environment["JANUS_SECRETS_FILE"])
    settings.WEBRTC_ENABLED = True
    if not edge.answers():
        edge.start()
    yield edge
    if not edge.answers():
        edge.start()
    secret = janus.edge_secrets()["admin_secret"]
    for session_id in session_ids():
        janus._call(
            janus._base(admin=True), {"janus": "destroy_session", "session_id": session_id, "admin_secret": secret}
        )
    for janus_id in janus.mount_ids():
        janus.admin_request({"request": "destroy", "id": janus_id, "secret": _secret(janus_id)})


def _secret(janus_id: int) -> str:
    from streams.services.media.webrtc import mount_secret

    return mount_secret(janus_id)


def live_stream(**fields) -> Stream:
    return StreamFactory(live=True, publisher_client_id="7", media_app="hls_normal", **fields)


def session_ids() -> set[int]:
    edge = janus.edge_secrets()
    answer = janus._call(janus._base(admin=True), {"janus": "list_sessions", "admin_secret": edge["admin_secret"]})
    return set(answer.get("sessions", []))


# --- Mountpoints -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_makes_the_mountpoint_and_the_ports_file_before_the_hook_answers(webrtc):
    stream = StreamFactory(stream_key="k-1")
    publishing.publish_begin(key="k-1", client_id="11")
    mount = WebRTCMount.objects.get(stream=stream)
    assert mount.janus_id in janus.mount_ids()
    assert mount.created_in_janus_at is not None
    assert ports_file(stream.pk).read_text().split() == [str(mount.video_port), str(mount.audio_port)]
    info = janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)
    assert info["pin"] == mount.pin and [m["port"] for m in info["media"]] == [mount.video_port, mount.audio_port]


@pytest.mark.django_db
def test_two_live_streams_get_different_ports_and_a_full_range_refuses_a_third(webrtc, settings):
    low = int(settings.WEBRTC_INGEST_PORT_RANGE.split("-")[0])
    settings.WEBRTC_INGEST_PORT_RANGE = f"{low}-{low + 7}"  # two slots of four ports
    assert ingest_slots() == 2
    first, second, third = live_stream(), live_stream(), live_stream()
    one, two = webrtc_mount_open(stream_id=first.pk), webrtc_mount_open(stream_id=second.pk)
    assert {one.video_port, one.audio_port}.isdisjoint({two.video_port, two.audio_port})
    assert webrtc_mount_open(stream_id=third.pk) is None
    # The first ends: its ports go back to the pool, and the third stream gets them.
    Stream.objects.filter(pk=first.pk).update(status=Stream.Status.ENDED, ended_at=timezone.now())
    assert webrtc_mount_close(stream_id=first.pk)
    assert not ports_file(first.pk).exists()
    assert webrtc_mount_open(stream_id=third.pk).port_base == one.port_base


@pytest.mark.django_db
def test_a_bad_port_range_leaves_the_publish_to_hls(webrtc, settings):
    settings.WEBRTC_INGEST_PORT_RANGE = "21000"
    stream = StreamFactory(stream_key="k-4")
    assert publishing.publish_begin(key="k-4", client_id="14") == f"hls_normal.{stream.pk}"
    assert not WebRTCMount.objects.exists()


@pytest.mark.django_db
def test_a_reconnecting_encoder_keeps_its_mount(webrtc):
    stream = live_stream()
    before = webrtc_mount_open(stream_id=stream.pk)
    again = webrtc_mount_open(stream_id=stream.pk)
    assert (again.pk, again.port_base, again.janus_id) == (before.pk, before.port_base, before.janus_id)
    assert janus.mount_ids() == {before.janus_id}


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_stream_destroys_its_mountpoint(webrtc, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker here: the encoder's goodbye ends the stream at once
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        _end_destroys_mountpoint()
    finally:
        celery_app.conf.task_always_eager = eager


def _end_destroys_mountpoint():
    stream = StreamFactory(stream_key="k-2")
    publishing.publish_begin(key="k-2", client_id="12")
    janus_id = WebRTCMount.objects.get(stream=stream).janus_id
    publishing.publish_end(key="k-2", client_id="12")  # eager Celery here: no grace period, it ends now
    assert Stream.objects.get(pk=stream.pk).status == Stream.Status.ENDED
    assert janus_id not in janus.mount_ids()
    assert not WebRTCMount.objects.filter(stream=stream).exists()


@pytest.mark.django_db
def test_reconcile_makes_mountpoints_again_after_janus_restarts(webrtc):
    stream = live_stream()
    mount = webrtc_mount_open(stream_id=stream.pk)
    webrtc.stop()
    down = webrtc_mounts_reconcile()
    assert not down.janus_up
    assert WebRTCMount.objects.get(pk=mount.pk).created_in_janus_at is None  # no webrtc_url meanwhile
    webrtc.start()
    assert janus.mount_ids() == set()  # a restarted Janus has forgotten it
    assert webrtc_mounts_reconcile().created == 1
    assert janus.mount_ids() == {mount.janus_id}
    assert WebRTCMount.objects.get(pk=mount.pk).created_in_janus_at is not None


@pytest.mark.django_db
def test_reconcile_destroys_the_mount_of_a_stream_that_ended_while_janus_was_away(webrtc):
    stream = live_stream()
    mount = webrtc_mount_open(stream_id=stream.pk)
    webrtc.stop()
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.ENDED, ended_at=timezone.now())
    assert not webrtc_mount_close(stream_id=stream.pk)  # the end's task: Janus away, the row (and ports) stay
    assert WebRTCMount.objects.filter(pk=mount.pk).exists()
    webrtc.start()
    janus.mount_create(
        janus.MountSpec(mount.janus_id, mount.pin, mount.secret, mount.video_port, mount.audio_port), description="x"
    )  # as if Janus had kept it
    result = webrtc_mounts_reconcile()
    assert result.destroyed == 1
    assert janus.mount_ids() == set()
    assert not WebRTCMount.objects.filter(pk=mount.pk).exists()


@pytest.mark.django_db
def test_reconcile_destroys_a_mountpoint_no_row_names(webrtc, settings):
    low = int(settings.WEBRTC_INGEST_PORT_RANGE.split("-")[0])
    janus.mount_create(janus.MountSpec(4242, "pin", _secret(4242), low + 36, low + 38), description="stray")
    assert webrtc_mounts_reconcile().strays == 1
    assert 4242 not in janus.mount_ids()


@pytest.mark.django_db
def test_webrtc_off_makes_no_mount_and_offers_no_url(webrtc, settings, api_client):
    settings.WEBRTC_ENABLED = False
    stream = StreamFactory(stream_key="k-3")
    publishing.publish_begin(key="k-3", client_id="13")
    assert not WebRTCMount.objects.exists() and janus.mount_ids() == set()
    assert api_client.get(f"/api/v1/streams/{stream.pk}").json()["webrtc_url"] is None
    response = api_client.post(f"/api/v1/streams/{stream.pk}/webrtc")
    assert response.status_code == 409 and response.json()["code"] == "webrtc_unavailable"


# --- Signalling ---------------------------------------------------------------------------------------------


@pytest.fixture
def mounted(webrtc):
    stream = live_stream()
    webrtc_mount_open(stream_id=stream.pk)
    return stream


@pytest.mark.django_db
def test_the_stream_body_says_where_signalling_starts_and_the_offer_hides_the_mount(mounted, api_client):
    body = api_client.get(f"/api/v1/streams/{mounted.pk}").json()
    assert body["webrtc_url"] == f"http://testserver/api/v1/streams/{mounted.pk}/webrtc"
    started = api_client.post(body["webrtc_url"])
    assert started.status_code == 200, started.content
    payload = started.json()
    assert payload["offer"]["type"] == "offer" and "m=video" in payload["offer"]["sdp"]
    assert "a=candidate:" in payload["offer"]["sdp"]  # non-trickle: Janus's candidates are in the offer
    mount = WebRTCMount.objects.get(stream=mounted)
    for secret in (mount.pin, mount.secret, str(mount.janus_id)):
        assert secret not in started.content.decode(), started.content.decode()
    assert len(session_ids()) == 1


@pytest.mark.django_db
def test_a_viewer_without_access_to_a_premium_stream_gets_no_grant(webrtc, api_client):
    stream = live_stream(is_premium=True, price_coins=10)
    webrtc_mount_open(stream_id=stream.pk)
    assert api_client.get(f"/api/v1/streams/{stream.pk}").json()["webrtc_url"] is None
    response = api_client.post(f"/api/v1/streams/{stream.pk}/webrtc")
    assert response.status_code == 403 and response.json()["code"] == "premium_required"
    assert session_ids() == set()  # nothing opened in Janus for them


@pytest.mark.django_db
def test_a_private_stream_is_not_found_for_others(webrtc, api_client):
    stream = live_stream(visibility=Stream.Visibility.PRIVATE)
    webrtc_mount_open(stream_id=stream.pk)
    assert api_client.post(f"/api/v1/streams/{stream.pk}/webrtc").status_code == 404


@pytest.mark.django_db
def test_an_ended_stream_is_not_live(webrtc, api_client):
    stream = StreamFactory(ended=True)
    response = api_client.post(f"/api/v1/streams/{stream.pk}/webrtc")
    assert response.status_code == 409 and response.json()["code"] == "stream_not_live"


def _grant_of(client, stream) -> str:
    response = client.post(f"/api/v1/streams/{stream.pk}/webrtc")
    assert response.status_code == 200, response.content
    return response.json()["grant"]


@pytest.mark.django_db
def test_a_tampered_grant_is_refused(mounted, api_client):
    grant = _grant_of(api_client, mounted)
    forged = grant[:-3] + ("AAA" if not grant.endswith("AAA") else "BBB")
    response = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/answer", {"grant": forged, "sdp": SOME_SDP})
    assert response.status_code == 403 and response.json()["code"] == "invalid_grant"


@pytest.mark.django_db
def test_a_grant_for_another_stream_is_refused(mounted, webrtc, api_client):
    other = live_stream()
    webrtc_mount_open(stream_id=other.pk)
    grant = _grant_of(api_client, mounted)
    response = api_client.post(f"/api/v1/streams/{other.pk}/webrtc/keepalive", {"grant": grant})
    assert response.status_code == 403 and response.json()["code"] == "invalid_grant"


@pytest.mark.django_db
def test_another_viewers_grant_is_refused(mounted, api_client):
    grant = _grant_of(api_client, mounted)  # an anonymous browser's session
    thief = client_for(UserFactory())
    response = thief.post(f"/api/v1/streams/{mounted.pk}/webrtc/hangup", {"grant": grant})
    assert response.status_code == 403 and response.json()["code"] == "invalid_grant"


@pytest.mark.django_db
def test_an_expired_grant_is_refused(mounted, api_client, settings):
    grant = _grant_of(api_client, mounted)
    later = time.time() + settings.WEBRTC_GRANT_MAX_AGE + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/keepalive", {"grant": grant})
    assert response.status_code == 403 and response.json()["code"] == "invalid_grant"


@pytest.mark.django_db
def test_a_grant_that_is_not_one_is_refused(mounted, api_client):
    junk = signing.dumps(["not", "a", "grant"], salt=GRANT_SALT)
    response = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/keepalive", {"grant": junk})
    assert response.status_code == 403 and response.json()["code"] == "invalid_grant"
    assert api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/answer", {"grant": "x"}).status_code == 400


@pytest.mark.django_db
def test_keepalive_renews_the_grant_until_access_goes(mounted, api_client):
    grant = _grant_of(api_client, mounted)
    renewed = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/keepalive", {"grant": grant})
    assert renewed.status_code == 200 and renewed.json()["grant"]
    assert len(session_ids()) == 1
    Stream.objects.filter(pk=mounted.pk).update(is_premium=True, price_coins=10)  # made premium under them
    refused = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/keepalive", {"grant": renewed.json()["grant"]})
    assert refused.status_code == 403 and refused.json()["code"] == "premium_required"
    assert session_ids() == set()


@pytest.mark.django_db
def test_the_creator_watches_their_own_premium_stream(webrtc):
    stream = live_stream(is_premium=True, price_coins=10)
    webrtc_mount_open(stream_id=stream.pk)
    client = client_for(stream.creator)
    assert client.get(f"/api/v1/streams/{stream.pk}").json()["webrtc_url"]
    grant = _grant_of(client, stream)
    assert client.post(f"/api/v1/streams/{stream.pk}/webrtc/hangup", {"grant": grant}).status_code == 204


@pytest.mark.django_db
def test_hangup_by_beacon_ends_the_session(mounted, api_client):
    grant = _grant_of(api_client, mounted)
    assert len(session_ids()) == 1
    # navigator.sendBeacon posts a form (it cannot set headers).
    response = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc/hangup", {"grant": grant}, format="multipart")
    assert response.status_code == 204
    assert session_ids() == set()


@pytest.mark.django_db
def test_janus_down_means_no_webrtc_url_and_a_409(mounted, webrtc, api_client):
    webrtc.stop()
    response = api_client.post(f"/api/v1/streams/{mounted.pk}/webrtc")
    assert response.status_code == 409 and response.json()["code"] == "webrtc_unavailable"
    assert api_client.get(f"/api/v1/streams/{mounted.pk}").json()["webrtc_url"] is None


@pytest.mark.django_db
def test_studio_health_shows_the_webrtc_path(mounted, webrtc):
    owner = client_for(mounted.creator)
    with mock.patch("streams.media.nginx.stat", return_value=None):  # no nginx here: the encoder's side is unknown
        health = owner.get(f"/api/v1/streams/{mounted.pk}/health").json()
    assert health["webrtc"] == {"enabled": True, "mounted": True, "viewers": 0}
    grant = _grant_of(APIClient(), mounted)
    assert grant
    webrtc.stop()
    health = owner.get(f"/api/v1/streams/{mounted.pk}/health").json()
    assert health["webrtc"] == {"enabled": True, "mounted": False, "viewers": None}


# --- The edge's configuration and command ---------------------------------------------------------------


def test_the_edge_refuses_politely_without_janus(settings):
    settings.WEBRTC_ENABLED = True
    settings.JANUS_BINARY = "no-such-janus"
    settings.JANUS_PLUGINS_DIR = "/nonexistent"
    with pytest.raises(CommandError, match="apt-get install -y janus"):
        call_command("webrtcedge", "--check")


def test_the_edge_is_off_with_webrtc_off(settings):
    settings.WEBRTC_ENABLED = False
    with pytest.raises(CommandError, match="WEBRTC_ENABLED"):
        call_command("webrtcedge", "--check")


def test_the_rendered_edge_keeps_its_secrets_and_loads_only_what_it_needs(settings, tmp_path):
    if janus.missing_tools():
        pytest.skip("needs Debian's janus")
    settings.MEDIA_SERVER_ROOT = tmp_path
    settings.JANUS_SECRETS_FILE = tmp_path / "var" / "janus-secrets.json"
    settings.JANUS_NAT_1_1_MAPPING = "203.0.113.7"
    config = janus.render()
    secrets = janus.edge_secrets()
    assert janus.edge_secrets() == secrets  # made once
    assert oct(settings.JANUS_SECRETS_FILE.stat().st_mode & 0o777) == "0o600"
    main, transport, plugin = (config.parent / name for name in janus.CONFIG_FILES)
    assert f'admin_secret = "{secrets["admin_secret"]}"' in main.read_text()
    assert 'nat_1_1_mapping = "203.0.113.7"' in main.read_text()
    assert f'admin_key = "{secrets["admin_key"]}"' in plugin.read_text()
    assert 'ip = "127.0.0.1"' in transport.read_text() and 'admin_ip = "127.0.0.1"' in transport.read_text()
    for path in (main, transport, plugin):
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in (config.parent / "plugins").iterdir()] == ["libjanus_streaming.so"]
    assert [p.name for p in (config.parent / "transports").iterdir()] == ["libjanus_http.so"]


def test_the_ladder_sends_the_rtp_copy_only_to_a_mounted_streams_ports(settings, tmp_path):
    from streams.media.config import render

    settings.MEDIA_SERVER_ROOT = tmp_path
    ladder = render().ladder_script.read_text()
    assert f'PORTS="{tmp_path.resolve()}/webrtc/$ID.ports"' in ladder
    assert "-profile:v baseline" in ladder and "-bf 0" in ladder and "n_forced*1" in ladder
    assert "-tune zerolatency" in ladder and "libopus -ar 48000" in ladder
    assert ladder.rstrip().endswith('"$@"')  # the RTP outputs, when the ports file was there


@pytest.mark.django_db
def test_the_beat_job_makes_a_lost_mountpoint_again(webrtc):
    from django.conf import settings as django_settings

    from streams.tasks import reconcile_webrtc_mounts

    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["streams.tasks.reconcile_webrtc_mounts"] <= 60
    mount = webrtc_mount_open(stream_id=live_stream().pk)
    janus.mount_destroy(janus_id=mount.janus_id, secret=mount.secret)  # lost, as by a restart
    assert reconcile_webrtc_mounts() == {"created": 1, "destroyed": 0, "strays": 0, "up": True}
    assert janus.mount_ids() == {mount.janus_id}
