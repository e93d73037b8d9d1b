"""Janus, the WebRTC edge: its configuration (rendered from deploy/mediaserver/janus/ like nginx.conf), its
secrets, and the two HTTP APIs Django speaks on loopback - the Admin API for mountpoints (one per live stream)
and the viewer API for the sessions Django opens on a browser's behalf.

Every call has a short timeout (JANUS_TIMEOUT): a publish hook or a page never waits long on a slow or absent
Janus; the reconcile job (streams.services.media.webrtc.webrtc_mounts_reconcile) catches up later.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.template import Context, Engine

from streams.media.config import tcp_ports_taken

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(settings.BASE_DIR) / "deploy" / "mediaserver" / "janus"
PLUGIN = "janus.plugin.streaming"
PLUGIN_FILE = "plugins/libjanus_streaming.so"
TRANSPORT_FILE = "transports/libjanus_http.so"
CONFIG_FILES = ("janus.jcfg", "janus.transport.http.jcfg", "janus.plugin.streaming.jcfg")
# Janus's own error codes the services tell apart.
NO_SUCH_MOUNTPOINT = 455
MOUNTPOINT_EXISTS = 456
NO_SUCH_SESSION = 458


EDGE_DOWN_KEY = "streams:webrtc:edge-down"
EDGE_DOWN_SECONDS = 30  # after a failed call, stream bodies offer no webrtc_url for this long


def edge_down_mark() -> None:
    """Janus failed a call: pages play HLS for EDGE_DOWN_SECONDS (or until the reconcile job sees it again)."""
    cache.set(EDGE_DOWN_KEY, True, EDGE_DOWN_SECONDS)


def edge_up_mark() -> None:
    cache.delete(EDGE_DOWN_KEY)


def edge_marked_down() -> bool:
    return bool(cache.get(EDGE_DOWN_KEY))


class JanusUnavailable(RuntimeError):
    """Janus did not answer (down, restarting, or slower than JANUS_TIMEOUT)."""


class JanusError(RuntimeError):
    """Janus answered with an error; ``code`` is Janus's (e.g. 455: no such mountpoint)."""

    def __init__(self, code: int, reason: str):
        self.code = code
        super().__init__(f"Janus error {code}: {reason}")


# --- Configuration ---------------------------------------------------------------------------------------


def janus_root() -> Path:
    return Path(settings.MEDIA_SERVER_ROOT) / "janus"


def port_range(value: str) -> tuple[int, int]:
    """(first, last) of a "first-last" setting; ValueError when it is not one."""
    first, _, last = value.partition("-")
    low, high = int(first), int(last)
    if not 0 < low <= high < 65536:
        raise ValueError(f"not a port range: {value!r}")
    return low, high


def edge_secrets() -> dict[str, str]:
    """The admin secret and the streaming plugin's admin key, made once into JANUS_SECRETS_FILE (mode 600).

    Never in a setting or a page: only Django and Janus's rendered config (also mode 600) hold them.
    """
    path = Path(settings.JANUS_SECRETS_FILE)
    try:
        values = json.loads(path.read_text())
        if values.get("admin_secret") and values.get("admin_key"):
            return values
    except (OSError, ValueError):
        pass
    values = {"admin_secret": secrets.token_urlsafe(32), "admin_key": secrets.token_urlsafe(32)}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    try:
        os.link(temporary, path)  # the first writer wins: a second process reads what the first made
    except FileExistsError:
        temporary.unlink()
        return json.loads(path.read_text())
    temporary.unlink()
    return values


def _context() -> dict[str, Any]:
    stun_host, _, stun_port = settings.JANUS_STUN_SERVER.partition(":")
    edge = edge_secrets()
    return {
        "root": janus_root().resolve(),
        "bind": settings.JANUS_BIND,
        "http_port": settings.JANUS_HTTP_PORT,
        "admin_port": settings.JANUS_ADMIN_PORT,
        "admin_secret": edge["admin_secret"],
        "admin_key": edge["admin_key"],
        "session_timeout": settings.JANUS_SESSION_TIMEOUT,
        "rtp_port_range": "{}-{}".format(*port_range(settings.JANUS_RTP_PORT_RANGE)),
        "ingest_port_range": "{}-{}".format(*port_range(settings.WEBRTC_INGEST_PORT_RANGE)),
        "ice_enforce_list": settings.JANUS_ICE_ENFORCE_LIST,
        "nat_1_1_mapping": settings.JANUS_NAT_1_1_MAPPING,
        "stun_host": stun_host,
        "stun_port": int(stun_port or 3478),
    }


