from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="api-register"),
    path("auth/token", views.TokenView.as_view(), name="api-token"),
    path("auth/token/revoke", views.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("users/me", views.MeView.as_view(), name="api-me"),
    path("verification", views.VerificationView.as_view(), name="api-verification"),
]
