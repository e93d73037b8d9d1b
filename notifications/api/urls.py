from django.urls import path

from notifications.api import push, views

urlpatterns = [
    path("notifications", views.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/read", views.MarkReadView.as_view(), name="api-notifications-read"),
    path("notifications/unread-count", views.UnreadCountView.as_view(), name="api-notifications-unread-count"),
    path("notifications/preferences", views.PreferencesView.as_view(), name="api-notifications-preferences"),
    path("streams/<uuid:stream_id>/reminder", views.ReminderView.as_view(), name="api-stream-reminder"),
    # Web Push
    path("notifications/push/key", push.PushKeyView.as_view(), name="api-notifications-push-key"),
    path(
        "notifications/push/subscriptions",
        push.PushSubscriptionsView.as_view(),
        name="api-notifications-push-subscriptions",
    ),
]
