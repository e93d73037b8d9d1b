from django.urls import path

from streams import hooks

urlpatterns = [
    path("publish", hooks.on_publish, name="media-hook-publish"),
    path("publish-done", hooks.on_publish_done, name="media-hook-publish-done"),
    path("record-done", hooks.on_record_done, name="media-hook-record-done"),
    path("playback-auth", hooks.playback_auth, name="media-hook-playback-auth"),
]
