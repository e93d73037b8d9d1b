"""The chat socket, on the real ASGI application: every event and every moderation rule."""

import asyncio
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from chat.models import BlockedTerm, ChatBan, ChatMessage, ChatModerator, ChatSettings
from chat.services import blocked_terms_changed, chat_ban_create, chat_message_delete
from streams.models import Follow, Stream, ViewerSession
from streams.services import stream_stop
from streams.tests.factories import StreamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def set_rules(stream, **rules):
    await db(ChatSettings.objects.update_or_create)(stream=stream, defaults=rules)


async def test_anyone_reads_and_a_signed_in_viewer_sends(live_stream, viewer, sockets):
    reader = await sockets(live_stream)
    writer = await sockets(live_stream, viewer)
    assert reader.connected and writer.connected
    settings_event = await reader.expect("chat_settings")
    assert settings_event["chat_enabled"] is True and settings_event["slow_mode"] == 0
    assert (await reader.expect("stream_status"))["status"] == "live"
    await writer.send("Ẹ kú àárọ̀ 👋 <b>hi</b>", message_type="text")
    event = await reader.expect("chat_message")
    message = event["message"]
    assert message["content"] == "Ẹ kú àárọ̀ 👋 <b>hi</b>"  # stored raw; pages escape it
    assert message["user"]["username"] == "viewer"
    assert set(message["user"]) >= {"id", "username", "display_name", "is_verified"}
    assert message["message_type"] == "text" and message["mentions"] == [] and message["created_at"].endswith("Z")
    stored = await db(ChatMessage.objects.get)(pk=message["id"])
    assert stored.content == message["content"]
    assert (await writer.expect("chat_message"))["message"]["id"] == message["id"]  # the sender sees it too


async def test_anonymous_viewer_cannot_send(live_stream, sockets):
    reader = await sockets(live_stream)
    await reader.send("hello")
    error = await reader.expect("error")
    assert error["code"] == "not_authenticated"
    assert not await db(ChatMessage.objects.exists)()


async def test_mentions_must_be_known_users(live_stream, viewer, creator, sockets):
    socket = await sockets(live_stream, viewer)
    await socket.send("hi @creator", mentions=[str(creator.pk)])
    assert (await socket.expect("chat_message"))["message"]["mentions"] == [str(creator.pk)]
    await socket.send("hi ghost", mentions=["00000000-0000-0000-0000-000000000000"])
    error = await socket.expect("error")
    assert error["code"] == "invalid_message" and "mentions" in error["errors"]


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        '{"type": "other"}',
        '["list"]',
        '{"type": "chat_message", "content": "   "}',
        '{"type": "chat_message", "content": "' + "x" * 501 + '"}',
        '{"type": "chat_message", "content": 5}',
        '{"type": "chat_message", "content": "hi", "message_type": "shout"}',
    ],
)
async def test_bad_frames_get_an_error_and_keep_the_connection(live_stream, viewer, sockets, frame):
    socket = await sockets(live_stream, viewer)
    await socket.communicator.send_to(text_data=frame)
    assert (await socket.expect("error"))["code"] == "invalid_message"
    await socket.send("still here")
    assert (await socket.expect("chat_message"))["message"]["content"] == "still here"


async def test_stream_status_and_chat_settings_changes_reach_the_room(live_stream, creator, sockets):
    socket = await sockets(live_stream)
    await socket.expect("stream_status")
    owner = APIClient()
    await db(owner.force_authenticate)(creator)
    response = await db(owner.put)(
        f"/api/v1/streams/{live_stream.pk}/chat/settings", {"slow_mode": 30, "emote_only": True}, format="json"
    )
    assert response.status_code == 200
    event = await socket.expect("chat_settings", slow_mode=30)
    assert event["emote_only"] is True and "blocked_terms" not in event
    await db(stream_stop)(stream=live_stream)
    assert (await socket.expect("stream_status", status="ended"))["status"] == "ended"


async def test_viewer_count_is_broadcast_and_stored(live_stream, sockets):
    first = await sockets(live_stream)
    assert (await first.expect("viewer_count", count=1))["count"] == 1
    second = await sockets(live_stream, address="10.0.0.2")
    await first.expect("viewer_count", count=2)
    stream = await db(Stream.objects.get)(pk=live_stream.pk)
    assert stream.current_viewers == 2 and stream.peak_viewers == 2
    await second.close()
    await first.expect("viewer_count", count=1)
    stream = await db(Stream.objects.get)(pk=live_stream.pk)
    assert stream.current_viewers == 1 and stream.peak_viewers == 2
    sessions = await db(list)(ViewerSession.objects.filter(stream=live_stream, left_at__isnull=False))
    assert len(sessions) == 1


