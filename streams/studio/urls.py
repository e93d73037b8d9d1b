from django.urls import path

from streams.studio import media_views, views

urlpatterns = [
    path("", views.studio_home, name="studio"),
    path("streams/<uuid:stream_id>/", views.studio_stream, name="studio-stream"),
    path("recordings/", media_views.studio_recordings, name="studio-recordings"),
    path("recordings/<uuid:recording_id>/", media_views.studio_recording, name="studio-recording"),
    path(
        "recordings/<uuid:recording_id>/retention/",
        media_views.studio_recording_retention,
        name="studio-recording-retention",
    ),
    path("recordings/<uuid:recording_id>/delete/", media_views.studio_recording_delete, name="studio-recording-delete"),
    path("recordings/clips/<uuid:clip_id>/delete/", media_views.studio_clip_delete, name="studio-clip-delete"),
]
