from django.urls import path

from streams import channel_views, views

urlpatterns = [
    path("streams/<uuid:stream_id>/", views.stream_detail, name="stream-detail"),
    # A creator's channel; the username is matched case-insensitively (creator_get), as the API does.
    path("@<str:username>/", channel_views.channel, name="channel"),
    path("@<str:username>/follow/", channel_views.channel_follow, name="channel-follow"),
    path("@<str:username>/unfollow/", channel_views.channel_unfollow, name="channel-unfollow"),
    path("@<str:username>/subscribe/", channel_views.channel_subscribe, name="channel-subscribe"),
    path("@<str:username>/unsubscribe/", channel_views.channel_unsubscribe, name="channel-unsubscribe"),
    path("files/<str:token>/<str:filename>", views.media_file, name="stream-media-file"),
]
