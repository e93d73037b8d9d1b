import uuid

from django.conf import settings
from django.db import models

from gifts.sounds import upload_to_gift_sound, validate_gift_sound


def upload_to_gift(instance, filename: str) -> str:
    return f"gifts/{instance.pk}/{uuid.uuid4().hex}.webp"


class Gift(models.Model):
    """A virtual gift in the catalogue, curated by staff."""

    class Category(models.TextChoices):
        TRADITIONAL = "traditional"
        MODERN = "modern"
        PREMIUM = "premium"

    class Rarity(models.TextChoices):
        COMMON = "common"
        RARE = "rare"
        EPIC = "epic"
        LEGENDARY = "legendary"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=12, choices=Category.choices)
    rarity = models.CharField(max_length=10, choices=Rarity.choices, default=Rarity.COMMON)
    cost_in_coins = models.PositiveIntegerField()
    naira_value = models.DecimalField(max_digits=12, decimal_places=2)
    image = models.ImageField(upload_to=upload_to_gift, blank=True)
    animation = models.CharField(max_length=40, blank=True, help_text="Name of the client-side animation.")
    sound = models.FileField(
        upload_to=upload_to_gift_sound,
        blank=True,
        validators=[validate_gift_sound],
        help_text="Played over the video when the gift lands, for viewers who turned gift sounds on: "
        "wav, mp3, ogg/opus, m4a, aac or webm, at most 512 KB and a few seconds.",
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "cost_in_coins"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_in_coins__gt=0), name="gifts_gift_cost_positive"),
            models.CheckConstraint(
                condition=models.Q(category__in=["traditional", "modern", "premium"]), name="gifts_gift_category"
            ),
            models.CheckConstraint(
                condition=models.Q(rarity__in=["common", "rare", "epic", "legendary"]), name="gifts_gift_rarity"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "category", "rarity"], name="gifts_catalogue_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cost_in_coins} coins)"


# One gift request's bounds: the serializer, the lean route, the service and the table all read these.
GIFT_QUANTITY_MAX = 100
GIFT_MESSAGE_MAX = 200


class SentGift(models.Model):
    """A gift sent to a live stream: who, what, how many, and the ledger transaction that paid for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # stream, sender and creator lead the composite indexes below; a second index each would only cost writes.
    stream = models.ForeignKey("streams.Stream", on_delete=models.PROTECT, related_name="gifts", db_index=False)
    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="sent")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts_sent", db_index=False
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts_received", db_index=False
    )
    quantity = models.PositiveSmallIntegerField()
    # What the creator got is the linked ledger transaction's earnings entry, exact to the millionth of a coin.
    total_coins = models.PositiveIntegerField()
    message = models.CharField(max_length=GIFT_MESSAGE_MAX, blank=True)
    is_anonymous = models.BooleanField(default=False)
    combo = models.PositiveIntegerField(
        default=1, help_text="1, or one more than this sender's previous same gift here if that was within seconds."
    )
    ledger_transaction = models.OneToOneField("wallet.Transaction", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=GIFT_QUANTITY_MAX), name="gifts_sent_quantity"
            ),
            models.CheckConstraint(condition=~models.Q(sender=models.F("creator")), name="gifts_sent_not_to_self"),
        ]
        indexes = [
            models.Index(fields=["stream", "-created_at"], name="gifts_sent_stream_idx"),
            models.Index(fields=["sender", "-created_at"], name="gifts_sent_sender_idx"),  # and the combo lookup
            models.Index(fields=["creator", "-created_at"], name="gifts_sent_creator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}x {self.gift_id} to {self.stream_id}"
