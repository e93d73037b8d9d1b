from django.urls import path

from chat.api import views

urlpatterns = [
    path("streams/<uuid:stream_id>/chat", views.ChatMessagesView.as_view(), name="api-chat"),
    path("emotes", views.EmotesView.as_view(), name="api-emotes"),
    path("streams/<uuid:stream_id>/chat/mentionable", views.MentionableView.as_view(), name="api-chat-mentionable"),
    path(
        "streams/<uuid:stream_id>/recordings/<uuid:recording_id>/chat",
        views.ChatReplayView.as_view(),
        name="api-chat-replay",
    ),
    path("streams/<uuid:stream_id>/chat/settings", views.ChatSettingsView.as_view(), name="api-chat-settings"),
    path("streams/<uuid:stream_id>/chat/<uuid:message_id>", views.ChatMessageView.as_view(), name="api-chat-message"),
    path(
        "streams/<uuid:stream_id>/chat/<uuid:message_id>/report",
        views.ChatReportView.as_view(),
        name="api-chat-report",
    ),
    path("streams/<uuid:stream_id>/moderators", views.ModeratorsView.as_view(), name="api-moderators"),
    path("streams/<uuid:stream_id>/moderators/<uuid:user_id>", views.ModeratorView.as_view(), name="api-moderator"),
    path("streams/<uuid:stream_id>/bans", views.BansView.as_view(), name="api-bans"),
    path("streams/<uuid:stream_id>/bans/<uuid:user_id>", views.BanView.as_view(), name="api-ban"),
    # The channel: moderators, bans and rules that hold in every stream of the creator.
    path("creators/<str:username>/moderators", views.ChannelModeratorsView.as_view(), name="api-channel-moderators"),
    path(
        "creators/<str:username>/moderators/<uuid:user_id>",
        views.ChannelModeratorView.as_view(),
        name="api-channel-moderator",
    ),
    path("creators/<str:username>/bans", views.ChannelBansView.as_view(), name="api-channel-bans"),
    path("creators/<str:username>/bans/<uuid:user_id>", views.ChannelBanView.as_view(), name="api-channel-ban"),
    path(
        "creators/<str:username>/chat-settings",
        views.ChannelChatSettingsView.as_view(),
        name="api-channel-chat-settings",
    ),
]
