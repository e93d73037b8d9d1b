from django.urls import path

from streams.studio import media_views, views

urlpatterns = [
    path("", views.studio_home, name="studio"),
    path("streams/new/", views.studio_stream_new, name="studio-stream-new"),
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
    path("streams/<uuid:stream_id>/edit/", views.studio_stream_edit, name="studio-stream-edit"),
    path("streams/<uuid:stream_id>/thumbnail/", views.studio_stream_thumbnail, name="studio-stream-thumbnail"),
    path("streams/<uuid:stream_id>/delete/", views.studio_stream_delete, name="studio-stream-delete"),
]
