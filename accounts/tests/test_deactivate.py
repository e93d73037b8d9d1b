"""Deactivating users in bulk: one service, which tells each user's sockets (issue 11)."""

import pathlib
import re

import pytest

from accounts.models import User
from accounts.services import users_deactivate
from accounts.tests.factories import UserFactory

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_users_deactivate_announces_each_user_once_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    ada, bola, already = UserFactory(), UserFactory(), UserFactory(is_active=False)
    told = []
    monkeypatch.setattr("accounts.signals.auth_ended_send", lambda **kwargs: told.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        assert users_deactivate(user_ids=[ada.pk, bola.pk, already.pk]) == 2
    assert sorted(str(call["user_id"]) for call in told) == sorted([str(ada.pk), str(bola.pk)])
    assert not User.objects.filter(is_active=True).exists()


def test_no_code_deactivates_users_with_a_bulk_update():
    """A queryset ``update(is_active=False)`` sends no signal, so no socket would close: users_deactivate only."""
    pattern = re.compile(r"\.update\([^)]*is_active\s*=\s*False")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("accounts", "streams", "chat", "gifts", "wallet", "livestream")
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == ["accounts/services.py"]  # users_deactivate, which announces each user after commit
