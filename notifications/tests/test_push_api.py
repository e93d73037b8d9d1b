"""The Web Push API: the VAPID key, saving and forgetting a browser's subscription; and the service worker."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import PushSubscription

pytestmark = pytest.mark.django_db

KEY = "/api/v1/notifications/push/key"
SUBSCRIPTIONS = "/api/v1/notifications/push/subscriptions"


@pytest.fixture
def signed_in(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    api_client.user = user
    return api_client


def test_the_routes_are_where_the_contract_says():
    assert reverse("api-notifications-push-key") == KEY
    assert reverse("api-notifications-push-subscriptions") == SUBSCRIPTIONS


def test_the_key_is_the_servers_vapid_public_key(signed_in, push_service):
    response = signed_in.get(KEY)
    assert response.status_code == 200
    assert response.json() == {"public_key": push_service.public_key}


def test_signed_out_gets_401(api_client, push_service):
    assert api_client.get(KEY).status_code == 401
    browser = push_service.browser_subscription()
    assert api_client.post(SUBSCRIPTIONS, browser.as_json(), format="json").status_code == 401
    assert api_client.delete(SUBSCRIPTIONS, {"endpoint": browser.endpoint}, format="json").status_code == 401


def test_subscribe_stores_the_subscription_and_again_updates_it(signed_in, push_service):
    browser = push_service.browser_subscription()
    response = signed_in.post(SUBSCRIPTIONS, browser.as_json(), format="json", HTTP_USER_AGENT="Chromium test")
    assert response.status_code == 201, response.json()
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.user_agent) == (
        signed_in.user,
        browser.endpoint,
        browser.p256dh,
        "Chromium test",
    )

    # The same browser subscribes again (new keys) or another account signs in on it: one row, theirs now.
    again = push_service.browser_subscription()
    body = {**again.as_json(), "endpoint": browser.endpoint}
    other = UserFactory()
    signed_in.force_authenticate(other)
    assert signed_in.post(SUBSCRIPTIONS, body, format="json").status_code == 201
    stored = PushSubscription.objects.get()
    assert stored.user == other and stored.p256dh == again.p256dh


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "https://evil.example.com/push/1"},  # not a push service: the server would POST there
        {"endpoint": "http://10.0.0.1/push/1"},
        {"endpoint": "ftp://127.0.0.1/push/1"},
        {"endpoint": ""},
        {"keys": {"p256dh": "not-a-key", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": {"p256dh": "BAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": {"auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": "text"},
        {"endpoint": None},
    ],
)
def test_a_bad_subscription_is_400_with_a_code(signed_in, push_service, change):
    body = {**push_service.browser_subscription().as_json(), **change}
    response = signed_in.post(SUBSCRIPTIONS, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_subscription"
    assert not PushSubscription.objects.exists()


def test_a_wrong_auth_secret_length_is_refused(signed_in, push_service):
    body = push_service.browser_subscription().as_json()
    body["keys"]["auth"] = "AAAA"
    response = signed_in.post(SUBSCRIPTIONS, body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_subscription"


def test_a_non_json_body_is_400(signed_in, push_service):
    response = signed_in.generic("POST", SUBSCRIPTIONS, "{nope", content_type="application/json")
    assert response.status_code == 400


def test_any_https_host_when_configured_so(signed_in, push_service, settings):
    settings.WEBPUSH_ENDPOINT_HOSTS = ["*"]
    body = {**push_service.browser_subscription().as_json(), "endpoint": "https://push.example.net/x"}
    assert signed_in.post(SUBSCRIPTIONS, body, format="json").status_code == 201
    body["endpoint"] = "http://push.example.net/x"  # never plain http by wildcard
    assert signed_in.post(SUBSCRIPTIONS, body, format="json").status_code == 400


def test_the_default_hosts_are_the_browsers_push_services(signed_in, push_service, settings):
    settings.WEBPUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com", "push.services.mozilla.com"]
    body = push_service.browser_subscription().as_json()
    for endpoint, status in [
        ("https://fcm.googleapis.com/fcm/send/abc", 201),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", 201),
        ("https://fcm.googleapis.com.evil.example/abc", 400),
        ("https://user@fcm.googleapis.com/abc", 400),
    ]:
        response = signed_in.post(SUBSCRIPTIONS, {**body, "endpoint": endpoint}, format="json")
        assert response.status_code == status, endpoint


def test_unsubscribe_forgets_only_the_callers_subscription(signed_in, push_service):
    browser = push_service.browser_subscription()
    signed_in.post(SUBSCRIPTIONS, browser.as_json(), format="json")

    other = UserFactory()
    signed_in.force_authenticate(other)
    response = signed_in.delete(SUBSCRIPTIONS, {"endpoint": browser.endpoint}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert PushSubscription.objects.count() == 1

    signed_in.force_authenticate(signed_in.user)
    assert signed_in.delete(SUBSCRIPTIONS, {"endpoint": browser.endpoint}, format="json").status_code == 204
    assert not PushSubscription.objects.exists()
    assert signed_in.delete(SUBSCRIPTIONS, {}, format="json").json()["code"] == "invalid_subscription"


def test_without_keys_push_is_unavailable(signed_in, settings):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = ""
    response = signed_in.get(KEY)
    assert response.status_code == 404 and response.json()["code"] == "push_unavailable"


def test_development_generates_a_key_once_into_the_key_file(signed_in, settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = str(tmp_path / "var" / "vapid_private_key")
    first = signed_in.get(KEY).json()["public_key"]
    assert (tmp_path / "var" / "vapid_private_key").stat().st_mode & 0o777 == 0o600
    from notifications.delivery import vapid

    vapid._load.cache_clear()  # another process reads the same file
    assert signed_in.get(KEY).json()["public_key"] == first
    assert len(vapid.b64url_decode(first)) == 65


def test_a_public_key_that_does_not_match_the_private_one_stops_the_server(settings):
    from django.core.exceptions import ImproperlyConfigured

    from notifications.delivery.vapid import generate_private_key_b64, vapid_keys

    settings.VAPID_PRIVATE_KEY = generate_private_key_b64()
    settings.VAPID_PUBLIC_KEY = "BPublicKeyOfSomethingElse"
    with pytest.raises(ImproperlyConfigured):
        vapid_keys()


def test_the_service_worker_is_served_at_the_root_with_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert 'addEventListener("push"' in body and 'addEventListener("notificationclick"' in body
