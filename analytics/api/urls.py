from django.urls import path

from analytics.api import views

urlpatterns = [
    path("streams/<uuid:stream_id>/analytics", views.StreamAnalyticsView.as_view(), name="api-stream-analytics"),
    path(
        "streams/<uuid:stream_id>/analytics.csv",
        views.StreamAnalyticsCSVView.as_view(),
        name="api-stream-analytics-csv",
    ),
    path("creators/<str:username>/analytics", views.CreatorAnalyticsView.as_view(), name="api-creator-analytics"),
    path(
        "creators/<str:username>/analytics.csv",
        views.CreatorAnalyticsCSVView.as_view(),
        name="api-creator-analytics-csv",
    ),
]
