import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxLengthValidator
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
        default=False, help_text="Verified creator badge; set by the verification services (a request, or staff)."
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


VERIFICATION_LINKS_MAX = 5


class VerificationRequest(models.Model):
    """A creator's application for the verified badge, and staff's decision on it.

    One open (pending) request per applicant at a time: a database constraint says so. Approving sets
    ``User.is_verified``; rejecting needs a reason the applicant is shown; revoking (a badge taken back) marks
    the approved request so the applicant sees why.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        REVOKED = "revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    applicant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verification_requests")
    full_name = models.CharField(max_length=120, help_text="The applicant's real or registered name.")
    about = models.TextField(
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        help_text="Who they are: what they teach, perform or represent.",
    )
    links = models.JSONField(default=list, blank=True, help_text="Up to 5 public links that show who they are.")
    reason = models.TextField(
        max_length=1000, validators=[MaxLengthValidator(1000)], help_text="Why they ask for the badge."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="verification_decisions"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000)],
        help_text="Shown to the applicant when the request is rejected or revoked.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status="pending"),
                name="accounts_verification_one_open_per_applicant",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "rejected", "revoked"]),
                name="accounts_verification_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["rejected", "revoked"]) | ~models.Q(rejection_reason=""),
                name="accounts_verification_refusal_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="accounts_verif_status_idx")]

    def __str__(self) -> str:
        return f"Verification of {self.applicant} ({self.status})"
