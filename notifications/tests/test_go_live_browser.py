"""The issue's whole path on the real stack: a follower with go-live on sits on the home page; the creator starts
publishing with ffmpeg; the media server's hook makes the stream live; a Celery worker fans the news out; the
bell's count rises without a reload, and a Web Push reaches the follower's browser (a local push service that
decrypts it with the subscription's keys)."""

import time
from types import SimpleNamespace

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.servers import daphnes, free_port
from notifications.models import PushSubscription
from streams.services import follow_create
from streams.tests.browser import ARGS, CHROMIUM, log_in
from streams.tests.factories import StreamFactory
from streams.tests.processes import Worker, media_server, media_server_environment, publish, redis_server

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.needs_chromium,
    pytest.mark.needs_media,
    pytest.mark.timeout(180),
]

BELL_MS = 5_000  # the issue: the count rises within 5 s of the stream going live


@pytest.fixture
def stack(transactional_db, settings, tmp_path, push_service):
    """The media server, one daphne (its hooks call it), a Celery worker and a redis-server of the test's own,
    the processes sharing the push service's VAPID key and allowed to reach its loopback address."""
    site = free_port()
    (tmp_path / "mediaserver").mkdir()
    media = media_server_environment(tmp_path / "mediaserver", f"http://127.0.0.1:{site}/media-hooks")
    with redis_server(tmp_path) as redis_url:
        environment = {
            **media,
            "REDIS_URL": redis_url,
            "SITE_URL": f"http://127.0.0.1:{site}",
            "VAPID_PRIVATE_KEY": settings.VAPID_PRIVATE_KEY,
            "VAPID_SUBJECT": settings.VAPID_SUBJECT,
            "WEBPUSH_ENDPOINT_HOSTS": "127.0.0.1",
        }
        with media_server(environment), daphnes([site], log_dir=tmp_path, **environment) as hosts:
            worker = Worker(redis_url, tmp_path / "worker.log", **environment)
            try:
                yield SimpleNamespace(site=hosts[0], ingest=media["RTMP_INGEST_URL"], worker=worker)
            finally:
                worker.stop()


def test_publishing_rings_the_followers_bell_and_reaches_their_browser_by_push(stack, push_service, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the server checks
    creator = UserFactory(username="ada_drums", display_name="Ada")
    fan = UserFactory(username="bola_fan")
    fan.set_password(PASSWORD)
    fan.save()
    follow_create(follower=fan, creator=creator)  # go-live on: the follow's default
    browser_keys = push_service.browser_subscription("bola")
    PushSubscription.objects.create(
        user=fan,
        endpoint=browser_keys.endpoint,
        p256dh=browser_keys.p256dh,
        auth=browser_keys.as_json()["keys"]["auth"],
    )
    stream = StreamFactory(creator=creator, title="Talking drum at dusk")
    encoder = None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            log_in(page, stack.site, fan)
            bell = page.locator("#bell-button")
            expect(bell).to_have_attribute("aria-label", "Notifications, 0 unread")
            expect(page.locator("[data-notifications][data-connected='1']")).to_have_count(1)  # the socket is in

            encoder = publish(stack.ingest, stream.stream_key, seconds=60, gop=24, size="426x240", rate=24)
            # Live when the media server's hook has run; then the bell within BELL_MS, without a reload.
            deadline = time.monotonic() + 30
            while page.request.get(f"http://{stack.site}/api/v1/streams/{stream.pk}").json()["status"] != "live":
                assert time.monotonic() < deadline, "the stream never went live"
                assert encoder.poll() is None, encoder.stderr.read().decode()
                time.sleep(0.1)
            expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread", timeout=BELL_MS)
            expect(page.locator("#bell-live")).to_have_text("Ada is live")
            bell.click()
            expect(page.locator("#bell-list a").first).to_contain_text("Talking drum at dusk")
            assert page.url.endswith("/")  # never reloaded nor left the home page

            # The push: encrypted for this browser's keys, signed with the server's VAPID key.
            deadline = time.monotonic() + 15
            while not push_service.to(browser_keys):
                assert time.monotonic() < deadline, "no push reached the push service:\n" + stack.worker.output()
                time.sleep(0.1)
            message = push_service.to(browser_keys)[0].decrypt()
            assert message["title"] == "Ada is live" and f"/streams/{stream.pk}/" in message["url"]
        finally:
            if encoder is not None and encoder.poll() is None:
                encoder.terminate()
                encoder.wait(timeout=10)
            browser.close()
