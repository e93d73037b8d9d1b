from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/settings/", views.notifications_settings, name="notification-settings"),
]
