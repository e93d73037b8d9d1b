"""Content-Security-Policy, Permissions-Policy and nosniff (issue 11)."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy():
    response = Client().get("/")
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert response["Permissions-Policy"].startswith("camera=()")


@pytest.mark.django_db
def test_media_and_connect_name_the_hls_host_and_the_sites_socket_origin(settings):
    policy = _policy(Client().get("/"))
    hls = re.match(r"https?://[^/]+", settings.HLS_BASE_URL).group(0)
    assert hls in policy["media-src"] and "blob:" in policy["media-src"]
    assert hls in policy["connect-src"]
    socket = settings.SITE_URL.replace("http", "ws", 1).rstrip("/")
    assert socket in policy["connect-src"]


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        html = Client().get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path


@pytest.mark.django_db
def test_swagger_ui_renders_under_the_policy_with_a_nonced_style_and_no_inline_script():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    nonce = re.search(r"<style nonce=\"([^\"]+)\"", html).group(1)
    assert f"'nonce-{nonce}'" in _policy(response)["style-src"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = re.findall(r"<script src=\"([^\"]+)\"", html)[-1].replace("&amp;", "&")
    init = Client().get(script)
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()


@pytest.mark.django_db
def test_api_answers_carry_nosniff():
    assert Client().get("/api/v1/streams")["X-Content-Type-Options"] == "nosniff"


def test_the_proxy_sends_media_with_nosniff():
    conf = (Path(django_settings.BASE_DIR) / "deploy" / "nginx.conf.template").read_text()
    media = conf[conf.index("location /media/ {") :]
    media = media[: media.index("\n        }")]
    assert re.search(r'add_header\s+X-Content-Type-Options\s+"?nosniff"?\s+always;', media)
