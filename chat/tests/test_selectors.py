"""chat's reads raise the domain's errors, never HTTP's."""

import uuid

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from chat.selectors import chat_message_get
from livestream import errors
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_chat_message_get_finds_a_visible_message_of_its_stream():
    stream = StreamFactory(live=True)
    message = ChatMessage.objects.create(stream=stream, user=UserFactory(), content="hello")
    assert chat_message_get(stream=stream, message_id=message.pk) == message


def test_chat_message_get_raises_not_found_for_unknown_deleted_or_other_streams_messages():
    stream, other = StreamFactory(live=True), StreamFactory(live=True)
    author = UserFactory()
    deleted = ChatMessage.objects.create(stream=stream, user=author, content="gone", deleted_at=timezone.now())
    elsewhere = ChatMessage.objects.create(stream=other, user=author, content="not here")
    for message_id in (uuid.UUID(int=0), deleted.pk, elsewhere.pk):
        with pytest.raises(errors.NotFound) as missing:
            chat_message_get(stream=stream, message_id=message_id)
        assert (missing.value.code, missing.value.detail) == ("not_found", "No such message.")
