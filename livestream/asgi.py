"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket users come from the session cookie or, for non-browser clients,
``?token=<api token>`` (accounts.middleware.TokenAuthMiddleware).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.middleware import TokenAuthMiddlewareStack  # noqa: E402
from livestream.routing import websocket_urlpatterns  # noqa: E402
from livestream.websocket import BrowserOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(TokenAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

gc.freeze()  # as in wsgi.py: what is loaded by now stays, and full collections need not walk it