async def test_many_sockets_from_one_address_count_as_one_viewer(live_stream, viewer, sockets):
    first = await sockets(live_stream)
    await first.expect("viewer_count", count=1)
    for _ in range(5):
        await sockets(live_stream)
    await sockets(live_stream, viewer)  # a signed-in user is counted by id, wherever they connect from
    await first.expect("viewer_count", count=2)
    await asyncio.sleep(0.3)  # a few more ticks
    stream = await db(Stream.objects.get)(pk=live_stream.pk)
    assert stream.current_viewers == 2 and stream.peak_viewers == 2  # the peak: never more, not even for a tick


async def test_one_socket_past_ws_max_per_address_is_closed_4429(live_stream, sockets, settings):
    settings.WS_MAX_PER_ADDRESS = 3
    opened = [await sockets(live_stream, address="10.0.0.9") for _ in range(3)]
    await opened[0].expect("viewer_count", count=1)
    extra = await sockets(live_stream, address="10.0.0.9")
    assert (await extra.expect("error"))["code"] == "too_many_connections"
    assert (await extra.communicator.receive_output(timeout=1))["code"] == 4429
    other = await sockets(live_stream, address="10.0.0.10")  # another address is not affected
    await other.expect("chat_settings")
    await opened[1].close()
    again = await sockets(live_stream, address="10.0.0.9")  # a closed socket frees its place
    await again.expect("chat_settings")


async def test_reconnect_cycles_write_one_viewer_session(live_stream, viewer, sockets):
    for user in (None, viewer):
        for _ in range(5):
            socket = await sockets(live_stream, user)
            await socket.expect("stream_status")
            await socket.close()
    sessions = await db(list)(ViewerSession.objects.filter(stream=live_stream).order_by("pk"))
    assert len(sessions) == 2
    assert sessions[0].user is None and sessions[1].user_id == viewer.pk
    assert all(session.left_at is not None for session in sessions)


async def test_a_reconnect_after_the_resume_window_starts_a_new_session(live_stream, sockets, settings):
    settings.VIEWER_SESSION_RESUME_SECONDS = 0
    for _ in range(2):
        socket = await sockets(live_stream)
        await socket.expect("stream_status")
        await socket.close()
    assert await db(ViewerSession.objects.filter(stream=live_stream).count)() == 2


async def test_max_viewers_refuses_the_next_viewer_but_not_the_creator(creator, sockets):
    stream = await db(StreamFactory)(creator=creator, live=True, max_viewers=1)
    first = await sockets(stream)
    await first.expect("viewer_count", count=1)
    second = await sockets(stream, address="10.0.0.2")
    assert (await second.expect("error"))["code"] == "room_full"
    assert (await second.communicator.receive_output(timeout=1))["code"] == 4429
    owner = await sockets(stream, creator)
    await owner.expect("chat_settings")


async def close_on_connect(path: str, user=None) -> dict:
    """Connect to ``path`` (as ``user``): the handshake must succeed; returns how the server then closed."""
    from channels.testing import WebsocketCommunicator
    from rest_framework.authtoken.models import Token

    from livestream.asgi import application

    if user is not None:
        token, _ = await db(Token.objects.get_or_create)(user=user)
        path += f"?token={token.key}"
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    # A close before accept is an HTTP 403 at the handshake on a real server, and a browser sees only 1006
    # (and reconnects forever); the close code 4404 the README promises needs an accepted socket.
    assert connected is True
    close = await communicator.receive_output(timeout=3)
    await communicator.disconnect()
    return close


