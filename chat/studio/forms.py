"""The moderation page's forms: each is one POST a creator sends without any script, stored by one service call
whose refusals land on the form's fields (or above them)."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.selectors import user_get
from chat.services import MAX_TERM_LENGTH
from livestream.errors import DomainError, NotFound

# What a creator picks for a timeout, as Twitch and YouTube offer it, or a ban until lifted.
BAN = "ban"
DURATIONS = [
    (BAN, "Ban (until lifted)"),
    ("60", "Time out for 1 minute"),
    ("600", "Time out for 10 minutes"),
    ("3600", "Time out for 1 hour"),
    ("86400", "Time out for 1 day"),
    ("604800", "Time out for 1 week"),
]


class ServiceForm(forms.Form):
    """A form whose cleaned data one service call stores; ``refused`` puts that call's refusal on the form."""

    def refused(self, exc: ValidationError | DomainError) -> None:
        if isinstance(exc, DomainError):
            self.add_error(None, exc.detail)
            return
        for field, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ChannelSettingsForm(ServiceForm):
    slow_mode = forms.IntegerField(
        label="Slow mode (seconds)",
        min_value=0,
        max_value=86400,
        help_text="How long each viewer waits between messages; 0 is off.",
    )
    followers_only = forms.BooleanField(label="Followers-only chat", required=False)
    followers_min_minutes = forms.IntegerField(
        label="Followed for at least (minutes)",
        min_value=0,
        max_value=60 * 24 * 365,
        help_text="With followers-only chat: how long someone must have followed you; 0 is any follower.",
    )
    emote_only = forms.BooleanField(label="Emote-only chat", required=False)
    block_links = forms.BooleanField(label="Block links", required=False)
    apply_to_streams = forms.BooleanField(
        label="Also apply to my scheduled and live streams",
        required=False,
        help_text="Otherwise only streams you create from now on start with these settings.",
    )


class UsernameForm(ServiceForm):
    """A user named by username: ``user`` once valid (an active user), a clear error otherwise."""

    username = forms.CharField(max_length=150, label="Username")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip().lstrip("@")
        try:
            self.user: User = user_get(username=username)
        except NotFound:
            raise ValidationError(f"Nobody is called “{username}”: check the spelling.") from None
        return username


class ModeratorForm(UsernameForm):
    pass


class BanForm(UsernameForm):
    duration = forms.TypedChoiceField(
        label="Ban or time out", choices=DURATIONS, coerce=lambda value: None if value == BAN else int(value)
    )
    reason = forms.CharField(label="Reason", max_length=300, required=False, help_text="They are told it.")


class UserRowForm(ServiceForm):
    """A row's action (remove a moderator, lift a ban): the user it is about."""

    user_id = forms.UUIDField(widget=forms.HiddenInput)


class TermForm(ServiceForm):
    term = forms.CharField(
        label="Word or phrase",
        max_length=MAX_TERM_LENGTH,
        help_text="Messages that contain it as a word are refused in all your streams.",
    )
