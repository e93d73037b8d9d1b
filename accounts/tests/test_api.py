import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/users/me"


def register(client, **overrides):
    body = {"username": "chioma", "email": "chioma@example.com", "password": "Ekpe-mask-1975"} | overrides
    return client.post(REGISTER, body, format="json")


def test_register_returns_user_and_a_working_token(api_client):
    response = register(api_client, display_name="Chioma A.")
    assert response.status_code == 201
    body = response.json()
    assert set(body["user"]) >= {"id", "username", "display_name", "is_verified"}
    assert body["user"]["display_name"] == "Chioma A."
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "chioma"
    # a new user has a creator page at once (streams makes the profile on first need, not accounts)
    page = client.get("/api/v1/creators/chioma")
    assert page.status_code == 200 and page.json()["display_name"] == "Chioma A."


def test_register_rejects_a_taken_username_whatever_its_case(api_client):
    UserFactory(username="Chioma")
    response = register(api_client, username="chioma")
    assert response.status_code == 400
    assert "username" in response.json()


def test_register_rejects_a_taken_email(api_client):
    UserFactory(email="chioma@example.com")
    response = register(api_client, email="CHIOMA@example.com")
    assert response.status_code == 400
    assert "email" in response.json()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "password"}, "password"),
        ({"password": "chioma123"}, "password"),
        ({"username": "a b"}, "username"),
        ({"username": "x"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
    ],
)
def test_register_rejects_bad_input_with_field_errors(api_client, overrides, field):
    response = register(api_client, **overrides)
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


def test_register_is_throttled_with_retry_after(api_client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "2/hour", "auth": "20/min"})
    for n in range(2):
        assert register(api_client, username=f"user_{n}", email=f"u{n}@example.com").status_code == 201
    response = register(api_client, username="user_3", email="u3@example.com")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_token_login_with_good_and_bad_credentials(api_client, user):
    ok = api_client.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    assert ok.status_code == 200
    assert ok.json()["token"] == Token.objects.get(user=user).key
    bad = api_client.post(TOKEN, {"username": user.username, "password": "wrong"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_credentials"
    missing = api_client.post(TOKEN, {"username": user.username}, format="json")
    assert missing.status_code == 400
    assert "password" in missing.json()


def test_inactive_user_cannot_get_a_token(api_client, user):
    user.is_active = False
    user.save()
    response = api_client.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_me_requires_authentication_with_401(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert api_client.get(ME).status_code == 401


def test_me_can_change_display_name_but_not_verification(auth_client):
    response = auth_client.patch(ME, {"display_name": "New Name", "is_verified": True}, format="json")
    assert response.status_code == 200
    auth_client.user.refresh_from_db()
    assert auth_client.user.display_name == "New Name"
    assert auth_client.user.is_verified is False


def test_revoking_the_token_logs_rest_clients_out(api_client, user):
    key = api_client.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.delete("/api/v1/auth/token/revoke").status_code == 204
    assert api_client.get(ME).status_code == 401


def test_an_email_taken_between_the_check_and_the_write_is_a_field_error_not_a_500(auth_client):
    """A concurrent change of e-mail wins the race: the loser is told as if the check had seen it."""
    from unittest import mock

    from accounts.tests.factories import UserFactory

    UserFactory(email="taken@example.com")
    with mock.patch("django.db.models.QuerySet.exists", return_value=False):  # the check misses the winner
        response = auth_client.patch(ME, {"display_name": "Ada", "email": "Taken@example.com"}, format="json")
    assert response.status_code == 400 and "email" in response.json()
    auth_client.user.refresh_from_db()
    assert auth_client.user.display_name != "Ada" and auth_client.user.email != "taken@example.com"
