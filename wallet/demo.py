"""Demo coin packages, and coins for the demo viewer to spend."""

from collections.abc import Iterator
from decimal import Decimal

from accounts.models import User
from wallet.ledger import account_for
from wallet.models import CoinPackage
from wallet.services import coins_grant

PACKAGES = [
    ("Starter", 100, 0, "500.00"),
    ("Fan", 500, 50, "2500.00"),
    ("Super Fan", 2000, 300, "10000.00"),
    ("Patron", 10000, 2000, "50000.00"),
]
DEMO_VIEWER_COINS = 1000


def seed() -> Iterator[str]:
    for order, (name, coins, bonus, price) in enumerate(PACKAGES):
        CoinPackage.objects.update_or_create(
            name=name, defaults={"coins": coins, "bonus_coins": bonus, "price": Decimal(price), "sort_order": order}
        )
    yield f"coin packages: {CoinPackage.objects.filter(is_active=True).count()}"
    viewer = User.objects.filter(username="tunde_watches").first()
    if viewer is not None and account_for(user=viewer).balance == 0:
        coins_grant(user=viewer, coins=DEMO_VIEWER_COINS, reason="Demo coins")
    if viewer is not None:
        yield f"demo viewer coins: {account_for(user=viewer).balance}"
