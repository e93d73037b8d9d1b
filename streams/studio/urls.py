from django.urls import path

from streams.studio import views

urlpatterns = [
    path("", views.studio_home, name="studio"),
    path("streams/<uuid:stream_id>/", views.studio_stream, name="studio-stream"),
]
