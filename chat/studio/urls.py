from django.urls import path

from chat.studio import views

urlpatterns = [
    path("", views.studio_moderation, name="studio-moderation"),
]
