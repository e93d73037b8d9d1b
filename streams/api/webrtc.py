"""WebRTC signalling for the watch page (and any client): Django talks to Janus on the viewer's behalf.

    POST /api/v1/streams/{id}/webrtc            -> 200 {"offer": {"type": "offer", "sdp"}, "grant", "keepalive_seconds"}
    POST /api/v1/streams/{id}/webrtc/answer     {"grant", "sdp"} -> 204 (Janus starts sending media)
    POST /api/v1/streams/{id}/webrtc/keepalive  {"grant"} -> 200 {"grant"} (a fresh one; access checked again)
    POST /api/v1/streams/{id}/webrtc/hangup     {"grant"} -> 204 (JSON, or a form for navigator.sendBeacon)

Non-trickle ICE: Janus's offer carries its candidates, and the browser answers once its gathering completes.
Errors: 404 (no such stream, or a private one the caller may not see), 403 ``premium_required`` /
``invalid_grant``, 409 ``stream_not_live`` / ``webrtc_unavailable`` (play ``hls_url``), 429 (THROTTLE_WEBRTC).
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from livestream.api.schema import error_responses
from streams.models import Stream
from streams.selectors import stream_get
from streams.services.media.webrtc import webrtc_answer, webrtc_hangup, webrtc_keepalive, webrtc_watch

KEEPALIVE_SECONDS = 20
SDP_MAX_CHARS = 20000  # a browser's answer for one video and one audio track is ~3 kB


class SessionDescriptionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["offer"])
    sdp = serializers.CharField()


class WebRTCOfferSerializer(serializers.Serializer):
    offer = SessionDescriptionSerializer()
    grant = serializers.CharField(help_text="Signed, short-lived; bring it to answer, keepalive and hangup.")
    keepalive_seconds = serializers.IntegerField(help_text="How often to call keepalive.")


class WebRTCGrantSerializer(serializers.Serializer):
    grant = serializers.CharField(max_length=2000)


class WebRTCAnswerSerializer(WebRTCGrantSerializer):
    sdp = serializers.CharField(max_length=SDP_MAX_CHARS)


class _Signalling(APIView):
    permission_classes = [permissions.AllowAny]  # anyone who may see the stream; access is the service's to check
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "webrtc"

    def _stream(self, pk) -> Stream:
        return stream_get(stream_id=pk, user=self.request.user)

    def _viewer(self) -> dict:
        return {"user": self.request.user, "session_key": self.request.session.session_key}

    def _grant_body(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class WebRTCWatchView(_Signalling):
    @extend_schema(
        request=None,
        responses={200: WebRTCOfferSerializer, **error_responses(403, 409, 429)},
        description="Start playing a live stream over WebRTC: Janus's SDP offer and a grant for the next calls.",
    )
    def post(self, request, pk):
        stream = self._stream(pk)
        if not request.user.is_authenticated and not request.session.session_key:
            request.session.save()  # an anonymous viewer's grant is bound to their browser session
        started = webrtc_watch(stream=stream, **self._viewer())
        return Response(
            WebRTCOfferSerializer(
                {"offer": started.offer, "grant": started.grant, "keepalive_seconds": KEEPALIVE_SECONDS}
            ).data
        )


class WebRTCAnswerView(_Signalling):
    @extend_schema(
        request=WebRTCAnswerSerializer,
        responses={204: None, **error_responses(403, 409, 429)},
        description="The browser's SDP answer (ICE gathering complete) for its granted session.",
    )
    def post(self, request, pk):
        body = self._grant_body(WebRTCAnswerSerializer)
        webrtc_answer(stream=self._stream(pk), grant=body["grant"], sdp=body["sdp"], **self._viewer())
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebRTCKeepaliveView(_Signalling):
    @extend_schema(
        request=WebRTCGrantSerializer,
        responses={200: WebRTCGrantSerializer, **error_responses(403, 409, 429)},
        description=f"Keep the session (Janus ends it after {settings.JANUS_SESSION_TIMEOUT} s without); "
        "access is checked again and a fresh grant comes back.",
    )
    def post(self, request, pk):
        body = self._grant_body(WebRTCGrantSerializer)
        grant = webrtc_keepalive(stream=self._stream(pk), grant=body["grant"], **self._viewer())
        return Response({"grant": grant})


class WebRTCHangupView(_Signalling):
    @extend_schema(
        request=WebRTCGrantSerializer,
        responses={204: None, **error_responses(403, 429)},
        description="End the session (the page left or switched to HLS); also sent by navigator.sendBeacon.",
    )
    def post(self, request, pk):
        body = self._grant_body(WebRTCGrantSerializer)
        webrtc_hangup(stream=self._stream(pk), grant=body["grant"], **self._viewer())
        return Response(status=status.HTTP_204_NO_CONTENT)
