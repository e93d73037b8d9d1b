"""streams' reads raise the domain's errors, never HTTP's: a stream or creator nobody may see is NotFound."""

import uuid

import pytest

from accounts.tests.factories import UserFactory
from livestream import errors
from streams.selectors import creator_get, stream_get
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_stream_get_raises_not_found_for_an_unknown_stream():
    with pytest.raises(errors.NotFound) as missing:
        stream_get(stream_id=uuid.UUID(int=0), user=None)
    assert (missing.value.code, missing.value.detail) == ("not_found", "No such stream.")


def test_stream_get_raises_not_found_for_a_private_stream_to_anyone_but_its_creator():
    private = StreamFactory(visibility="private")
    for user in (None, UserFactory()):
        with pytest.raises(errors.NotFound):
            stream_get(stream_id=private.pk, user=user)
    assert stream_get(stream_id=private.pk, user=private.creator) == private


def test_creator_get_raises_not_found_for_an_unknown_or_deactivated_creator():
    with pytest.raises(errors.NotFound) as missing:
        creator_get(username="nobody")
    assert (missing.value.code, missing.value.detail) == ("not_found", "No such creator.")
    gone = UserFactory(is_active=False)
    with pytest.raises(errors.NotFound):
        creator_get(username=gone.username)
