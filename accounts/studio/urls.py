from django.urls import path

from accounts.studio import views

urlpatterns = [
    path("", views.studio_verification, name="studio-verification"),
]
