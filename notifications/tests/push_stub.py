"""A local Web Push service (a real HTTP server on a free port; nothing leaves the machine).

The ``push_service`` fixture starts it, points WEBPUSH_ENDPOINT_HOSTS at it and gives the server a VAPID key
pair. ``browser_subscription()`` plays a browser: it makes the subscription's own key pair and auth secret (as
a browser does), so the stub can DECRYPT what it receives (RFC 8291, aes128gcm) with that private key and
check the VAPID ``Authorization`` header (RFC 8292) against the server's public key. Each endpoint answers
``status[name]`` (201 unless set), or a 307 to another endpoint (``redirect[name]``); ``stall`` holds an answer
until the client has given up.
"""

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from notifications.delivery.vapid import generate_private_key_b64


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One browser's subscription: what it sends the server (``as_json``) and the secrets only it holds."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def as_json(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    name: str
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes
    browser: Browser | None

    def decrypt(self) -> dict:
        """The payload as the browser reads it: decrypted with the subscription's private key and auth secret."""
        assert self.browser is not None, f"no browser subscribed at {self.name}"
        plain = http_ece.decrypt(
            self.body, private_key=self.browser.private_key, auth_secret=self.browser.auth, version="aes128gcm"
        )
        return json.loads(plain)

    def vapid_claims(self, public_key: str) -> dict:
        """The VAPID JWT's claims, once its ES256 signature verifies against ``public_key`` (base64url point)."""
        scheme, _, params = self.headers["Authorization"].partition(" ")
        assert scheme == "vapid", self.headers["Authorization"]
        parts = dict(item.strip().split("=", 1) for item in params.split(","))
        assert parts["k"].rstrip("=") == public_key.rstrip("="), "the header names another key"
        header_b64, claims_b64, signature_b64 = parts["t"].split(".")
        signature = unb64url(signature_b64)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
        try:
            key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:  # pragma: no cover - the assertion below says it
            raise AssertionError("the VAPID signature does not verify against the server's public key") from exc
        assert json.loads(unb64url(header_b64))["alg"] == "ES256"
        return json.loads(unb64url(claims_b64))


@dataclass
class PushService:
    origin: str
    public_key: str
    status: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    browsers: dict[str, Browser] = field(default_factory=dict)
    stall: set[str] = field(default_factory=set)
    redirect: dict[str, str] = field(default_factory=dict)  # endpoint name -> the name a 307 answer points to
    release: threading.Event = field(default_factory=threading.Event)

    def browser_subscription(self, name: str | None = None) -> Browser:
        name = name or b64url(os.urandom(9))
        browser = Browser(
            endpoint=f"{self.origin}/push/{name}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.browsers[name] = browser
        return browser

    def to(self, browser: Browser) -> list[Received]:
        return [r for r in self.received if r.browser is browser]


@pytest.fixture
def push_service(settings):
    settings.VAPID_PRIVATE_KEY = generate_private_key_b64()
    settings.VAPID_PUBLIC_KEY = ""
    settings.VAPID_KEY_FILE = ""
    settings.VAPID_SUBJECT = "mailto:push-tests@example.com"
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    settings.WEBPUSH_TIMEOUT = 1
    from notifications.delivery.vapid import vapid_keys

    state = PushService(origin="", public_key=vapid_keys().public_key)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            name = self.path.rsplit("/", 1)[-1]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(Received(name, self.headers, body, state.browsers.get(name)))
            if name in state.stall:
                state.release.wait(5)
            code = 307 if name in state.redirect else state.status.get(name, 201)
            try:
                self.send_response(code)
                self.send_header("Content-Length", "0")
                if name in state.redirect:
                    self.send_header("Location", f"{state.origin}/push/{state.redirect[name]}")
                if code == 201:
                    self.send_header("Location", f"{state.origin}/message/{len(state.received)}")
                self.end_headers()
            except OSError:  # the client gave up (a stalled answer)
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
