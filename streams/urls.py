from django.urls import path

from streams import views

urlpatterns = [
    path("", views.home, name="home"),
    path("streams/<uuid:stream_id>/", views.stream_detail, name="stream-detail"),
    path("files/<str:token>/<str:filename>", views.media_file, name="stream-media-file"),
]
