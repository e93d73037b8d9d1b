import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signup_page_creates_the_user_and_logs_them_in():
    client = Client(enforce_csrf_checks=False)
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(
        "/accounts/signup/",
        {"username": "emeka", "email": "emeka@example.com", "password": "Ofala-festival-88", "display_name": "Emeka"},
    )
    assert response.status_code == 302
    assert User.objects.filter(username="emeka").exists()
    assert b"Emeka" in client.get("/").content


def test_signup_page_shows_service_errors_on_the_form(user):
    response = Client().post(
        "/accounts/signup/",
        {"username": user.username.upper(), "email": "x@example.com", "password": "Ofala-festival-88"},
    )
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_login_and_logout_through_the_browser_pages(user):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/users/me").status_code == 200  # the session works for the API too
    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/api/v1/users/me").status_code in (401, 403)


def test_session_api_writes_need_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/streams", {"title": "No CSRF"}, content_type="application/json")
    assert response.status_code == 403
