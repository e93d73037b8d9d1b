from django.urls import path

from discovery.api import views

urlpatterns = [
    # --- search ---
    path("search", views.SearchView.as_view(), name="api-search"),
    path("search/suggest", views.SuggestView.as_view(), name="api-search-suggest"),
]
