import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "k" * 20 + "-production-secret-" + "q" * 20
VAPID_KEY = "0fBmnQJWuZ2Y0GzXnTh7QfGqkRgnSy2OtjzRjP1zVpg"  # a P-256 private key (base64url), for the checks only


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "PAYMENT_PROVIDER"}}
    environment |= {"DJANGO_SETTINGS_MODULE": "livestream.settings.production"} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_the_sandbox_payment_provider():
    result = manage("check", SECRET_KEY=GOOD_KEY, PAYMENT_PROVIDER="sandbox")
    assert result.returncode != 0 and "sandbox" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="live.example",
        PAYSTACK_SECRET_KEY="sk_live_x",
        VAPID_PRIVATE_KEY=VAPID_KEY,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_deploy_check_warns_without_web_push_keys_and_a_malformed_key_stops_the_server():
    result = manage("check", "--deploy", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="live.example", VAPID_PRIVATE_KEY="")
    assert "notifications.W001" in result.stdout + result.stderr
    result = manage("check", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="live.example", VAPID_PRIVATE_KEY="not-a-key")
    assert result.returncode != 0 and "notifications.E001" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "perhaps"), ("MAX_IMAGE_UPLOAD_BYTES", "many")])
def test_malformed_settings_fail_loudly(name, value):
    result = manage("check", **{"DJANGO_SETTINGS_MODULE": "livestream.settings.base", name: value})
    assert result.returncode != 0 and name in result.stderr


def test_deploy_check_warns_when_paystack_has_no_secret_key():
    result = manage("check", "--deploy", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="live.example", PAYSTACK_SECRET_KEY="")
    assert "PAYSTACK_SECRET_KEY" in result.stdout + result.stderr


def test_naming_a_bucket_puts_media_files_on_object_storage():
    probe = (
        'from django.core.files.storage import storages; s = storages["default"]; '
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.querystring_auth)"
    )
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        probe,
        DJANGO_SETTINGS_MODULE="livestream.settings.base",
        AWS_STORAGE_BUCKET_NAME="gnl-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "gnl-media", "http://127.0.0.1:9000", "True"]
    local = manage(
        "shell",
        "-v",
        "0",
        "-c",
        probe.replace(", s.bucket_name, s.endpoint_url, s.querystring_auth", ""),
        DJANGO_SETTINGS_MODULE="livestream.settings.base",
    )
    assert local.stdout.split() == ["FileSystemStorage"]


@pytest.mark.parametrize("module", ["livestream.wsgi", "livestream.asgi"])
def test_the_server_entry_points_freeze_what_they_loaded(module):
    """A full garbage collection must not walk all of Django: it stopped a worker's threads for ~80 ms."""
    code = f"import gc, {module}; print(gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert int(result.stdout.split()[-1]) > 50_000
