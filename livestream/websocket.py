from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator
from django.conf import settings

# Close codes every socket of the platform uses (after an accepted handshake: a refusal before accept is an
# HTTP 403 that a browser sees only as 1006).
CLOSE_AUTHENTICATION_FAILED = 4401
CLOSE_NOT_FOUND = 4404


class BrowserOriginValidator(OriginValidator):
    """Refuse cross-site browser sockets; let clients without an Origin (apps, bots with tokens) in.

    Browsers always send Origin, so a page on another site cannot ride a
    viewer's session cookie; a REST/WebSocket client authenticates with
    ``?token=`` instead and has no Origin to send. Channels' own
    AllowedHostsOriginValidator refuses those clients outright.
    """

    def __init__(self, application):
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


class NotServedConsumer(AsyncWebsocketConsumer):
    """Every WebSocket path no app serves: accepted, then closed with 4404.

    Without it Channels' router raises "No route found" (an HTTP 500 and a traceback per attempt), and a
    close before accept is a 403 that a browser sees only as 1006 and retries forever.
    """

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND, reason="Nothing is served here.")
