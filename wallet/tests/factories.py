from decimal import Decimal

import factory

from gifts.models import Gift
from wallet.models import CoinPackage


class CoinPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoinPackage

    name = factory.Sequence(lambda n: f"Package {n}")
    coins = 100
    bonus_coins = 10
    price = Decimal("500.00")


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    name = factory.Sequence(lambda n: f"Gift {n}")
    category = "traditional"
    rarity = "common"
    cost_in_coins = 10
    naira_value = Decimal("50.00")
