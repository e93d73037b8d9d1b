from django.urls import path

from wallet.api import views

urlpatterns = [
    path("currency/packages", views.PackagesView.as_view(), name="api-packages"),
    path("currency/balance", views.BalanceView.as_view(), name="api-balance"),
    path("currency/transactions", views.TransactionsView.as_view(), name="api-transactions"),
    path("currency/purchase", views.PurchaseView.as_view(), name="api-purchase"),
    path("currency/purchase/<str:reference>", views.PaymentView.as_view(), name="api-payment"),
    path("currency/sandbox/<str:reference>", views.SandboxPayView.as_view(), name="api-sandbox-pay"),
    path("currency/webhooks/paystack", views.PaystackWebhookView.as_view(), name="api-paystack-webhook"),
    path("currency/payouts", views.PayoutsView.as_view(), name="api-payouts"),
    path("currency/payouts/banks", views.PayoutBanksView.as_view(), name="api-payout-banks"),
    path("currency/payouts/destination", views.PayoutDestinationView.as_view(), name="api-payout-destination"),
    path(
        "currency/payouts/destination/resolve",
        views.PayoutAccountResolveView.as_view(),
        name="api-payout-account-resolve",
    ),
    path(
        "currency/payouts/<uuid:payout_id>/statement", views.PayoutStatementView.as_view(), name="api-payout-statement"
    ),
]
