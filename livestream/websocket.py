from channels.security.websocket import OriginValidator
from django.conf import settings


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
