from django.urls import path

from notifications import delivery_views

urlpatterns: list = [
    # --- deliveries (push helper) ---
    path("notifications/unsubscribe/<str:token>", delivery_views.unsubscribe, name="notifications-unsubscribe"),
    path("sw.js", delivery_views.service_worker, name="service-worker"),
]
