"""Failed log-ins lock an account and a client address out on every log-in route (django-axes), a forged
X-Forwarded-For resets neither the lock-out nor DRF's throttles, and the locked-out caller is told when to retry."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory

LIMIT = 3
TOKEN = "/api/v1/auth/token"
REGISTER = "/api/v1/auth/register"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    cache.clear()
    yield
    cache.clear()


def page_login(client, path, username, password, **extra):
    response = client.post(path, {"username": username, "password": password}, **extra)
    # Logged in: the session carries the user.
    return response, "_auth_user_id" in client.session


def api_login(client, username, password, **extra):
    response = client.post(TOKEN, {"username": username, "password": password}, format="json", **extra)
    return response, response.status_code == 200


ROUTES = {
    "page": lambda client, *a, **kw: page_login(client, "/accounts/login/", *a, **kw),
    "admin": lambda client, *a, **kw: page_login(client, "/admin/login/", *a, **kw),
    "api": api_login,
}


def make_client(route):
    return APIClient() if route == "api" else Client()


def make_user(route):
    return UserFactory(is_staff=True) if route == "admin" else UserFactory()


def assert_locked_out(route, response, logged_in):
    assert not logged_in
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    if route == "api":
        body = response.json()
        assert body["code"] == "login_locked"
        assert body["retry_after"] == int(response["Retry-After"])
    else:
        assert b"Too many failed log-ins. Try again in" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_wrong_passwords_lock_the_account_out_even_for_the_right_one(route):
    login, user, client = ROUTES[route], make_user(route), make_client(route)
    for _ in range(LIMIT):
        response, logged_in = login(client, user.username, "wrong")
        assert not logged_in
    response, logged_in = login(client, user.username, PASSWORD)
    assert_locked_out(route, response, logged_in)
    # From another address the account is still locked (per-account limit).
    response, logged_in = login(make_client(route), user.username, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert_locked_out(route, response, logged_in)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_a_forged_forwarded_for_does_not_reset_the_address_lock_out(route):
    login, user, client = ROUTES[route], make_user(route), make_client(route)
    # Guessing across many accounts from one address, each try claiming another X-Forwarded-For.
    for n in range(LIMIT):
        response, logged_in = login(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert not logged_in
    response, logged_in = login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert_locked_out(route, response, logged_in)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_a_success_below_the_limit_works_and_starts_the_count_again(route):
    login, user, client = ROUTES[route], make_user(route), make_client(route)
    for _ in range(LIMIT - 1):
        login(client, user.username, "wrong")
    response, logged_in = login(client, user.username, PASSWORD)
    assert logged_in, response.status_code
    client = make_client(route)
    for _ in range(LIMIT - 1):
        login(client, user.username, "wrong")
    assert login(client, user.username, PASSWORD)[1]


@pytest.mark.django_db
def test_behind_the_trusted_proxy_addresses_come_from_its_header(settings):
    """With make serve's nginx (one trusted proxy) the address is the one nginx wrote, so one client's lock-out
    does not lock every client out, as counting by the proxy's REMOTE_ADDR would."""
    settings.TRUSTED_PROXY_COUNT = 1
    user, client = UserFactory(), APIClient()
    for n in range(LIMIT):
        api_login(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert api_login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")[0].status_code == 429
    assert api_login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")[1]


@pytest.mark.django_db
def test_the_sign_up_limit_holds_against_a_forged_forwarded_for(monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "2/hour", "auth": "20/min"})
    client = APIClient()
    for n in range(3):
        response = client.post(
            REGISTER,
            {"username": f"signup_{n}", "email": f"s{n}@example.com", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert get_user_model().objects.filter(username__startswith="signup_").count() == 2


@pytest.mark.django_db
def test_the_token_route_throttle_holds_against_a_forged_forwarded_for(monkeypatch, settings):
    from rest_framework.throttling import ScopedRateThrottle

    settings.AXES_FAILURE_LIMIT = 100
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "2/hour", "auth": "2/min"})
    client = APIClient()
    for n in range(3):
        response, _ = api_login(client, "nobody", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_make_serve_nginx_overwrites_the_forwarded_for_a_client_sent():
    from pathlib import Path

    from django.conf import settings

    template = (Path(settings.BASE_DIR) / "deploy" / "nginx.conf.template").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in template
    assert "$proxy_add_x_forwarded_for" not in template
    assert (
        'os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")' in (Path(settings.BASE_DIR) / "deploy/serve.py").read_text()
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_lock_out_holds_under_asgi_as_make_run_serves_it():
    """make run serves HTTP with daphne: axes' middleware then runs its async path."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    user = await sync_to_async(UserFactory)()
    client = AsyncClient()
    body = {"username": user.username, "password": "wrong"}
    for _ in range(LIMIT):
        await client.post(TOKEN, body, content_type="application/json")
    response = await client.post(TOKEN, {**body, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert int(response["Retry-After"]) > 0
