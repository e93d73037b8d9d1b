from django.urls import path

from discovery import views

urlpatterns = [
    # --- search ---
    path("search/", views.search_page, name="search-page"),
]
