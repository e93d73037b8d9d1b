from django.urls import path

from discovery import views

urlpatterns = [
    path("", views.home, name="home"),
    path("categories/<slug:slug>/", views.category_detail, name="category-detail"),
    path("tags/<str:slug>/", views.tag_detail, name="tag-detail"),
    path("search/", views.search_page, name="search-page"),
]