def render() -> Path:
    """Write Janus's configuration under MEDIA_SERVER_ROOT/janus (mode 600: it holds the secrets), with plugin and
    transport folders holding only the streaming plugin and the HTTP transport; return the main file's path."""
    context = _context()
    root: Path = context["root"]
    for folder in (root, root / "plugins", root / "transports", root / "none"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    engine = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False)
    for name in CONFIG_FILES:
        target = root / name
        target.write_text(engine.get_template(f"{name}.template").render(Context(context)))
        target.chmod(0o600)
    system = Path(settings.JANUS_PLUGINS_DIR)
    for relative in (PLUGIN_FILE, TRANSPORT_FILE):
        link = root / relative
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(system / relative)
    return root / "janus.jcfg"


def missing_tools() -> list[str]:
    """What this machine lacks to run the WebRTC edge (Debian package names), empty when it has it all."""
    system = Path(settings.JANUS_PLUGINS_DIR)
    if not janus_binary() or not (system / PLUGIN_FILE).exists() or not (system / TRANSPORT_FILE).exists():
        return ["janus"]
    return []


def janus_binary() -> str | None:
    return shutil.which(settings.JANUS_BINARY) or (
        "/usr/bin/janus" if Path("/usr/bin/janus").exists() and settings.JANUS_BINARY == "janus" else None
    )


def ports_in_use() -> list[str]:
    """The edge's API ports another process holds already, as "NAME=port" (empty when both are free)."""
    ports = {"JANUS_HTTP_PORT": settings.JANUS_HTTP_PORT, "JANUS_ADMIN_PORT": settings.JANUS_ADMIN_PORT}
    return tcp_ports_taken(settings.JANUS_BIND, ports)


# --- The APIs --------------------------------------------------------------------------------------------


def _base(admin: bool) -> str:
    if admin:
        return f"http://{settings.JANUS_BIND}:{settings.JANUS_ADMIN_PORT}/admin"
    return f"http://{settings.JANUS_BIND}:{settings.JANUS_HTTP_PORT}/janus"


