import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

# Millionths of a coin: the unit a revenue share's fraction is kept in (Entry.amount_micro). A share of a
# payment is exact in it for any CREATOR_REVENUE_SHARE of up to six decimal places.
MICRO = 1_000_000


def micro_to_coins(micro: int) -> Decimal:
    """Millionths of a coin as a Decimal of coins with six places (never a float)."""
    return (Decimal(micro) / MICRO).quantize(Decimal("0.000001"))


class Account(models.Model):
    """A ledger account. Users have a coin wallet and (as creators) an earnings account;
    the platform has one revenue account and the mint that issues purchased coins.

    Only wallets keep a stored balance, moved in step with their entries under
    a conditional UPDATE (a wallet can never go below zero: a constraint says
    so). Earnings, platform and mint balances are the sum of their entries:
    a creator receiving thousands of gifts a second takes no lock at all.
    """

    class Kind(models.TextChoices):
        WALLET = "wallet"
        EARNINGS = "earnings"
        PLATFORM = "platform"
        MINT = "mint"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    balance = models.BigIntegerField(default=0, help_text="Stored for wallets only; others are derived.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="wallet_account_balance_not_negative"),
            models.UniqueConstraint(
                fields=["owner", "kind"], name="wallet_account_one_per_kind", condition=models.Q(owner__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["kind"], name="wallet_account_one_system_account", condition=models.Q(owner__isnull=True)
            ),
            models.CheckConstraint(
                condition=(models.Q(kind__in=["wallet", "earnings"], owner__isnull=False))
                | (models.Q(kind__in=["platform", "mint"], owner__isnull=True)),
                name="wallet_account_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="wallet") | models.Q(balance=0), name="wallet_account_only_wallets_store"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.owner or 'the platform'}"


class Transaction(models.Model):
    """One movement of coins: entries that sum to zero, written together or not at all."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase"
        GIFT = "gift"
        ACCESS = "access"
        SUBSCRIPTION = "subscription"
        PAYOUT = "payout"
        PAYOUT_REVERSAL = "payout_reversal"
        REFUND = "refund"
        GRANT = "grant"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reference = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=200, blank=True)
    creator_share_micro = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="A payment to a creator: the CREATOR_REVENUE_SHARE it used, in millionths (500,000 for a half).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(creator_share_micro__lte=MICRO), name="wallet_transaction_share_at_most_all"
            )
        ]
        # Equality lookups only: a plain btree, without the LIKE-pattern twin db_index=True adds on PostgreSQL
        # (one index write less on every gift).
        indexes = [models.Index(fields=["reference"], name="wallet_txn_reference_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


# What a viewer pays a creator for (the creator gets CREATOR_REVENUE_SHARE of it): the one list of them.
CREATOR_PAYMENT_KINDS = (Transaction.Kind.GIFT, Transaction.Kind.ACCESS, Transaction.Kind.SUBSCRIPTION)


class Entry(models.Model):
    """One side of a transaction on one account. Append-only.

    Its value is ``amount`` coins plus ``amount_micro`` millionths of a coin: whole coins for wallets (what
    a user spends is whole), and the exact revenue share for a creator's earnings and the platform, so no
    fraction of a payment vanishes in rounding. ``amount`` is the value rounded down, ``amount_micro`` the
    rest (0-999,999); a transaction balances when its values sum to zero.
    """

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    # No index of its own: wallet_entry_account_idx (account, -created_at) leads with it.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    amount = models.BigIntegerField(help_text="Coins; positive credits the account, negative debits it.")
    amount_micro = models.PositiveIntegerField(
        default=0, help_text="Millionths of a coin added to amount (0-999,999): a revenue share's fraction."
    )
    balance_after = models.BigIntegerField(null=True, blank=True, help_text="Wallets only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="wallet_entry_account_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0, amount_micro=0), name="wallet_entry_not_zero"),
            models.CheckConstraint(condition=models.Q(amount_micro__lt=MICRO), name="wallet_entry_micro_below_coin"),
        ]

    def __str__(self) -> str:
        if self.amount_micro:
            return f"{micro_to_coins(self.value_micro):+} on {self.account_id}"
        return f"{self.amount:+d} on {self.account_id}"

    @property
    def value_micro(self) -> int:
        """The entry's value in millionths of a coin."""
        return self.amount * MICRO + self.amount_micro


class CoinPackage(models.Model):
    """Coins for naira, curated by staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    coins = models.PositiveIntegerField()
    bonus_coins = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Naira.")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price"]
        constraints = [
            models.CheckConstraint(condition=models.Q(coins__gt=0), name="wallet_package_coins_positive"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="wallet_package_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.coins + self.bonus_coins} coins for ₦{self.price})"

    @property
    def total_coins(self) -> int:
        return self.coins + self.bonus_coins


class Payment(models.Model):
    """A coin purchase through a payment provider; credited exactly once."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCESS = "success"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    package = models.ForeignKey(CoinPackage, on_delete=models.PROTECT, related_name="payments")
    coins = models.PositiveIntegerField()
    amount_kobo = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="NGN")
    payment_method = models.CharField(max_length=20)
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    authorization_url = models.URLField(max_length=500, blank=True)
    callback_url = models.URLField(max_length=500, blank=True)
    ledger_transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="success") | models.Q(ledger_transaction__isnull=False),
                name="wallet_payment_success_is_credited",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PayoutDestination(models.Model):
    """Where a creator's payouts go: the provider's transfer recipient for their bank account.

    The creator sets it up in the studio (``wallet.payouts.payout_destination_set``: the bank resolves the
    account's name, the provider registers the recipient); only the last four digits of the number are kept.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_destination")
    recipient_code = models.CharField(max_length=64, help_text="Paystack transfer recipient code (RCP_...).")
    provider = models.CharField(max_length=20, blank=True, help_text="The provider the recipient was created at.")
    bank_code = models.CharField(max_length=20, blank=True)
    bank_name = models.CharField(max_length=80, blank=True)
    account_name = models.CharField(max_length=100, blank=True, help_text="As the bank holds it.")
    account_last4 = models.CharField(max_length=4, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.bank_name} ****{self.account_last4}"


class Payout(models.Model):
    """Coins out of a creator's earnings, paid in naira through the provider's transfers."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    coins = models.PositiveBigIntegerField()
    naira_per_coin = models.DecimalField(max_digits=10, decimal_places=2)
    amount_kobo = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=20)
    provider_reference = models.CharField(max_length=64, unique=True)
    recipient_code = models.CharField(max_length=64)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField()
    # Private (wallet.payouts writes it under private/), and room for the creator's username in its name.
    statement = models.FileField(upload_to="private/payout-statements/", max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(coins__gt=0), name="wallet_payout_coins_positive")]

    def __str__(self) -> str:
        return f"Payout {self.provider_reference} ({self.status})"


class IdempotencyRecord(models.Model):
    """A money-moving request's key, written in the transaction that moves the money, and what it made.

    ``result`` is the id of what the first request made (a sent gift, a payment's reference); a retry
    with the same key gets that back and moves nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    result = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="wallet_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
