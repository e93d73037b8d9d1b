"""WebSocket routes; each app's consumers are added here."""

websocket_urlpatterns: list = []
