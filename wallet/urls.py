from django.urls import path

from wallet import views

urlpatterns = [
    path("checkout/sandbox/<str:reference>", views.sandbox_checkout, name="sandbox-checkout"),
]
