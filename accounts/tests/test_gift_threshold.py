"""The gift-confirmation threshold: the viewer's own setting, kept on the server, read and changed at /users/me."""

import pytest

from accounts.models import GIFT_CONFIRM_THRESHOLD_DEFAULT, GIFT_CONFIRM_THRESHOLD_MAX, User
from accounts.services import user_update

ME = "/api/v1/users/me"

pytestmark = pytest.mark.django_db


def test_a_new_user_is_asked_to_confirm_gifts_over_100_coins(auth_client):
    body = auth_client.get(ME).json()
    assert body["gift_confirm_threshold"] == GIFT_CONFIRM_THRESHOLD_DEFAULT == 100


def test_the_viewer_changes_their_threshold_and_it_is_kept(auth_client):
    response = auth_client.patch(ME, {"gift_confirm_threshold": 250}, format="json")
    assert response.status_code == 200
    assert response.json()["gift_confirm_threshold"] == 250
    assert User.objects.get(pk=auth_client.user.pk).gift_confirm_threshold == 250
    assert auth_client.get(ME).json()["gift_confirm_threshold"] == 250
    # Zero: confirm every send.
    assert auth_client.patch(ME, {"gift_confirm_threshold": 0}, format="json").json()["gift_confirm_threshold"] == 0


def test_changing_the_threshold_leaves_the_other_fields_alone(auth_client):
    before = auth_client.get(ME).json()
    after = auth_client.patch(ME, {"gift_confirm_threshold": 500}, format="json").json()
    assert {k: v for k, v in after.items() if k != "gift_confirm_threshold"} == {
        k: v for k, v in before.items() if k != "gift_confirm_threshold"
    }


@pytest.mark.parametrize(
    "value", [-1, GIFT_CONFIRM_THRESHOLD_MAX + 1, "100", 12.5, True, None, [], {"coins": 5}], ids=repr
)
def test_a_bad_threshold_is_a_400_on_the_field_and_changes_nothing(auth_client, value):
    response = auth_client.patch(ME, {"gift_confirm_threshold": value}, format="json")
    assert response.status_code == 400
    assert "gift_confirm_threshold" in response.json()
    assert User.objects.get(pk=auth_client.user.pk).gift_confirm_threshold == GIFT_CONFIRM_THRESHOLD_DEFAULT


def test_the_threshold_needs_a_signed_in_user(api_client):
    assert api_client.patch(ME, {"gift_confirm_threshold": 5}, format="json").status_code == 401


def test_the_service_refuses_an_out_of_range_threshold(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        user_update(user=user, gift_confirm_threshold=-5)
    assert "gift_confirm_threshold" in refused.value.message_dict
    user.refresh_from_db()
    assert user.gift_confirm_threshold == GIFT_CONFIRM_THRESHOLD_DEFAULT
