"""Requests that cannot burn the CPU: every list bounded before work on it, bodies capped per route (413 JSON),
and a JSON nesting bomb a 400 (never a 500) on DRF's routes and on the lean gift route."""

import json
import uuid
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from chat.api.serializers import ChatMessageInputSerializer, ChatSettingsSerializer
from chat.models import ChatMessage
from chat.services import MAX_MENTIONS, chat_message_send
from conftest import client_for
from gifts.tests.factories import GiftFactory
from streams.api.serializers import CreatorUpdateSerializer, StreamWriteSerializer
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

BOMB = "[" * 1000 + "]" * 1000  # Python's decoder raises RecursionError on it


class CountingList(list):
    """A list that counts the items read from it."""

    read = 0

    def __iter__(self):
        for item in super().__iter__():
            self.read += 1
            yield item


def many_ids(n=40_000):
    return [str(uuid.uuid4()) for _ in range(n)]


# --- Lists are bounded before any work on them --------------------------------------------------------------------


def test_the_chat_service_refuses_40000_mentions_before_reading_one():
    stream = StreamFactory(live=True)
    mentions = CountingList(many_ids())
    with pytest.raises(ValidationError) as refused:
        chat_message_send(stream_id=stream.pk, user=UserFactory(), content="hi", mentions=mentions)
    assert refused.value.message_dict == {"mentions": [f"At most {MAX_MENTIONS} mentions."]}
    assert mentions.read == 0  # no id parsed, no dedupe pass
    assert not ChatMessage.objects.exists()


def test_the_chat_service_dedupes_mentions_in_order():
    stream = StreamFactory(live=True)
    ada, bola = UserFactory(), UserFactory()
    ids = [str(ada.pk), str(bola.pk), str(ada.pk).upper(), str(bola.pk)]
    message = chat_message_send(stream_id=stream.pk, user=UserFactory(), content="hi", mentions=ids)
    assert message.mentions == [str(ada.pk), str(bola.pk)]


@pytest.mark.parametrize(
    ("serializer", "body", "field"),
    [
        (ChatMessageInputSerializer, {"content": "hi", "mentions": many_ids()}, "mentions"),
        (ChatSettingsSerializer, {"blocked_terms": ["x"] * 40_000}, "blocked_terms"),
        (StreamWriteSerializer, {"title": "t", "tags": ["x"] * 40_000}, "tags"),
        (CreatorUpdateSerializer, {"social_links": {str(i): "x" for i in range(40_000)}}, "social_links"),
    ],
)
def test_input_lists_are_refused_by_length_before_any_item_is_validated(serializer, body, field):
    with mock.patch.object(
        serializers.CharField, "run_validation", wraps=serializers.CharField().run_validation
    ) as item:
        input_ = serializer(data=body)
        assert not input_.is_valid()
    assert field in input_.errors
    assert item.call_count < 5  # the other fields at most, never 40,000 items


def test_an_overlong_list_is_refused_by_length_before_its_items_types_are_checked():
    body = {"content": "hi", "mentions": [1, *many_ids()]}  # the first item has the wrong type
    input_ = ChatMessageInputSerializer(data=body)
    assert not input_.is_valid()
    assert input_.errors["mentions"] == [f"Ensure this field has no more than {MAX_MENTIONS} elements."]


def test_every_list_or_dict_an_input_serializer_takes_is_bounded():
    from livestream.api.serializers import (
        BoundedDictField,
        BoundedListField,
        FormJSONField,
        QuerySerializer,
        StrictJSONInput,
    )

    inputs = [
        cls
        for module in ("accounts", "chat", "gifts", "streams", "wallet")
        for cls in vars(__import__(f"{module}.api.serializers", fromlist=["*"])).values()
        if isinstance(cls, type)
        and issubclass(cls, serializers.Serializer)
        and issubclass(cls, StrictJSONInput | QuerySerializer | FormJSONField)
    ]
    assert len(inputs) > 10
    loose = [
        f"{cls.__name__}.{name}"
        for cls in inputs
        for name, field in cls().fields.items()
        if not field.read_only
        and (
            (isinstance(field, serializers.ListField) and not isinstance(field, BoundedListField))
            or (isinstance(field, serializers.DictField) and not isinstance(field, BoundedDictField))
            or (isinstance(field, serializers.ListSerializer) and field.max_length is None)
        )
    ]
    assert loose == []


