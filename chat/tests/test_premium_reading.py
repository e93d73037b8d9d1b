"""A premium stream's chat is read as its video is watched: history and the room's socket need access."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, ChatModerator
from conftest import client_for
from streams.models import Subscription
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

db = database_sync_to_async


def make_readers(stream):
    """Everyone who may read, by what lets them."""
    moderator, staff, buyer, subscriber = UserFactory(), UserFactory(is_staff=True), UserFactory(), UserFactory()
    ChatModerator.objects.create(stream=stream, user=moderator)
    coins_grant(user=buyer, coins=stream.price_coins, reason="test")
    stream_access_buy(stream=stream, user=buyer)
    Subscription.objects.create(
        subscriber=subscriber,
        creator=stream.creator,
        price_coins=10,
        current_period_end=timezone.now() + timedelta(days=3),
    )
    return {"creator": stream.creator, "moderator": moderator, "staff": staff, "buyer": buyer, "subscriber": subscriber}


@pytest.mark.django_db
def test_premium_history_is_403_without_access_and_read_with_it(api_client):
    stream = StreamFactory(live=True, is_premium=True, price_coins=50)
    ChatMessage.objects.create(stream=stream, user=stream.creator, content="for paying viewers only")
    url = f"/api/v1/streams/{stream.pk}/chat"
    for client in (api_client, client_for(UserFactory())):
        response = client.get(url)
        assert response.status_code == 403 and response.json()["code"] == "premium_required", response.json()
        assert "paying viewers" not in response.content.decode()
    for role, reader in make_readers(stream).items():
        response = client_for(reader).get(url)
        assert response.status_code == 200, role
        assert [m["content"] for m in response.json()["results"]] == ["for paying viewers only"]


@pytest.mark.django_db
def test_free_history_stays_open(api_client):
    stream = StreamFactory(live=True)
    ChatMessage.objects.create(stream=stream, user=stream.creator, content="hello all")
    assert api_client.get(f"/api/v1/streams/{stream.pk}/chat").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_premium_rooms_socket_closes_4403_without_access(sockets):
    stream = await db(StreamFactory)(live=True, is_premium=True, price_coins=50)
    outsider = await db(UserFactory)()
    for user in (None, outsider):
        socket = await sockets(stream, user=user)
        error = await socket.expect("error")
        assert error["code"] == "premium_required"
        assert (await socket.communicator.receive_output(timeout=3))["code"] == 4403
    readers = await db(make_readers)(stream)
    for reader in readers.values():
        socket = await sockets(stream, user=reader)
        assert (await socket.expect("stream_status"))["status"] == "live"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_sockets_that_may_no_longer_read_close_when_a_stream_goes_private_or_premium(sockets):
    from streams.services import stream_update

    stream = await db(StreamFactory)(live=True)
    viewer, buyer = await db(UserFactory)(), await db(UserFactory)()
    anonymous, signed_in = await sockets(stream), await sockets(stream, user=viewer)
    creator = await sockets(stream, user=await db(lambda: stream.creator)())
    for socket in (anonymous, signed_in, creator):
        assert (await socket.expect("stream_status"))["visibility"] == "public"  # where the room stands, on joining

    await db(stream_update)(stream=stream, data={"is_premium": True, "price_coins": 50})
    for socket in (anonymous, signed_in):
        assert (await socket.expect("error"))["code"] == "premium_required"
        assert (await socket.communicator.receive_output(timeout=3))["code"] == 4403
    await creator.expect("stream_updated")  # the creator reads on

    def buy():
        stream.refresh_from_db()
        coins_grant(user=buyer, coins=50, reason="test")
        stream_access_buy(stream=stream, user=buyer)

    await db(buy)()
    paid = await sockets(stream, user=buyer)
    await paid.expect("stream_status")
    await db(stream_update)(stream=stream, data={"visibility": "private"})
    assert (await paid.expect("error"))["code"] == "not_found"
    assert (await paid.communicator.receive_output(timeout=3))["code"] == 4404
    assert (await creator.expect("stream_updated"))["visibility"] == "private"
    await creator.send("still here")
    assert (await creator.expect("chat_message"))["message"]["content"] == "still here"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_shut_out_hears_why_before_it_closes_whatever_the_order_of_the_room_s_event(sockets):
    """The room's stream_updated comes through the process's hub, the access change straight to each socket, so
    the close can come first. The viewer must still learn the stream went private (the page says so) before it."""
    from livestream.events import room_access_changed_on_commit
    from streams.models import Stream

    stream = await db(StreamFactory)(live=True)
    anonymous = await sockets(stream)
    await anonymous.expect("stream_status")
    await db(Stream.objects.filter(pk=stream.pk).update)(visibility="private")
    await db(room_access_changed_on_commit)(stream.pk, visibility="private", is_premium=False)  # no room event at all
    heard = []
    while True:
        out = await anonymous.communicator.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            break
        event = json.loads(out["text"])
        if event["type"] in ("stream_updated", "error"):
            heard.append(event)
    assert out["code"] == 4404
    assert [event["type"] for event in heard] == ["stream_updated", "error"]
    assert heard[0]["visibility"] == "private" and heard[1]["code"] == "not_found"