@pytest.mark.parametrize("stream_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "12345", "private"])
async def test_a_stream_the_caller_may_not_see_is_accepted_then_closed_4404(creator, viewer, stream_id):
    private = await db(StreamFactory)(creator=creator, live=True, visibility="private")
    if stream_id == "private":
        stream_id = private.pk
    for user in (None, viewer):
        close = await close_on_connect(f"/api/v1/streams/{stream_id}/chat", user)
        assert close == {"type": "websocket.close", "code": 4404, "reason": "No such stream."}
    assert not await db(ViewerSession.objects.exists)()


async def test_the_owner_of_a_private_stream_connects(creator, sockets):
    stream = await db(StreamFactory)(creator=creator, live=True, visibility="private")
    owner = await sockets(stream, creator)
    assert owner.connected
    assert (await owner.expect("stream_status"))["status"] == "live"


async def test_an_id_in_another_spelling_joins_the_same_room(live_stream, viewer, sockets):
    from channels.testing import WebsocketCommunicator

    from livestream.asgi import application

    shouting = WebsocketCommunicator(application, f"/api/v1/streams/{str(live_stream.pk).upper()}/chat")
    connected, _ = await shouting.connect()
    assert connected
    try:
        writer = await sockets(live_stream, viewer)
        await writer.send("hello, same room")
        while (event := await shouting.receive_json_from(timeout=3))["type"] != "chat_message":
            pass
        assert event["message"]["content"] == "hello, same room"
    finally:
        await shouting.disconnect()


async def test_deleted_message_event(live_stream, viewer, creator, sockets):
    socket = await sockets(live_stream, viewer)
    await socket.send("delete me")
    message_id = (await socket.expect("chat_message"))["message"]["id"]
    await db(chat_message_delete)(stream=live_stream, message_id=message_id, actor=creator)
    assert (await socket.expect("message_deleted"))["message_id"] == message_id


async def test_chat_off_refuses_messages(live_stream, viewer, sockets):
    await db(Stream.objects.filter(pk=live_stream.pk).update)(allow_chat=False)
    socket = await sockets(live_stream, viewer)
    await socket.send("hello?")
    assert (await socket.expect("error"))["code"] == "chat_disabled"


async def test_ban_reaches_the_offender_live_and_holds(live_stream, viewer, creator, sockets):
    socket = await sockets(live_stream, viewer)
    await socket.expect("stream_status")
    await db(chat_ban_create)(stream=live_stream, actor=creator, user=viewer, duration_seconds=600, reason="spam")
    error = await socket.expect("error", code="timed_out")
    expires_at = (await db(ChatBan.objects.get)()).expires_at
    assert "spam" in error["detail"] and error["until"] == expires_at.isoformat().replace("+00:00", "Z")
    assert error["retry_after"] == 600
    await socket.send("let me talk")
    refused = await socket.expect("error", code="timed_out")
    assert refused["until"] == error["until"] and 590 <= refused["retry_after"] <= 600
    await db(chat_ban_create)(stream=live_stream, actor=creator, user=viewer)  # now for good
    error = await socket.expect("error", code="banned")
    assert "until" not in error and "retry_after" not in error
    await socket.send("let me talk")
    refused = await socket.expect("error", code="banned")
    assert "until" not in refused and "retry_after" not in refused
    assert not await db(ChatMessage.objects.exists)()


async def test_a_ban_is_heard_only_on_the_stream_it_is_for(live_stream, viewer, creator, sockets):
    other_stream = await db(StreamFactory)(creator=creator, live=True)
    here, elsewhere = await sockets(live_stream, viewer), await sockets(other_stream, viewer)
    await here.expect("stream_status")
    await elsewhere.expect("stream_status")
    await db(chat_ban_create)(stream=live_stream, actor=creator, user=viewer)
    assert (await here.expect("error", code="banned"))["stream_id"] == str(live_stream.pk)
    await asyncio.sleep(0.3)  # what the other socket heard, read without a receive timeout (it would cancel it)
    queue = elsewhere.communicator.output_queue
    heard = [json.loads(queue.get_nowait()["text"]) for _ in range(queue.qsize())]
    assert [event for event in heard if event["type"] == "error"] == []


async def test_expired_timeout_lets_the_user_talk_again(live_stream, viewer, creator, sockets):
    await db(ChatBan.objects.create)(stream=live_stream, user=viewer, expires_at=timezone.now() - timedelta(seconds=1))
    socket = await sockets(live_stream, viewer)
    await socket.send("back")
    await socket.expect("chat_message")


async def test_slow_mode_holds_viewers_but_not_moderators(live_stream, viewer, sockets):
    moderator = await db(UserFactory)()
    await db(ChatModerator.objects.create)(stream=live_stream, user=moderator)
    await set_rules(live_stream, slow_mode_seconds=60)
    socket = await sockets(live_stream, viewer)
    await socket.send("one")
    await socket.expect("chat_message")
    await socket.send("two")
    error = await socket.expect("error")
    assert error["code"] == "slow_mode" and 0 < error["retry_after"] <= 60
    mod_socket = await sockets(live_stream, moderator)
    for text in ("m1", "m2", "m3"):
        await mod_socket.send(text)
        message = (await mod_socket.expect("chat_message"))["message"]
        assert message["content"] == text and message["user"]["badges"] == ["moderator"]


async def test_followers_only_with_a_minimum_follow_age(live_stream, viewer, creator, sockets):
    await set_rules(live_stream, followers_only=True, followers_min_minutes=10)
    socket = await sockets(live_stream, viewer)
    await socket.send("not following")
    assert (await socket.expect("error"))["code"] == "followers_only"
    follow = await db(Follow.objects.create)(follower=viewer, creator=creator)
    await socket.send("just followed")
    assert (await socket.expect("error"))["code"] == "followers_only"
    await db(Follow.objects.filter(pk=follow.pk).update)(created_at=timezone.now() - timedelta(minutes=11))
    await socket.send("long-time follower")
    await socket.expect("chat_message")


async def test_emote_only(live_stream, viewer, sockets):
    await set_rules(live_stream, emote_only=True)
    socket = await sockets(live_stream, viewer)
    await socket.send("words")
    assert (await socket.expect("error"))["code"] == "emote_only"
    await socket.send("words in disguise", message_type="emote")
    assert (await socket.expect("error"))["code"] == "emote_only"
    await socket.send("🎉🎉", message_type="emote")
    assert (await socket.expect("chat_message"))["message"]["message_type"] == "emote"


async def test_stream_and_global_blocked_terms_and_links(live_stream, viewer, sockets):
    await set_rules(live_stream, blocked_terms=["yahoo boy"], block_links=True)
    await db(BlockedTerm.objects.create)(term="scamcoin")
    await db(blocked_terms_changed)()
    socket = await sockets(live_stream, viewer)
    for text in ("he is a YAHOO BOY", "buy SCAMCOIN now", "visit https://spam.example", "go to cheap.ng"):
        await socket.send(text)
        assert (await socket.expect("error"))["code"] == "message_blocked", text
    await socket.send("yahoo is a search engine")  # a term blocks whole words only
    await socket.expect("chat_message")
    assert await db(ChatMessage.objects.count)() == 1


async def test_flood_is_rate_limited_without_dropping_the_connection(live_stream, viewer, sockets, settings):
    settings.CHAT_RATE_MESSAGES = 3
    settings.CHAT_RATE_SECONDS = 3600  # fixed windows: four messages straddle two only across an hour's turn
    socket = await sockets(live_stream, viewer)
    for n in range(3):
        await socket.send(f"msg {n}")
        await socket.expect("chat_message")
    await socket.send("too many")
    error = await socket.expect("error")
    assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    assert await db(ChatMessage.objects.count)() == 3
    await socket.communicator.send_json_to({"type": "chat_message", "content": "x"})
    assert (await socket.expect("error"))["code"] == "rate_limited"  # still connected, still answered


async def test_a_message_posted_over_rest_reaches_sockets_the_same_way(live_stream, viewer, sockets):
    socket = await sockets(live_stream)
    client = APIClient()
    await db(client.force_authenticate)(viewer)
    response = await db(client.post)(f"/api/v1/streams/{live_stream.pk}/chat", {"content": "via REST"}, format="json")
    assert response.status_code == 201
    event = await socket.expect("chat_message")
    assert event["message"] == response.json()


async def test_a_laggard_is_dropped_and_the_room_goes_on(live_stream, viewer, sockets, settings):
    settings.CHAT_OUTBOX_LIMIT = 5
    from chat.rooms import RoomHub
    from livestream.events import event_text

    hub = RoomHub.current()
    first = await sockets(live_stream)
    await first.expect("stream_status")  # sent once the consumer has joined the room
    (slow_consumer,) = hub.members(live_stream.pk)
    fast = await sockets(live_stream)
    await fast.expect("stream_status")
    never = asyncio.get_running_loop().create_future()

    async def stuck_send(message):  # this viewer's transport is full and stays full
        await never

    slow_consumer.outbox._send = stuck_send
    for n in range(10):
        hub.dispatch(str(live_stream.pk), event_text({"type": "chat_message", "message": {"n": n}}))
        await asyncio.sleep(0)
    for n in range(10):
        assert (await fast.expect("chat_message"))["message"] == {"n": n}
    assert slow_consumer.joined is False


async def test_cross_site_browser_sockets_are_refused(live_stream):
    from channels.testing import WebsocketCommunicator

    from livestream.asgi import application

    path = f"/api/v1/streams/{live_stream.pk}/chat"
    evil = WebsocketCommunicator(application, path, headers=[(b"origin", b"https://evil.example")])
    connected, _ = await evil.connect()
    assert connected is False
    same = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1:8000")])
    connected, _ = await same.connect()
    assert connected is True
    await same.disconnect()


async def test_a_gift_reaches_the_room(live_stream, viewer, sockets):
    from gifts.tests.factories import GiftFactory
    from wallet.services import coins_grant

    gift = await db(GiftFactory)(name="Agbada", cost_in_coins=5, animation="spin")
    await db(coins_grant)(user=viewer, coins=50, reason="test")
    socket = await sockets(live_stream)
    client = APIClient()
    await db(client.force_authenticate)(viewer)
    response = await db(client.post)(
        f"/api/v1/streams/{live_stream.pk}/gifts", {"gift_id": str(gift.pk), "quantity": 2}, format="json"
    )
    assert response.status_code == 201
    event = (await socket.expect("gift"))["gift"]
    assert event["gift"]["name"] == "Agbada" and event["gift"]["animation"] == "spin"
    assert event["quantity"] == 2 and event["total_coins"] == 10 and event["combo"] == 1
    assert event["sender"]["username"] == "viewer"


async def test_a_socket_to_a_path_nobody_serves_is_closed_4404_not_a_server_error():
    """Any other WebSocket path raised "No route found" inside the router: an HTTP 500 and a traceback."""
    close = await close_on_connect("/ws/unknown")
    assert close == {"type": "websocket.close", "code": 4404, "reason": "Nothing is served here."}


async def test_a_socket_with_a_bad_token_is_told_so_and_closed_4401(live_stream):
    """A token that matches nobody let the socket in as anonymous; over HTTP the same token is a 401."""
    from channels.testing import WebsocketCommunicator

    from livestream.asgi import application

    communicator = WebsocketCommunicator(application, f"/api/v1/streams/{live_stream.pk}/chat?token=not-a-token")
    connected, _ = await communicator.connect()
    assert connected is True
    error = await communicator.receive_json_from(timeout=3)
    assert error == {"type": "error", "code": "authentication_failed", "detail": "Invalid token."}
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_a_nesting_bomb_or_too_many_mentions_over_the_socket_is_an_error_event(live_stream, viewer, sockets):
    socket = await sockets(live_stream, viewer)
    await socket.communicator.send_to(text_data='{"type": "chat_message", "content": ' + "[" * 1000 + "]" * 1000 + "}")
    assert (await socket.expect("error"))["code"] == "invalid_message"
    ids = ["00000000-0000-0000-0000-%012d" % i for i in range(21)]  # noqa: UP031
    await socket.send("hi", mentions=ids)
    error = await socket.expect("error")
    assert error["code"] == "invalid_message" and error["errors"] == {"mentions": ["At most 20 mentions."]}
    await socket.send("still here")  # the socket still works
    assert (await socket.expect("chat_message"))["message"]["content"] == "still here"


async def test_a_channel_ban_reaches_the_offender_in_every_room_of_the_channel_and_mutes_them(
    live_stream, viewer, creator, sockets
):
    from chat.services import chat_channel_ban_create, chat_channel_moderator_add

    second = await db(StreamFactory)(creator=creator, live=True)
    elsewhere_stream = await db(StreamFactory)(live=True)  # another creator's
    moderator = await db(UserFactory)()
    await db(chat_channel_moderator_add)(creator=creator, actor=creator, user=moderator)
    here, there = await sockets(live_stream, viewer), await sockets(second, viewer)
    elsewhere = await sockets(elsewhere_stream, viewer)
    for socket in (here, there, elsewhere):
        await socket.expect("stream_status")
    await db(chat_channel_ban_create)(creator=creator, actor=moderator, user=viewer, reason="spam")
    for socket in (here, there):
        told = await socket.expect("error", code="banned")
        assert told["creator_id"] == str(creator.pk) and "spam" in told["detail"]
        await socket.send("let me talk")
        refused = await socket.expect("error", code="banned")
        assert "this channel's chats" in refused["detail"]
    await asyncio.sleep(0.3)  # what the other creator's room heard, read without a receive timeout
    queue = elsewhere.communicator.output_queue
    heard = [json.loads(queue.get_nowait()["text"]) for _ in range(queue.qsize())]
    assert [event for event in heard if event["type"] == "error"] == []
    await elsewhere.send("still welcome here")
    assert (await elsewhere.expect("chat_message"))["message"]["content"] == "still welcome here"
    assert await db(ChatMessage.objects.count)() == 1


async def test_a_socket_whose_wait_timed_out_still_closes(live_stream, sockets):
    """The test client's own teardown: a receive that times out cancels the application (asgiref), and closing
    then must not raise CancelledError, which would skip the database flush after the test (every later test
    on that database would find its rows)."""
    socket = await sockets(live_stream)
    with pytest.raises((TimeoutError, asyncio.CancelledError)):  # which one depends on the moment it lands
        for _ in range(1000):  # past the greeting events (and any presence tick), to a wait that times out
            await socket.communicator.receive_json_from(timeout=0.01)
    assert socket.communicator.future.done()
    await socket.close()
    await socket.close()  # twice: the fixture's teardown closes it again