# --- Bodies are capped per route ---------------------------------------------------------------------------------


def test_an_oversize_json_body_is_a_413_json_before_the_view_reads_it():
    stream = StreamFactory(live=True)
    client = client_for(UserFactory())
    body = json.dumps({"content": "hi", "mentions": many_ids()})  # 1.6 MB
    with mock.patch("chat.api.views.ChatMessageInputSerializer") as view_work:
        response = client.post(f"/api/v1/streams/{stream.pk}/chat", body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"
    view_work.assert_not_called()


def test_a_10_mb_body_on_the_lean_gift_route_is_a_413_json():
    stream = StreamFactory(live=True)
    client = client_for(UserFactory())
    body = json.dumps({"gift_id": str(uuid.uuid4()), "quantity": 1, "message": "x" * (10 * 1024 * 1024)})
    response = client.post(f"/api/v1/streams/{stream.pk}/gifts", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_a_route_that_needs_more_takes_more():
    stream = StreamFactory(live=True)
    client = client_for(stream.creator)
    terms = [f"{i:03d}" + "é" * 96 for i in range(200)]  # 200 terms of 100 characters
    body = json.dumps({"blocked_terms": terms})  # ASCII-escaped: over 64 KB
    assert len(body) > 64 * 1024
    response = client.patch(f"/api/v1/streams/{stream.pk}/chat/settings", body, content_type="application/json")
    assert response.status_code == 200, response.content


def multipart(size: int) -> tuple[bytes, str]:
    """A multipart body of about ``size`` bytes: one file part that is not an image."""
    part = b'--b\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n\r\n' + b"x" * size
    return part + b"\r\n--b--\r\n", "multipart/form-data; boundary=b"


def test_only_routes_that_take_images_take_an_image_sized_body(settings):
    stream = StreamFactory(live=True)
    client = client_for(stream.creator)
    body, content_type = multipart(1024 * 1024)
    # A route that takes no file: a megabyte of multipart is refused unread.
    refused = client.post("/api/v1/streams", body, content_type=content_type)
    assert refused.status_code == 413 and refused.json()["code"] == "request_too_large"
    # The thumbnail takes one image: the view reads it (and refuses it as no image).
    taken = client.put(f"/api/v1/streams/{stream.pk}/thumbnail", body, content_type=content_type)
    assert taken.status_code == 400 and taken.json()["code"] == "invalid_image"
    # More than one image's worth is refused there too.
    body, content_type = multipart(settings.MAX_IMAGE_UPLOAD_BYTES + settings.API_JSON_BODY_MAX + 1)
    too_big = client.put(f"/api/v1/streams/{stream.pk}/thumbnail", body, content_type=content_type)
    assert too_big.status_code == 413


# --- Nesting bombs are a 400 -------------------------------------------------------------------------------------


def test_a_nesting_bomb_is_a_400_on_a_drf_route():
    client = client_for(UserFactory())
    response = client.post("/api/v1/streams", '{"title": ' + BOMB + "}", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_a_nesting_bomb_is_a_400_on_the_lean_gift_route():
    stream = StreamFactory(live=True)
    GiftFactory()
    user = UserFactory()
    coins_grant(user=user, coins=100, reason="test")
    client = client_for(user)
    response = client.post(
        f"/api/v1/streams/{stream.pk}/gifts", '{"gift_id": ' + BOMB + "}", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_a_nesting_bomb_in_a_form_field_is_a_400():
    user = UserFactory()
    client = client_for(user)
    response = client.patch(
        f"/api/v1/creators/{user.username}",
        '--b\r\nContent-Disposition: form-data; name="social_links"\r\n\r\n' + BOMB + "\r\n--b--\r\n",
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 400 and "social_links" in response.json()
