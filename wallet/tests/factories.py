from decimal import Decimal

import factory

from wallet.models import CoinPackage


class CoinPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoinPackage

    name = factory.Sequence(lambda n: f"Package {n}")
    coins = 100
    bonus_coins = 10
    price = Decimal("500.00")
