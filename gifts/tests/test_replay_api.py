"""GET /streams/{id}/recordings/{recording id}/gifts: the gifts sent during a recording by offset from its start,
an anonymous sender hidden as everywhere, for the viewers who may watch the recording."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import client_for
from gifts.models import SentGift
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import Stream
from streams.tests.factories import StreamFactory, recording_opened_at
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db


def sent_at(stream, when, *, sender, is_anonymous=False, message="") -> SentGift:
    """A gift really sent (the wallet pays it), then moved to ``when``: created_at is set as it is saved."""
    sent = gift_send(
        stream_id=stream.pk,
        sender=sender,
        gift_id=GiftFactory(name="Talking drum").pk,
        quantity=2,
        message=message,
        is_anonymous=is_anonymous,
    )
    SentGift.objects.filter(pk=sent.pk).update(created_at=when)
    return sent


def ended_with_gifts(**stream_fields):
    """A stream that went live at a whole second, got three gifts (one anonymous) and ended, and its recording."""
    opened = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    stream = StreamFactory(live=True, started_at=opened, **stream_fields)
    fan, shy = UserFactory(display_name="Tunde"), UserFactory()
    for sender in (fan, shy):
        coins_grant(user=sender, coins=500, reason="test")
    sent_at(stream, opened + timedelta(seconds=3), sender=fan, message="Well played")
    sent_at(stream, opened + timedelta(seconds=4.5), sender=shy, is_anonymous=True)
    sent_at(stream, opened + timedelta(seconds=700), sender=fan)
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.ENDED, ended_at=opened + timedelta(hours=1))
    stream.refresh_from_db()
    return stream, recording_opened_at(stream, opened, duration=3600), fan, shy


def url(stream, recording, query="") -> str:
    return f"/api/v1/streams/{stream.pk}/recordings/{recording.pk}/gifts{query}"


def test_gifts_replay_at_their_offsets_and_an_anonymous_sender_stays_hidden_but_from_themselves():
    stream, recording, _, shy = ended_with_gifts()
    body = APIClient().get(url(stream, recording)).json()
    assert [item["offset"] for item in body["results"]] == [3.0, 4.5] and body["next"] is None
    named, anonymous = (item["gift"] for item in body["results"])
    assert named["sender"]["display_name"] == "Tunde" and named["message"] == "Well played"
    assert named["gift"]["name"] == "Talking drum" and named["quantity"] == 2
    assert anonymous["is_anonymous"] and anonymous["sender"] is None
    theirs = client_for(shy).get(url(stream, recording)).json()["results"][1]["gift"]
    assert theirs["sender"]["id"] == str(shy.pk)

    later = APIClient().get(url(stream, recording, "?from=600&to=1200")).json()
    assert [item["offset"] for item in later["results"]] == [700.0]
    before = APIClient().get(url(stream, recording, "?before=4.5&limit=50")).json()
    assert [item["offset"] for item in before["results"]] == [3.0]


def test_a_premium_recordings_gifts_are_for_viewers_who_may_watch_it():
    stream, recording, fan, _ = ended_with_gifts(is_premium=True, price_coins=20)
    response = APIClient().get(url(stream, recording))
    assert response.status_code == 403 and response.json()["code"] == "premium_required"
    assert client_for(fan).get(url(stream, recording)).status_code == 403  # gifting bought no access
    assert len(client_for(stream.creator).get(url(stream, recording)).json()["results"]) == 2


def test_a_bad_window_is_refused():
    stream, recording, _, _ = ended_with_gifts()
    response = APIClient().get(url(stream, recording, "?from=100&to=50"))
    assert response.status_code == 400 and "to" in response.json()
