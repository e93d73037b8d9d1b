import os
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

# The SQLite test database is a file under var/ (settings: DATABASES TEST NAME); a fresh clone has no var/.
(Path(__file__).resolve().parent / "var").mkdir(exist_ok=True)

SERVICE_MARKERS = {"needs_postgres": "DATABASE_URL", "needs_redis": "REDIS_URL"}


def pytest_runtest_setup(item):
    """Skip service tests without their service, unless REQUIRE_SERVICES says CI must run them."""
    missing = [
        variable
        for marker, variable in SERVICE_MARKERS.items()
        if item.get_closest_marker(marker) and not os.environ.get(variable)
    ]
    if item.get_closest_marker("needs_chromium") and not (
        shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
    ):
        missing.append("Debian's chromium")
    if item.get_closest_marker("needs_media"):
        from streams.media.config import missing_tools

        missing += [f"Debian's {package}" for package in missing_tools()]
    if missing:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"{', '.join(missing)} missing, and this test needs it (REQUIRE_SERVICES is on).")
        pytest.skip(f"needs {', '.join(missing)}")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _webrtc_off(settings):
    """No test talks to a Janus it did not start (another on this machine's default ports would get mountpoints):
    the WebRTC tests turn it on beside their own edge (streams/tests/processes.py, janus_edge)."""
    settings.WEBRTC_ENABLED = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def auth_client(user):
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for a test suite's factories.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _close_connections_of_async_helpers():
    """database_sync_to_async runs on asgiref's one worker thread; close what it opened.

    Otherwise its pooled PostgreSQL connection outlives the test and the test
    database cannot be dropped at the end of the run.
    """
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(autouse=True)
def _forget_ledger_account_ids():
    """Account ids remembered per process would outlive a test's rolled-back or flushed database."""
    yield
    from wallet import ledger

    ledger._system_ids.clear()
    ledger._earnings_ids.clear()


@pytest.fixture(autouse=True)
def _forget_cached_tokens():
    """Token -> user lookups remembered per process would outlive a test's database."""
    yield
    from accounts import selectors

    selectors._token_users.clear()


@pytest.fixture(autouse=True)
def _flush_room_events():
    """Room events queued by a test are published (to whatever Redis it mocked) before the next test begins."""
    yield
    from livestream import events

    if events._publisher is not None:
        events._publisher.flush()


@pytest.fixture
def room_events():
    """Room events as they leave this process after commit: (room id, event) pairs, in order."""
    import json
    from unittest import mock

    sent: list[tuple[str, dict]] = []
    with mock.patch(
        "livestream.events.room_publish", side_effect=lambda room, text, *_: sent.append((room, json.loads(text)))
    ):
        yield sent
