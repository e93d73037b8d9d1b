"""WebSocket routes of every app, then the answer for any other path."""

from django.urls import re_path

from chat.routing import websocket_urlpatterns as chat_routes
from livestream.websocket import NotServedConsumer
from notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*chat_routes, *notification_routes, re_path(r"", NotServedConsumer.as_asgi())]
