"""accounts' reads raise the domain's errors, never HTTP's (the interfaces map them)."""

import uuid

import pytest

from accounts.selectors import user_get
from accounts.tests.factories import UserFactory
from livestream import errors

pytestmark = pytest.mark.django_db


def test_user_get_finds_an_active_user_by_id_or_username_in_any_case():
    user = UserFactory(username="Ada")
    assert user_get(user_id=user.pk) == user
    assert user_get(username="aDA") == user


@pytest.mark.parametrize(
    "lookup",
    [
        {"user_id": uuid.UUID(int=0)},
        {"username": "nobody"},
        {"username": ""},
        {},
    ],
)
def test_user_get_raises_the_domains_not_found_for_no_such_user(lookup):
    with pytest.raises(errors.NotFound) as missing:
        user_get(**lookup)
    assert missing.value.code == "not_found"
    assert missing.value.detail == "No such user."


def test_user_get_raises_not_found_for_a_deactivated_user():
    user = UserFactory(is_active=False)
    with pytest.raises(errors.NotFound):
        user_get(user_id=user.pk)
    with pytest.raises(errors.NotFound):
        user_get(username=user.username)
