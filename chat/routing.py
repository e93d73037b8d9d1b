from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("api/v1/streams/<uuid:stream_id>/chat", ChatConsumer.as_asgi()),
]
