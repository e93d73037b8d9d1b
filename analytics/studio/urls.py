from django.urls import path

from analytics.studio import views

urlpatterns = [
    path("", views.studio_analytics, name="studio-analytics"),
    path("streams/<uuid:stream_id>/", views.studio_stream_analytics, name="studio-stream-analytics"),
]
