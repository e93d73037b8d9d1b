from django.urls import path

from discovery.api import views

# Beside the streams router's /streams/<uuid>: its lookup is a UUID, so these names never collide with it.
urlpatterns = [
    path("streams/trending", views.TrendingView.as_view(), name="api-streams-trending"),
    path("streams/recommended", views.RecommendedView.as_view(), name="api-streams-recommended"),
    path("search", views.SearchView.as_view(), name="api-search"),
    path("search/suggest", views.SuggestView.as_view(), name="api-search-suggest"),
]
