"""What the studio's live dashboard shows of gifts (templates/studio/stream.html), so those reads stay in gifts:
the stream's newest gifts as the room's `gift` events carry them, and what the creator earned from the stream."""

from django import template

from gifts.selectors import sent_gift_payload, stream_earnings, stream_recent_gifts

register = template.Library()

GIFT_FEED_LENGTH = 50


@register.simple_tag(takes_context=True)
def stream_gift_feed(context, stream) -> list[dict]:
    """The stream's newest gifts, newest first, in the body of the room's `gift` event (anonymous senders hidden,
    from the creator too)."""
    request = context.get("request")
    return [
        sent_gift_payload(sent, viewer=None, request=request)
        for sent in stream_recent_gifts(stream=stream, limit=GIFT_FEED_LENGTH)
    ]


@register.simple_tag
def stream_earnings_of(stream) -> dict:
    """What the creator earned from the stream (gifts and premium access), exact, from the ledger."""
    return stream_earnings(stream=stream)
