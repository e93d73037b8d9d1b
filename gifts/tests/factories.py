from decimal import Decimal

import factory

from gifts.models import Gift


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    name = factory.Sequence(lambda n: f"Gift {n}")
    category = "traditional"
    rarity = "common"
    cost_in_coins = 10
    naira_value = Decimal("50.00")
