from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns = [
    # Any id, not <uuid:>: a malformed one must reach the consumer to be accepted and closed with 4404
    # (an unrouted path fails the handshake, which a browser sees only as 1006).
    path("api/v1/streams/<str:stream_id>/chat", ChatConsumer.as_asgi()),
]
