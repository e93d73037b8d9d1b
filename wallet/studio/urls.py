from django.urls import path

from wallet.studio import views

urlpatterns = [
    path("", views.studio_money, name="studio-money"),
]
