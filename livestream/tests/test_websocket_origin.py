"""Browser sockets: the Origin is compared whole (scheme, host and port) with the site's trusted origins."""

import pytest
from channels.testing import WebsocketCommunicator

from livestream.websocket import NotServedConsumer

pytestmark = pytest.mark.asyncio


def validated():
    from livestream.websocket import BrowserOriginValidator

    return BrowserOriginValidator(NotServedConsumer.as_asgi())


async def connects(origin: bytes | None) -> bool:
    headers = [(b"origin", origin)] if origin is not None else []
    communicator = WebsocketCommunicator(validated(), "/ws/anything", headers=headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected  # NotServedConsumer accepts (then closes 4404): connected means the origin passed


@pytest.fixture
def site(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://live.example"
    settings.ALLOWED_HOSTS = ["live.example", "127.0.0.1", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.live.example", "https://*.partner.example"]


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # an allowed host, but not an origin of this site
        b"http://localhost:8000",
        b"http://live.example",  # another scheme
        b"https://live.example:8443",  # another port
        b"https://evil.example",
        b"https://live.example.evil.example",
        b"null",
        b"https://partner.example.evil",
    ],
)
async def test_a_browser_from_anywhere_but_the_sites_origins_is_refused(site, origin):
    assert await connects(origin) is False


@pytest.mark.parametrize(
    "origin",
    [b"https://live.example", b"https://LIVE.example:443", b"https://www.live.example", b"https://a.partner.example"],
)
async def test_the_sites_own_origins_connect(site, origin):
    assert await connects(origin) is True


async def test_clients_without_an_origin_connect(site):
    assert await connects(None) is True


async def test_in_debug_the_development_origins_connect(site, settings):
    settings.DEBUG = True
    assert await connects(b"http://127.0.0.1:5173") is True
    assert await connects(b"http://localhost:8000") is True
    assert await connects(b"https://evil.example") is False
