"""WebRTC playback: a live stream's Janus mountpoint (made at publish, gone at the end, kept in step by the
reconcile job) and the signalling Django does for a viewer (watch -> answer -> keepalive -> hangup).

The mount's row is written in the publish hook before it answers, and with it the ports file the ladder script
reads (MEDIA_SERVER_ROOT/webrtc/<stream id>.ports): so ffmpeg sends its RTP copy to the stream's own ports
whether or not Janus is up at that moment. Janus itself is asked with a short timeout; when it is slow or down
the reconcile job makes the mountpoint later (and destroys the mountpoints of streams that ended meanwhile).

A viewer never sees a mountpoint id, pin, secret or Janus session: Django opens the Janus session for them and
hands out a short-lived signed grant naming the stream, that session and the viewer, which the answer,
keepalive and hangup calls must bring back.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from livestream.errors import Conflict, PermissionDenied
from livestream.task_queue import task_on_commit
from streams.media import janus
from streams.media.janus import edge_down_mark, edge_marked_down, edge_up_mark
from streams.models import Stream, WebRTCMount
from streams.selectors import stream_viewer_has_access

logger = logging.getLogger(__name__)

GRANT_SALT = "streams.webrtc-grant"


class WebRTCUnavailable(Conflict):
    default_detail = "Real-time playback is not available for this stream right now; play HLS."
    default_code = "webrtc_unavailable"


class InvalidGrant(PermissionDenied):
    default_detail = "This WebRTC grant is not valid (expired, for another stream or viewer, or tampered with)."
    default_code = "invalid_grant"


# --- Mountpoints -----------------------------------------------------------------------------------------


def ports_file(stream_id) -> Path:
    """Where the ladder script finds a stream's RTP ports ("<video port> <audio port>")."""
    return Path(settings.MEDIA_SERVER_ROOT) / "webrtc" / f"{stream_id}.ports"


def mount_secret(janus_id: int) -> str:
    """The mountpoint's secret (to destroy it), derived from SECRET_KEY: a stray mountpoint Janus still has but the
    database lost can be destroyed all the same."""
    return salted_hmac("streams.webrtc-mount", str(janus_id)).hexdigest()[:32]


def ingest_slots() -> int:
    """How many live streams the ingest port range holds (4 ports each: video RTP/RTCP, audio RTP/RTCP)."""
    low, high = janus.port_range(settings.WEBRTC_INGEST_PORT_RANGE)
    return (high - low + 1) // 4


def _mount_allocate(stream_id) -> WebRTCMount | None:
    """The stream's mount row, allocated now on the lowest free slot when it has none; None when all are taken.

    Two publishes at once may pick the same slot: the unique constraint refuses the second, which tries again.
    """
    low, _ = janus.port_range(settings.WEBRTC_INGEST_PORT_RANGE)
    for _attempt in range(5):
        existing = WebRTCMount.objects.filter(stream_id=stream_id).first()
        if existing is not None:
            return existing
        used = set(WebRTCMount.objects.values_list("slot", flat=True))
        slot = next((n for n in range(ingest_slots()) if n not in used), None)
        if slot is None:
            return None
        janus_id = secrets.randbelow(2**52 - 1) + 1  # JSON-safe (JavaScript's integers), never 0
        try:
            with transaction.atomic():
                return WebRTCMount.objects.create(
                    stream_id=stream_id,
                    janus_id=janus_id,
                    slot=slot,
                    port_base=low + 4 * slot,
                    pin=secrets.token_urlsafe(24),
                    secret=mount_secret(janus_id),
                )
        except IntegrityError:
            continue
    return None


def _mount_create_in_janus(mount: WebRTCMount) -> bool:
    """Ask Janus to make the mountpoint (one that exists already is fine); True when Janus has it now."""
    spec = janus.MountSpec(
        janus_id=mount.janus_id,
        pin=mount.pin,
        secret=mount.secret,
        video_port=mount.video_port,
        audio_port=mount.audio_port,
    )
    try:
        janus.mount_create(spec, description=f"stream {mount.stream_id}")
    except janus.JanusUnavailable as exc:
        edge_down_mark()
        logger.warning("stream %s: Janus unavailable making its mountpoint (%s); reconcile will", mount.stream_id, exc)
        return False
    except janus.JanusError as exc:
        if exc.code != janus.MOUNTPOINT_EXISTS:
            logger.error("stream %s: Janus refused its mountpoint: %s", mount.stream_id, exc)
            return False
    WebRTCMount.objects.filter(pk=mount.pk).update(created_in_janus_at=timezone.now())
    return True


