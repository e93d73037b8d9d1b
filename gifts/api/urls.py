from django.urls import path

from gifts.api import views

urlpatterns = [
    path("gifts", views.CatalogueView.as_view(), name="api-gifts"),
    path("streams/<uuid:stream_id>/gifts", views.stream_gifts, name="api-stream-gifts"),
    path("streams/<uuid:stream_id>/gifts/leaderboard", views.LeaderboardView.as_view(), name="api-gift-leaderboard"),
    path("streams/<uuid:stream_id>/earnings", views.StreamEarningsView.as_view(), name="api-stream-earnings"),
    path(
        "streams/<uuid:stream_id>/recordings/<uuid:recording_id>/gifts",
        views.GiftReplayView.as_view(),
        name="api-gift-replay",
    ),
    path("users/<uuid:user_id>/gifts", views.UserGiftsView.as_view(), name="api-user-gifts"),
]
