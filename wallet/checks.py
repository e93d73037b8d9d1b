"""System checks for the wallet's settings: a value that would break the first payment stops start-up instead.

``manage.py check``, ``migrate`` (which ``make run`` and ``make serve`` run before serving) and
``runserver`` refuse to go on with an Error here.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from wallet.ledger import creator_share_rate


def check_creator_revenue_share(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """CREATOR_REVENUE_SHARE is read on every payment to a creator; the same rule is checked here, once."""
    try:
        creator_share_rate()
    except (ImproperlyConfigured, ArithmeticError, ValueError, TypeError):  # Decimal("half") is InvalidOperation
        return [
            checks.Error(
                f"CREATOR_REVENUE_SHARE is {settings.CREATOR_REVENUE_SHARE!r}: it must be a number between 0 and 1 "
                "with at most six decimal places (the creator's share of every gift, access and subscription).",
                hint='Set it to e.g. "0.5" (half to the creator), or unset it for the default.',
                id="wallet.E001",
            )
        ]
    return []
