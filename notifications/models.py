"""What a user is told and how: notifications, each user's choices per kind and channel, Web Push
subscriptions and the reminders viewers ask for.

A notification is stored once per user (the in-app list is these rows); e-mail and Web Push are deliveries of
the same row, stamped when sent so a retried task never sends twice. ``dedupe_key`` makes a fan-out safe to
repeat: one user gets one notification per key (one "Ada is live" per stream, whatever retries).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    LIVE = "live", "A channel you follow goes live"
    SCHEDULED = "scheduled", "A channel you follow schedules a stream"
    REMINDER = "reminder", "A stream you asked to be reminded of is about to start"
    MENTION = "mention", "Someone mentions you in chat"
    GIFT = "gift", "You receive a gift"
    FOLLOWER = "follower", "Someone follows you"
    SUBSCRIBER = "subscriber", "Someone subscribes to you"
    SUBSCRIPTION_RENEWED = "subscription_renewed", "Your subscription renews"
    SUBSCRIPTION_LAPSED = "subscription_lapsed", "Your subscription lapses"
    VERIFICATION = "verification", "Your verification request is decided"
    PAYOUT = "payout", "A payout is paid or fails"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"
    PUSH = "push", "Push"


# What a user gets until they choose: every kind in the app; e-mail for what is worth an inbox; push for the
# moments that are now (push reaches only users who subscribed a browser, so "on" costs nothing otherwise).
CHANNEL_DEFAULTS: dict[str, dict[str, bool]] = {
    Channel.IN_APP: {kind: True for kind in Kind.values},
    Channel.EMAIL: {
        **{kind: False for kind in Kind.values},
        Kind.LIVE: True,
        Kind.SCHEDULED: True,
        Kind.REMINDER: True,
        # A lapse and a verification decision are mailed by their own apps with the details (how to subscribe
        # again; the staff's reason): off here by default, so nobody gets the same news twice.
        Kind.PAYOUT: True,
    },
    Channel.PUSH: {
        **{kind: True for kind in Kind.values},
        Kind.FOLLOWER: False,
        Kind.SUBSCRIPTION_RENEWED: False,
    },
}


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site the notification opens.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stream = models.ForeignKey("streams.Stream", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, help_text="One notification per user and key.")
    # False when the user turned this kind off in the app but on for e-mail or push: the row exists for those
    # deliveries (their stamps) and is left out of the list, the unread count and the socket.
    listed = models.BooleanField(default=True, help_text="Shown in the user's in-app list.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notifications_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notifications_user_newest"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notifications_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """A user's choice for one kind on one channel; no row means ``CHANNEL_DEFAULTS``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notifications_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {'on' if self.enabled else 'off'}"


class PushSubscription(models.Model):
    """One browser's Web Push subscription (the PushSubscription JSON a service worker gets)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200, help_text="The browser's public key (base64url).")
    auth = models.CharField(max_length=100, help_text="The shared authentication secret (base64url).")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user"], name="notifications_push_user")]

    def __str__(self) -> str:
        return f"push for {self.user_id}"


class Reminder(models.Model):
    """A viewer asked to be told before a scheduled stream starts (follower or not)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="+")
    minutes_before = models.PositiveSmallIntegerField(default=15)
    remind_at = models.DateTimeField(help_text="The stream's scheduled start less minutes_before.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "stream"], name="notifications_reminder_once")]
        indexes = [
            models.Index(fields=["remind_at"], condition=models.Q(sent_at__isnull=True), name="notifications_due")
        ]

    def __str__(self) -> str:
        return f"remind {self.user_id} of {self.stream_id}"