def webrtc_mount_open(*, stream_id) -> WebRTCMount | None:
    """Give a stream that went live its mountpoint: the row and ports file at once, Janus's side if it answers.

    Called by the publish hook before it answers (the ladder starts then and reads the ports file). Never
    raises for Janus: a publish does not fail because the WebRTC edge is down. None when WebRTC is off or every
    slot is taken (the stream plays HLS only).
    """
    if not settings.WEBRTC_ENABLED:
        return None
    try:
        mount = _mount_allocate(stream_id)
        if mount is None:
            logger.error("stream %s: no free WebRTC ingest ports in %s", stream_id, settings.WEBRTC_INGEST_PORT_RANGE)
            return None
        path = ports_file(stream_id)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(f"{mount.video_port} {mount.audio_port}\n")
    except (ValueError, OSError) as exc:  # a bad port range setting, a full disk: HLS only, the publish goes on
        logger.error("stream %s: no WebRTC mount: %s", stream_id, exc)
        return None
    if mount.created_in_janus_at is None or not _janus_has(mount):
        _mount_create_in_janus(mount)
    return mount


def _janus_has(mount: WebRTCMount) -> bool:
    """Whether Janus still has the mount (a reconnecting encoder finds it there unless Janus restarted)."""
    try:
        return janus.mount_info(janus_id=mount.janus_id, secret=mount.secret) is not None
    except (janus.JanusUnavailable, janus.JanusError):
        return False


def webrtc_mount_close_on_commit(*, stream: Stream) -> None:
    """The stream ended (the caller's transaction): its mountpoint goes after commit, by a task (reconcile
    catches it when the task or Janus fails)."""
    if settings.WEBRTC_ENABLED or WebRTCMount.objects.filter(stream=stream).exists():
        task_on_commit("streams.tasks.close_webrtc_mount_task", str(stream.pk))


def webrtc_mount_close(*, stream_id) -> bool:
    """Destroy an ended stream's mountpoint in Janus (its viewers are hung up) and free its ports; True when done.

    The row stays while Janus cannot be asked (it still holds the ports then); the reconcile job retries.
    """
    mount = WebRTCMount.objects.filter(stream_id=stream_id).first()
    return True if mount is None else _mount_close(mount)


def _mount_close(mount: WebRTCMount) -> bool:
    """webrtc_mount_close for a row in hand (the reconcile job's loop has it already)."""
    try:
        janus.mount_destroy(janus_id=mount.janus_id, secret=mount.secret)
    except janus.JanusUnavailable:
        edge_down_mark()
        return False
    except janus.JanusError as exc:
        logger.error("stream %s: Janus refused to destroy mountpoint %s: %s", mount.stream_id, mount.janus_id, exc)
        return False
    ports_file(mount.stream_id).unlink(missing_ok=True)
    mount.delete()
    return True


@dataclass(frozen=True)
class Reconciled:
    created: int = 0
    destroyed: int = 0
    strays: int = 0
    janus_up: bool = True


def webrtc_mounts_reconcile() -> Reconciled:
    """Bring Janus and the database in step, both ways: a live stream's mount Janus lacks (Janus restarted) is
    made again; an ended stream's mount is destroyed and freed; a mountpoint Janus has and no row names (the
    database lost it) is destroyed. When Janus does not answer, every mount is marked unconfirmed (no
    webrtc_url) until it does."""
    if not settings.WEBRTC_ENABLED:
        return Reconciled(janus_up=False)
    try:
        present = janus.mount_ids()
    except (janus.JanusUnavailable, janus.JanusError) as exc:
        edge_down_mark()
        WebRTCMount.objects.exclude(created_in_janus_at=None).update(created_in_janus_at=None)
        logger.warning("WebRTC reconcile: Janus unavailable (%s)", exc)
        return Reconciled(janus_up=False)
    edge_up_mark()
    created = destroyed = strays = 0
    known: set[int] = set()
    for mount in WebRTCMount.objects.select_related("stream").only(
        "pk", "janus_id", "pin", "secret", "slot", "port_base", "created_in_janus_at", "stream__status"
    ):
        known.add(mount.janus_id)
        if mount.stream.status != Stream.Status.LIVE:
            destroyed += int(_mount_close(mount))
        elif mount.janus_id not in present:
            created += int(_mount_create_in_janus(mount))
        elif mount.created_in_janus_at is None:
            WebRTCMount.objects.filter(pk=mount.pk).update(created_in_janus_at=timezone.now())
    for janus_id in present - known:
        try:
            janus.mount_destroy(janus_id=janus_id, secret=mount_secret(janus_id))
            strays += 1
        except (janus.JanusUnavailable, janus.JanusError) as exc:
            logger.warning("WebRTC reconcile: could not destroy stray mountpoint %s: %s", janus_id, exc)
    return Reconciled(created=created, destroyed=destroyed, strays=strays)


# --- Signalling for a viewer ---------------------------------------------------------------------------


