"""The server's VAPID key pair (RFC 8292): from settings, or generated once into ``var/`` in development."""

import base64
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding (browsers send it without); ValueError on anything else."""
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    public_key: str  # base64url of the uncompressed point: what a browser's applicationServerKey takes
    subject: str

    def signer(self) -> Vapid02:
        return Vapid02(private_key=self.private_key)


def _private_from_raw(text: str) -> ec.EllipticCurvePrivateKey:
    try:
        raw = b64url_decode(text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured("VAPID_PRIVATE_KEY must be the base64url of a raw 32-byte P-256 private key.")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:  # zero, or not below the curve's order
        raise ImproperlyConfigured("VAPID_PRIVATE_KEY is not a valid P-256 private key.") from exc


def _public_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def generate_private_key_b64() -> str:
    """A new P-256 private key as base64url of its 32 raw bytes (the form VAPID_PRIVATE_KEY takes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))


def _from_file(path: Path) -> str:
    """The key stored at ``path``, written there first if absent (atomically: two processes agree on one)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(generate_private_key_b64() + "\n")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails if another process got there first: theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


@functools.cache
def _load(private_text: str, public_text: str, subject: str, key_file: str) -> VapidKeys | None:
    if not private_text:
        if not key_file:
            return None
        private_text = _from_file(Path(key_file))
    private_key = _private_from_raw(private_text)
    public = _public_b64(private_key)
    if public_text and public_text.rstrip("=") != public:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY.")
    return VapidKeys(private_key=private_key, public_key=public, subject=subject)


def vapid_keys() -> VapidKeys | None:
    """The key pair, or None when Web Push is not configured (production without VAPID_PRIVATE_KEY)."""
    return _load(
        settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY, settings.VAPID_SUBJECT, settings.VAPID_KEY_FILE or ""
    )
