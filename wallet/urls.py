from django.urls import path

from wallet import views

urlpatterns = [
    path("wallet/", views.wallet_page, name="wallet"),
    path("wallet/buy", views.wallet_buy, name="wallet-buy"),
    path("wallet/return/", views.wallet_return, name="wallet-return"),
    path("checkout/sandbox/<str:reference>", views.sandbox_checkout, name="sandbox-checkout"),
]
