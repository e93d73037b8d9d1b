from django.urls import path
from rest_framework.routers import SimpleRouter

from streams.api import views

router = SimpleRouter(trailing_slash=False)
router.register("streams", views.StreamViewSet, basename="stream")

urlpatterns = [
    path("categories", views.CategoryListView.as_view(), name="api-categories"),
    path("creators/<str:username>", views.CreatorView.as_view(), name="api-creator"),
    path("creators/<str:username>/follow", views.FollowView.as_view(), name="api-creator-follow"),
    path("creators/<str:username>/subscription", views.SubscriptionView.as_view(), name="api-creator-subscription"),
    *router.urls,
]
