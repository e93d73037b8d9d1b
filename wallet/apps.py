from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = "Wallet and coins"

    def ready(self) -> None:
        from wallet.checks import check_creator_revenue_share  # imports the ledger: models must be loaded first

        checks.register(check_payment_provider, checks.Tags.security, deploy=True)
        checks.register(check_creator_revenue_share)


def check_payment_provider(app_configs=None, **kwargs):
    if settings.PAYMENT_PROVIDER == "paystack" and not settings.PAYSTACK_SECRET_KEY:
        return [
            checks.Warning(
                "PAYSTACK_SECRET_KEY is not set: coin purchases and payouts will fail.",
                id="wallet.W001",
            )
        ]
    return []
