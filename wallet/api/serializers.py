from rest_framework import serializers

from livestream.api.serializers import QuerySerializer, StrictJSONInput
from wallet.models import CoinPackage
from wallet.payouts import payout_statement_url
from wallet.selectors import STATEMENT_TYPES, micro_to_coins
from wallet.services import PAYMENT_METHODS


class CoinPackageSerializer(serializers.ModelSerializer):
    currency = serializers.SerializerMethodField()

    class Meta:
        model = CoinPackage
        fields = ["id", "name", "coins", "bonus_coins", "price", "currency"]

    def get_currency(self, obj) -> str:
        return "NGN"


class BalanceSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Whole coins the caller can spend.")
    lifetime_purchased = serializers.IntegerField()
    lifetime_spent = serializers.IntegerField()
    earnings = serializers.IntegerField(help_text="Earnings in whole coins (rounded down): what a payout pays.")
    earnings_exact = serializers.CharField(help_text='Earnings to the millionth of a coin, e.g. "3934.500000".')
    lifetime_earned = serializers.IntegerField()
    lifetime_earned_exact = serializers.CharField(help_text="Everything ever earned, to the millionth of a coin.")


class StatementRowSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="transaction_id")
    type = serializers.CharField()
    amount = serializers.IntegerField(help_text="Whole coins, signed (a share's fraction rounded down).")
    amount_exact = serializers.SerializerMethodField(help_text="The amount to the millionth of a coin.")
    balance_after = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField(source="transaction.reference")
    description = serializers.CharField(source="transaction.description")
    created_at = serializers.DateTimeField()

    def get_amount_exact(self, entry) -> str:
        return str(micro_to_coins(entry.value_micro))


class StatementQuerySerializer(QuerySerializer):
    type = serializers.ChoiceField(choices=STATEMENT_TYPES, required=False)


class PurchaseSerializer(StrictJSONInput, serializers.Serializer):
    package_id = serializers.UUIDField()
    payment_method = serializers.ChoiceField(choices=PAYMENT_METHODS)
    # A path on this site or a URL on its own origin (checked by the service: see livestream/origins.py).
    callback_url = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PaymentSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    authorization_url = serializers.URLField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    provider = serializers.CharField()
    coins = serializers.IntegerField()

    def get_amount(self, obj) -> str:
        naira, kobo = divmod(obj.amount_kobo, 100)  # integer arithmetic: no float near money
        return f"{naira}.{kobo:02d}"


class SandboxPaySerializer(StrictJSONInput, serializers.Serializer):
    status = serializers.ChoiceField(choices=["success", "failed"])


class BankSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='The bank\'s code at the provider (the CBN code, e.g. "058").')
    name = serializers.CharField()


class PayoutAccountSerializer(StrictJSONInput, serializers.Serializer):
    bank_code = serializers.CharField(max_length=20, help_text="A code from GET /currency/payouts/banks.")
    account_number = serializers.CharField(max_length=20, help_text="The 10-digit account number (NUBAN).")


class PayoutAccountPreviewSerializer(serializers.Serializer):
    bank_code = serializers.CharField()
    bank_name = serializers.CharField()
    account_number = serializers.CharField()
    account_name = serializers.CharField(help_text="The account's name as the bank holds it.")


class PayoutDestinationSerializer(serializers.Serializer):
    bank_code = serializers.CharField()
    bank_name = serializers.CharField()
    account_name = serializers.CharField()
    account_last4 = serializers.CharField(help_text="The account number's last four digits (the rest is not kept).")
    updated_at = serializers.DateTimeField()


class PayoutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["pending", "paid", "failed"])
    coins = serializers.IntegerField()
    amount = serializers.SerializerMethodField(help_text='Naira, two places ("6000.00").')
    currency = serializers.SerializerMethodField()
    naira_per_coin = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    period_start = serializers.DateTimeField(allow_null=True)
    period_end = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    failure_reason = serializers.CharField()
    statement_url = serializers.SerializerMethodField(
        help_text="Where its creator downloads the CSV statement; null until it is written."
    )

    def get_amount(self, obj) -> str:
        naira, kobo = divmod(obj.amount_kobo, 100)
        return f"{naira}.{kobo:02d}"

    def get_currency(self, obj) -> str:
        return "NGN"

    def get_statement_url(self, obj) -> str | None:
        return payout_statement_url(obj)
