from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator

from livestream.origins import origin_trusted

# Close codes every socket of the platform uses (after an accepted handshake: a refusal before accept is an
# HTTP 403 that a browser sees only as 1006).
CLOSE_AUTHENTICATION_FAILED = 4401
CLOSE_NOT_FOUND = 4404


class BrowserOriginValidator(OriginValidator):
    """Refuse cross-site browser sockets; let clients without an Origin (apps, bots with tokens) in.

    Browsers always send Origin, so a page on another site cannot ride a
    viewer's session cookie (the Origin is compared whole, scheme, host and port, with the site's own
    origins: see livestream/origins.py); a REST/WebSocket client authenticates with
    ``?token=`` instead and has no Origin to send. Channels' own
    AllowedHostsOriginValidator refuses those clients outright.
    """

    def __init__(self, application):
        super().__init__(application, [])

    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None:
            return True
        # Scheme, host and port against the site's trusted origins (read per handshake: settings may change).
        return origin_trusted(parsed_origin.geturl())


class NotServedConsumer(AsyncWebsocketConsumer):
    """Every WebSocket path no app serves: accepted, then closed with 4404.

    Without it Channels' router raises "No route found" (an HTTP 500 and a traceback per attempt), and a
    close before accept is a 403 that a browser sees only as 1006 and retries forever.
    """

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND, reason="Nothing is served here.")
