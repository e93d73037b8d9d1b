from django.urls import path

from streams.studio import views

urlpatterns = [
    path("", views.studio_home, name="studio"),
    path("streams/new/", views.studio_stream_new, name="studio-stream-new"),
    path("streams/<uuid:stream_id>/", views.studio_stream, name="studio-stream"),
    path("streams/<uuid:stream_id>/edit/", views.studio_stream_edit, name="studio-stream-edit"),
    path("streams/<uuid:stream_id>/thumbnail/", views.studio_stream_thumbnail, name="studio-stream-thumbnail"),
    path("streams/<uuid:stream_id>/delete/", views.studio_stream_delete, name="studio-stream-delete"),
]
