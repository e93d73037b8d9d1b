import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

# Gifts costing more than this many coins in one send ask the viewer to confirm first (their own setting).
GIFT_CONFIRM_THRESHOLD_DEFAULT = 100
GIFT_CONFIRM_THRESHOLD_MAX = 1_000_000


class User(AbstractUser):
    """A person on the platform: viewer, creator, or both.

    ``display_name`` and ``is_verified`` live here rather than on the creator
    profile because every embedded user (a chat message's author, a gift's
    sender) carries them, and that should cost no join.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address")
    display_name = models.CharField(max_length=60, blank=True)
    is_verified = models.BooleanField(
        default=False, help_text="Verified creator badge; set by staff from the creator profile admin."
    )
    gift_confirm_threshold = models.PositiveIntegerField(
        default=GIFT_CONFIRM_THRESHOLD_DEFAULT,
        help_text="The gift panel asks to confirm a send costing more than this many coins (0: every send).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"), name="accounts_user_email_ci_unique", condition=~models.Q(email="")
            ),
            models.CheckConstraint(
                condition=models.Q(gift_confirm_threshold__lte=GIFT_CONFIRM_THRESHOLD_MAX),
                name="accounts_user_gift_confirm_threshold_max",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
