"""Every error under /api/ is JSON with a code, in either mode (DEBUG's technical pages are HTML)."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_request_django_refuses_before_any_view_is_a_json_400_under_the_api(settings, debug):
    settings.DEBUG = debug
    # Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: a SuspiciousOperation answered by Django itself, not DRF.
    response = Client(raise_request_exception=False).get("/api/v1/streams?" + "&".join(["a=1"] * 2000))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_bad_uuid_in_an_api_path_is_a_json_404(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/api/v1/streams/not-a-uuid/chat")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_10_mb_body_is_a_json_413(settings, debug):
    settings.DEBUG = debug
    response = Client().post("/api/v1/streams", data=b"x" * (10 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
def test_the_site_keeps_its_html_error_pages(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