def viewer_tag(*, user, session_key: str | None) -> str:
    """Who a grant is for: the signed-in user, else the browser's session."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return f"a:{session_key or ''}"


def _grant_make(*, stream_id, session_id: int, handle_id: int, viewer: str) -> str:
    return signing.dumps(
        {"s": str(stream_id), "j": session_id, "h": handle_id, "v": viewer}, salt=GRANT_SALT, compress=True
    )


@dataclass(frozen=True)
class Grant:
    stream_id: str
    session_id: int
    handle_id: int
    viewer: str


def grant_read(*, token: str, stream_id, viewer: str) -> Grant:
    """The grant in ``token`` if it is signed, unexpired, for this stream and this viewer; InvalidGrant otherwise."""
    try:
        payload = signing.loads(token, salt=GRANT_SALT, max_age=settings.WEBRTC_GRANT_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        raise InvalidGrant() from None
    if not isinstance(payload, dict) or payload.get("s") != str(stream_id) or payload.get("v") != viewer:
        raise InvalidGrant()
    try:
        return Grant(stream_id=payload["s"], session_id=int(payload["j"]), handle_id=int(payload["h"]), viewer=viewer)
    except (KeyError, TypeError, ValueError):
        raise InvalidGrant() from None


def _watchable_mount(*, stream: Stream, user) -> WebRTCMount:
    """The mount a viewer may watch now; the contract's errors otherwise."""
    if stream.status != Stream.Status.LIVE:
        raise Conflict("This stream is not live.", code="stream_not_live")
    if not stream_viewer_has_access(stream, user):
        raise PermissionDenied("This premium stream is for viewers with access.", code="premium_required")
    if not settings.WEBRTC_ENABLED:
        raise WebRTCUnavailable()
    mount = WebRTCMount.objects.filter(stream=stream).exclude(created_in_janus_at=None).first()
    if mount is None or edge_marked_down():
        raise WebRTCUnavailable()
    return mount


@dataclass(frozen=True)
class WebRTCOffer:
    offer: dict
    grant: str


def webrtc_watch(*, stream: Stream, user, session_key: str | None) -> WebRTCOffer:
    """Start a viewer's WebRTC playback: a Janus session watching the stream's mountpoint; its SDP offer and the
    grant for the next calls. Refused: not live (409 stream_not_live), no access (403 premium_required), or no
    edge (409 webrtc_unavailable). The caller has checked the viewer may see the stream at all (private ones)."""
    mount = _watchable_mount(stream=stream, user=user)
    try:
        session_id, handle_id = janus.session_open()
    except (janus.JanusUnavailable, janus.JanusError) as exc:
        edge_down_mark()
        raise WebRTCUnavailable() from exc
    try:
        offer = janus.watch(session_id=session_id, handle_id=handle_id, janus_id=mount.janus_id, pin=mount.pin)
    except (janus.JanusUnavailable, janus.JanusError) as exc:
        logger.warning("stream %s: Janus would not offer mountpoint %s: %s", stream.pk, mount.janus_id, exc)
        _session_close_quietly(session_id)
        raise WebRTCUnavailable() from exc
    viewer = viewer_tag(user=user, session_key=session_key)
    grant = _grant_make(stream_id=stream.pk, session_id=session_id, handle_id=handle_id, viewer=viewer)
    return WebRTCOffer(offer=offer, grant=grant)


def webrtc_answer(*, stream: Stream, user, session_key: str | None, grant: str, sdp: str) -> None:
    """The browser's SDP answer for its granted session: Janus starts sending media."""
    granted = grant_read(token=grant, stream_id=stream.pk, viewer=viewer_tag(user=user, session_key=session_key))
    _watchable_mount(stream=stream, user=user)
    try:
        janus.start(session_id=granted.session_id, handle_id=granted.handle_id, answer_sdp=sdp)
    except janus.JanusError as exc:
        _session_close_quietly(granted.session_id)
        raise WebRTCUnavailable("Janus refused the answer; play HLS.") from exc
    except janus.JanusUnavailable as exc:
        edge_down_mark()
        raise WebRTCUnavailable() from exc


def webrtc_keepalive(*, stream: Stream, user, session_key: str | None, grant: str) -> str:
    """Keep a viewer's Janus session alive when they may still watch (live, access); a fresh grant. When they may
    not any more, their session ends and the error says why."""
    viewer = viewer_tag(user=user, session_key=session_key)
    granted = grant_read(token=grant, stream_id=stream.pk, viewer=viewer)
    try:
        _watchable_mount(stream=stream, user=user)
    except (PermissionDenied, Conflict):
        _session_close_quietly(granted.session_id)
        raise
    try:
        janus.keepalive(session_id=granted.session_id)
    except janus.JanusError as exc:  # the session is gone (timed out, Janus restarted): start again
        raise WebRTCUnavailable("This WebRTC session has ended; start again.") from exc
    except janus.JanusUnavailable as exc:
        edge_down_mark()
        raise WebRTCUnavailable() from exc
    return _grant_make(stream_id=stream.pk, session_id=granted.session_id, handle_id=granted.handle_id, viewer=viewer)


def webrtc_hangup(*, stream: Stream, user, session_key: str | None, grant: str) -> None:
    """End a viewer's WebRTC session (the page left or switched to HLS)."""
    granted = grant_read(token=grant, stream_id=stream.pk, viewer=viewer_tag(user=user, session_key=session_key))
    _session_close_quietly(granted.session_id)


def _session_close_quietly(session_id: int) -> None:
    try:
        janus.session_close(session_id=session_id)
    except (janus.JanusUnavailable, janus.JanusError) as exc:
        logger.info("Janus session %s not closed (%s); it times out by itself", session_id, exc)
