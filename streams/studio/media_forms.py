"""The studio's recordings forms: retention (the channel's and one recording's) and cutting a clip. Each is saved
by a service, whose field errors land on these fields."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from streams.models import CLIP_MIN_SECONDS


def _errors_onto(form: forms.Form, exc: ValidationError, aliases: dict[str, str]) -> None:
    for field, messages in exc.message_dict.items():
        field = aliases.get(field, field)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class ChannelRetentionForm(forms.Form):
    days = forms.IntegerField(
        label="Keep recordings for (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text=f"Empty: the platform's default, {settings.RECORDING_RETENTION_DAYS} days. "
        "A recording's own setting wins over this.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class RecordingRetentionForm(forms.Form):
    days = forms.IntegerField(
        label="Keep this recording for (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Counted from when it was recorded. Empty: your channel's setting.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ClipForm(forms.Form):
    """A clip of one recording: where it starts and how long it lasts (the timeline script fills both)."""

    start = forms.FloatField(
        label="Start (seconds)", min_value=0, widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"})
    )
    duration = forms.FloatField(
        label="Length (seconds)",
        min_value=CLIP_MIN_SECONDS,
        max_value=settings.CLIP_MAX_SECONDS,
        help_text=f"{CLIP_MIN_SECONDS} to {settings.CLIP_MAX_SECONDS} seconds.",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    title = forms.CharField(label="Title", max_length=120, required=False)

    def add_service_errors(self, exc: ValidationError) -> None:
        _errors_onto(self, exc, {"recording": "start"})


def add_retention_errors(form: forms.Form, exc: ValidationError) -> None:
    _errors_onto(form, exc, {"retention_days": "days", "recording_retention_days": "days"})
