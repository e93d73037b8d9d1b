from django.urls import path

from notifications import delivery_views, views

urlpatterns = [
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/settings/", views.notifications_settings, name="notification-settings"),
    # Deliveries: e-mail's one-click unsubscribe, and the Web Push service worker (served at the root's scope)
    path("notifications/unsubscribe/<str:token>", delivery_views.unsubscribe, name="notifications-unsubscribe"),
    path("sw.js", delivery_views.service_worker, name="service-worker"),
]
