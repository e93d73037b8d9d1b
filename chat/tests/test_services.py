"""Chat services on their own: the rules of a message, and all-or-nothing writes."""

import pytest

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, ChatSettings
from chat.services import chat_message_send
from livestream import errors
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "blocked"),
    [
        # links, however they are written
        ("visit evil.example", True),
        ("foo.co.uk/x", True),
        ("Evil.Example", True),
        ("EVIL.EXAMPLE/path?q=1 now", True),
        ("(see evil.example).", True),
        ("sub.domain.evil.museum", True),
        ("evil.example.", True),
        ("go to cheap.ng", True),
        ("write to a@evil.example", True),
        ("xn--80ak6aa92e.com", True),
        ("пример.рф", True),
        ("evil。example", True),  # an ideographic full stop is a dot to browsers
        ("https://spam.example", True),
        ("http://localhost:8000/x", True),
        ("www.spam", True),
        ("at 192.168.0.1 tonight", True),
        ("10.0.0.1:8080/x", True),
        # ordinary sentences
        ("e.g. this one", False),
        ("i.e. that one", False),
        ("pi is 3.14", False),
        ("the end. Next one", False),
        ("wait...what", False),
        ("version 2.0 and 1.5.2 are out", False),
        ("Mr. Smith, U.S.A.", False),
        ("at 9 a.m. sharp", False),
        ("999.999.999.999", False),
        ("Ẹ kú àárọ̀ 👋", False),
        ("ok.. fine", False),
    ],
)
def test_block_links_catches_any_host_and_no_sentence(content, blocked):
    stream = StreamFactory(live=True)
    ChatSettings.objects.create(stream=stream, block_links=True)
    viewer = UserFactory()
    if blocked:
        with pytest.raises(errors.DomainError) as refused:
            chat_message_send(stream_id=stream.pk, user=viewer, content=content)
        assert refused.value.code == "message_blocked"
        assert not ChatMessage.objects.exists()
    else:
        assert chat_message_send(stream_id=stream.pk, user=viewer, content=content).content == content
    ChatSettings.objects.filter(stream=stream).update(block_links=False)
    assert chat_message_send(stream_id=stream.pk, user=UserFactory(), content=content).content == content
