from django.urls import path
from rest_framework.routers import SimpleRouter

from streams.api import views, webrtc

router = SimpleRouter(trailing_slash=False)
router.register("streams", views.StreamViewSet, basename="stream")

urlpatterns = [
    path("categories", views.CategoryListView.as_view(), name="api-categories"),
    path("creators/<str:username>", views.CreatorView.as_view(), name="api-creator"),
    path("creators/<str:username>/follow", views.FollowView.as_view(), name="api-creator-follow"),
    path("creators/<str:username>/subscription", views.SubscriptionView.as_view(), name="api-creator-subscription"),
    path("streams/<uuid:pk>/webrtc", webrtc.WebRTCWatchView.as_view(), name="stream-webrtc"),
    path("streams/<uuid:pk>/webrtc/answer", webrtc.WebRTCAnswerView.as_view(), name="stream-webrtc-answer"),
    path("streams/<uuid:pk>/webrtc/keepalive", webrtc.WebRTCKeepaliveView.as_view(), name="stream-webrtc-keepalive"),
    path("streams/<uuid:pk>/webrtc/hangup", webrtc.WebRTCHangupView.as_view(), name="stream-webrtc-hangup"),
    *router.urls,
]
