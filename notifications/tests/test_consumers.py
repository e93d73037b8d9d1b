"""The notification socket: signed-in users only, the count on connect, new notifications live, nothing else."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from livestream.events import send_event_on_commit
from notifications.models import Kind
from notifications.services import notifications_mark_read, notify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def connect(user=None):
    from livestream.asgi import application

    query = ""
    if user is not None:
        token, _ = await database_sync_to_async(Token.objects.get_or_create)(user=user)
        query = f"?token={token.key}"
    communicator = WebsocketCommunicator(application, f"/ws/notifications/{query}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_signed_out_is_closed_4401():
    socket = await connect()
    assert (await socket.receive_output(timeout=2))["code"] == 4401
    await socket.disconnect()


async def test_count_on_connect_then_new_notifications_and_reads():
    user = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(notify)(kind=Kind.FOLLOWER, user_ids=[user.pk], title="Old", body="", url="/")
    socket = await connect(user)
    try:
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "count": 1}
        await database_sync_to_async(notify)(
            kind=Kind.LIVE, user_ids=[user.pk], title="Ada is live", body="", url="/s/"
        )
        event = await socket.receive_json_from(timeout=2)
        assert event["type"] == "notification" and event["unread_count"] == 2
        assert event["notification"]["title"] == "Ada is live"
        # A user event about a stream (a chat ban) is for chat sockets, not this one.
        await database_sync_to_async(send_event_on_commit)({"type": "banned", "stream_id": "x"}, users=[user.pk])
        await database_sync_to_async(notifications_mark_read)(user=user, all=True)
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "count": 0}
    finally:
        await socket.disconnect()
