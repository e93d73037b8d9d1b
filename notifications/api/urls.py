from django.urls import path

from notifications.api import push

urlpatterns: list = [
    # --- Web Push (push helper) ---
    path("notifications/push/key", push.PushKeyView.as_view(), name="api-notifications-push-key"),
    path(
        "notifications/push/subscriptions",
        push.PushSubscriptionsView.as_view(),
        name="api-notifications-push-subscriptions",
    ),
]