def _call(url: str, body: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
    """One request to Janus (POST with a body, else a GET); its JSON answer. Raises JanusUnavailable or JanusError."""
    wait = timeout if timeout is not None else settings.JANUS_TIMEOUT
    try:
        if body is None:
            response = requests.get(url, timeout=wait)
        else:
            response = requests.post(url, json={**body, "transaction": secrets.token_hex(8)}, timeout=wait)
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise JanusUnavailable(str(exc)) from exc
    if isinstance(answer, dict) and answer.get("janus") == "error":
        error = answer.get("error") or {}
        raise JanusError(int(error.get("code") or 0), str(error.get("reason") or "unknown"))
    return answer


def _plugin_answer(data: dict[str, Any]) -> dict[str, Any]:
    if "error_code" in data:
        raise JanusError(int(data["error_code"]), str(data.get("error") or "streaming plugin error"))
    return data


def admin_request(request: dict[str, Any]) -> dict[str, Any]:
    """A streaming-plugin request through the Admin API (admin secret and admin key added); the plugin's answer."""
    edge = edge_secrets()
    answer = _call(
        _base(admin=True),
        {
            "janus": "message_plugin",
            "plugin": PLUGIN,
            "admin_secret": edge["admin_secret"],
            "request": {**request, "admin_key": edge["admin_key"]},
        },
    )
    return _plugin_answer(answer.get("response") or {})


@dataclass(frozen=True)
class MountSpec:
    janus_id: int
    pin: str
    secret: str
    video_port: int
    audio_port: int


# The RTP copy's codecs, as the ladder script encodes them: H.264 constrained baseline (every browser decodes it
# in hardware or software; no B-frames), packetization mode 1, and Opus at 48 kHz.
VIDEO_PT = 96
AUDIO_PT = 111
H264_FMTP = "profile-level-id=42e01f;packetization-mode=1"
# The ladder's ffmpeg runs beside Janus: the ingest ports listen on loopback only, so nobody else can inject media.
INGEST_IFACE = "127.0.0.1"


def mount_create(spec: MountSpec, *, description: str) -> None:
    """Make the mountpoint in Janus (private: not in Janus's public list; watching needs the pin)."""
    admin_request(
        {
            "request": "create",
            "type": "rtp",
            "id": spec.janus_id,
            "description": description,
            "is_private": True,
            "permanent": False,
            "secret": spec.secret,
            "pin": spec.pin,
            "media": [
                {
                    "type": "video",
                    "mid": "v",
                    "codec": "h264",
                    "pt": VIDEO_PT,
                    "port": spec.video_port,
                    "fmtp": H264_FMTP,
                    "iface": INGEST_IFACE,
                },
                {
                    "type": "audio",
                    "mid": "a",
                    "codec": "opus",
                    "pt": AUDIO_PT,
                    "port": spec.audio_port,
                    "iface": INGEST_IFACE,
                },
            ],
        }
    )


def mount_destroy(*, janus_id: int, secret: str) -> bool:
    """Destroy a mountpoint (its viewers are hung up); False when Janus had none by that id."""
    try:
        admin_request({"request": "destroy", "id": janus_id, "secret": secret, "permanent": False})
    except JanusError as error:
        if error.code == NO_SUCH_MOUNTPOINT:
            return False
        raise
    return True


def mount_ids() -> set[int]:
    """The ids of the mountpoints Janus has now (private ones included: the admin key lists them)."""
    answer = admin_request({"request": "list"})
    return {int(item["id"]) for item in answer.get("list", []) if str(item.get("id", "")).isdigit()}


def mount_info(*, janus_id: int, secret: str) -> dict[str, Any] | None:
    """Janus's view of a mountpoint (viewers, media age), None when it has none by that id."""
    try:
        answer = admin_request({"request": "info", "id": janus_id, "secret": secret})
    except JanusError as error:
        if error.code == NO_SUCH_MOUNTPOINT:
            return None
        raise
    return answer.get("info")


def session_open() -> tuple[int, int]:
    """A Janus session with a streaming-plugin handle, for one viewer: (session id, handle id)."""
    session_id = int(_call(_base(admin=False), {"janus": "create"})["data"]["id"])
    try:
        attached = _call(f"{_base(admin=False)}/{session_id}", {"janus": "attach", "plugin": PLUGIN})
        handle_id = int(attached["data"]["id"])
    except (JanusUnavailable, JanusError):
        session_close(session_id=session_id)
        raise
    return session_id, handle_id


def _handle_message(session_id: int, handle_id: int, body: dict[str, Any], jsep: dict | None = None) -> dict:
    message: dict[str, Any] = {"janus": "message", "body": body}
    if jsep is not None:
        message["jsep"] = jsep
    return _call(f"{_base(admin=False)}/{session_id}/{handle_id}", message)


def watch(*, session_id: int, handle_id: int, janus_id: int, pin: str, wait: float | None = None) -> dict[str, str]:
    """Ask to watch a mountpoint; Janus's SDP offer ({"type": "offer", "sdp": ...}), with its ICE candidates in it.

    The offer comes as an asynchronous event: long-polled here, at most ``wait`` seconds in all.
    """
    answer = _handle_message(session_id, handle_id, {"request": "watch", "id": janus_id, "pin": pin})
    deadline = time.monotonic() + (wait if wait is not None else settings.JANUS_TIMEOUT * 2)
    while True:
        for event in answer if isinstance(answer, list) else [answer]:
            data = ((event.get("plugindata") or {}).get("data")) or {}
            _plugin_answer(data)
            jsep = event.get("jsep")
            if jsep and jsep.get("type") == "offer":
                return {"type": "offer", "sdp": _origin_hidden(str(jsep["sdp"]))}
        left = deadline - time.monotonic()
        if left <= 0:
            raise JanusUnavailable("no offer from Janus in time")
        # Janus holds a long poll up to 30 s; ours is cut at what is left (a timeout is "unavailable").
        answer = _call(f"{_base(admin=False)}/{session_id}?maxev=5", timeout=left)


def _origin_hidden(sdp: str) -> str:
    """The offer without the mountpoint's id: Janus names it in the origin (o=) and session name (s=) lines, which
    only label the offer (nothing checks them): a random session id and a plain name instead."""
    lines = sdp.split("\r\n")
    for index, line in enumerate(lines):
        if line.startswith("o="):
            parts = line.split(" ")
            if len(parts) >= 6:
                parts[1] = str(secrets.randbelow(10**15) + 1)
                lines[index] = " ".join(parts)
        elif line.startswith("s="):
            lines[index] = "s=Live"
        elif line.startswith("m="):
            break
    return "\r\n".join(lines)


def start(*, session_id: int, handle_id: int, answer_sdp: str) -> None:
    """Hand Janus the browser's SDP answer: media flows once ICE and DTLS are through."""
    reply = _handle_message(session_id, handle_id, {"request": "start"}, {"type": "answer", "sdp": answer_sdp})
    _plugin_answer(((reply.get("plugindata") or {}).get("data")) or {})


def keepalive(*, session_id: int) -> None:
    _call(f"{_base(admin=False)}/{session_id}", {"janus": "keepalive"})


def session_close(*, session_id: int) -> None:
    """End a viewer's session (its PeerConnection with it); gone already is fine."""
    try:
        _call(f"{_base(admin=False)}/{session_id}", {"janus": "destroy"})
    except JanusError as error:
        if error.code != NO_SUCH_SESSION:
            raise


def available() -> bool:
    try:
        _call(f"{_base(admin=False)}/info", timeout=min(settings.JANUS_TIMEOUT, 1.0))
    except (JanusUnavailable, JanusError):
        return False
    return True
