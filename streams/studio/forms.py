"""The studio's stream forms: what a creator types (a date and time on their own clock, tags as one
comma-separated line, a category from the tree) turned into what the services take, and saved through the
services the API and the admin call (``stream_create``, ``stream_update``, the thumbnail services). So the
rules are the API's, written once there: a refusal comes back as a form error beside its field."""

import datetime as dt
import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from livestream.errors import Conflict, DomainError
from streams.models import Category, Stream, tag_normalize
from streams.selectors import category_tree
from streams.services import FIXED_WHILE_PUBLISHING, creator_profile_update, stream_create, stream_update
from streams.services.media.thumbnails import thumbnail_upload

# The IANA areas a person lives in; the rest of the database is aliases kept for old software (US/Eastern,
# Etc/GMT+1, ...), which only make the list longer. A creator whose profile holds one still sees it offered.
ZONE_AREAS = set("Africa America Antarctica Arctic Asia Atlantic Australia Europe Indian Pacific".split())
# A service's field whose refusal is shown beside another of the form's (the start is typed as date + time).
SERVICE_TO_FORM_FIELD = {"scheduled_start_time": "start_date"}
# The API's sentences name its JSON fields (is_premium, price_coins); the form says the same refusal in the
# words of its own labels, chosen by the refusal's code.
FORM_WORDS = {
    "price_required": "A premium stream needs a price: what a viewer pays, at least 1 coin.",
    "price_without_premium": "Only a premium stream has a price: tick “Premium”, or clear the price.",
}

FIXED_HELP = "Fixed while your encoder is broadcasting: it decides how the video is served."
VISIBILITY_LABELS = {
    Stream.Visibility.PUBLIC: "Public: on the home page, in search and on your channel",
    Stream.Visibility.UNLISTED: "Unlisted: anyone with the link can watch; listed nowhere",
    Stream.Visibility.PRIVATE: "Private: only you",
}
LATENCY_LABELS = {
    Stream.Latency.LOW: "Low: closest to real time (1 s chunks); best for Q&A, less forgiving of weak networks",
    Stream.Latency.NORMAL: "Normal: a few seconds behind (2 s chunks); right for most streams",
    Stream.Latency.HIGH: "High: steadiest on weak mobile networks (4 s chunks); viewers are furthest behind",
}


@cache
def timezone_choices() -> tuple[tuple[str, str], ...]:
    zones = sorted(zone for zone in zoneinfo.available_timezones() if zone.split("/", 1)[0] in ZONE_AREAS)
    return (("UTC", "UTC"), *((zone, zone.replace("_", " ")) for zone in zones))


def category_choices(current: Category | None = None) -> list:
    """The active category tree as grouped choices: a top-level category with sub-categories is a group
    (itself first, "(general)"), deeper ones named by their path. An inactive current category stays offered."""

    def descendants(node: Category, path: str) -> list[tuple[str, str]]:
        found = []
        for child in node.child_nodes:
            label = f"{path} › {child.name}" if path else child.name
            found += [(child.slug, label), *descendants(child, label)]
        return found

    choices: list = [("", "No category")]
    for top in category_tree():
        if top.child_nodes:
            choices.append((top.name, [(top.slug, f"{top.name} (general)"), *descendants(top, "")]))
        else:
            choices.append((top.slug, top.name))
    offered = {value for value, _ in _flat(choices)}
    if current is not None and current.slug not in offered:
        choices.append((current.slug, current.name))
    return choices


def _flat(choices) -> list[tuple[str, str]]:
    return [pair for value, label in choices for pair in (label if isinstance(label, list) else [(value, label)])]


def tag_names(text: str) -> list[str]:
    """The names in a comma-separated line (the service normalises and checks each)."""
    return [name for name in (part.strip() for part in text.split(",")) if name]


def local_to_aware(day: dt.date, time: dt.time, zone_name: str) -> dt.datetime:
    """``day`` at ``time`` on the clocks of ``zone_name``, as an aware datetime. A time the clocks skip (the hour
    daylight saving time jumps over) is refused; a time they show twice is its first showing."""
    zone = zoneinfo.ZoneInfo(zone_name)
    wall = dt.datetime.combine(day, time)
    aware = wall.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            f"{time:%H:%M} does not exist on {day:%-d %B} in {zone_name}: the clocks go forward then.",
            code="nonexistent_time",
        )
    return aware


def errors_onto(form: forms.Form, exc: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """A service's refusal onto the form: each field's errors beside that field (``renamed`` maps a service's
    field to the form's), in the form's words where it has its own (``FORM_WORDS``), the rest above the form."""
    renamed = renamed or {}
    errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
    for field, field_errors in errors.items():
        target = renamed.get(field, field)
        target = target if target in form.fields else None
        for error in field_errors:
            message = FORM_WORDS.get(error.code) or " ".join(error.messages)
            form.add_error(target, ValidationError(message, code=error.code))


class StreamForm(forms.Form):
    """Create (``stream=None``) or change a stream. ``zone`` is the creator's IANA time zone: the start is
    typed on its clock and stored as an aware datetime (UTC in the database)."""

    label_suffix = ""

    title = Stream._meta.get_field("title").formfield()
    description = Stream._meta.get_field("description").formfield(widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(required=False)
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text=f"Separated by commas, e.g. waec, algebra. At most {settings.STREAM_MAX_TAGS}.",
    )
    start_date = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    remember_timezone = forms.BooleanField(
        label="Make this my time zone (for the studio and my weekly schedule)", required=False
    )
    visibility = forms.ChoiceField(
        choices=[(value, VISIBILITY_LABELS[value]) for value in Stream.Visibility.values],
        widget=forms.RadioSelect,
        initial=Stream.Visibility.PUBLIC,
    )
    is_premium = forms.BooleanField(label="Premium: viewers pay once to watch", required=False)
    price_coins = forms.IntegerField(
        label="Price in coins", required=False, help_text="What a viewer pays once; only for a premium stream."
    )
    allow_chat = forms.BooleanField(label="Chat on", required=False, initial=True)
    allow_gifts = forms.BooleanField(label="Gifts on", required=False, initial=True)
    latency_mode = forms.ChoiceField(
        label="Latency",
        choices=[(value, LATENCY_LABELS[value]) for value in Stream.Latency.values],
        widget=forms.RadioSelect,
        initial=Stream.Latency.NORMAL,
    )
    max_viewers = forms.IntegerField(label="Viewer limit", required=False, help_text="Leave empty for no limit.")

    def __init__(self, *args, creator: User, zone: str, stream: Stream | None = None, **kwargs):
        self.creator, self.stream, self.zone = creator, stream, zone
        if stream is not None:
            kwargs["initial"] = {**self.stream_initial(stream, zone), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(stream.category if stream is not None else None)
        self.fields["timezone"].initial = zone
        if zone not in dict(timezone_choices()):
            self.fields["timezone"].choices = [*timezone_choices(), (zone, zone)]
        if stream is not None and stream.status != Stream.Status.SCHEDULED:
            for name in ("start_date", "start_time", "timezone", "remember_timezone"):
                del self.fields[name]  # only a scheduled stream is (re)scheduled
        if stream is not None and stream.publisher_client_id:
            for name in FIXED_WHILE_PUBLISHING:
                self.fields[name].disabled = True
                self.fields[name].help_text = FIXED_HELP

    @staticmethod
    def stream_initial(stream: Stream, zone: str) -> dict:
        initial = {
            "title": stream.title,
            "description": stream.description,
            "category": stream.category.slug if stream.category_id else "",
            "tags": ", ".join(tag.name for tag in stream.tags.all()),
            "visibility": stream.visibility,
            "is_premium": stream.is_premium,
            "price_coins": stream.price_coins,
            "allow_chat": stream.allow_chat,
            "allow_gifts": stream.allow_gifts,
            "latency_mode": stream.latency_mode,
            "max_viewers": stream.max_viewers,
        }
        if stream.scheduled_start_time:
            local = stream.scheduled_start_time.astimezone(zoneinfo.ZoneInfo(zone))
            initial["start_date"], initial["start_time"] = local.date(), local.time().replace(second=0, microsecond=0)
        return initial

    def clean(self):
        cleaned = super().clean()
        if "start_date" not in self.fields:
            return cleaned
        day, time = cleaned.get("start_date"), cleaned.get("start_time")
        if self.has_error("start_date") or self.has_error("start_time") or self.has_error("timezone"):
            return cleaned
        if day and not time:
            self.add_error("start_time", ValidationError("Give the time as well as the date.", code="required"))
        elif time and not day:
            self.add_error("start_date", ValidationError("Give the date as well as the time.", code="required"))
        elif day and time:
            try:
                cleaned["scheduled_start_time"] = local_to_aware(day, time, cleaned["timezone"])
            except ValidationError as exc:
                self.add_error("start_time", exc)
        else:
            cleaned["scheduled_start_time"] = None
        return cleaned

    def service_data(self) -> dict:
        """The form's values as ``stream_create`` / ``stream_update`` take them: category by slug, tags by name,
        the start as an aware datetime. For a change, only what the creator changed (so a price left in its box
        on a stream made free is dropped with the premium, as the API does when price_coins is not sent)."""
        cleaned = self.cleaned_data
        data = {
            name: cleaned[name]
            for name in (
                "title",
                "description",
                "visibility",
                "is_premium",
                "price_coins",
                "allow_chat",
                "allow_gifts",
                "latency_mode",
                "max_viewers",
            )
            if name in cleaned and not self.fields[name].disabled
        }
        data["category"] = cleaned["category"] or None
        data["tags"] = tag_names(cleaned["tags"])
        if "scheduled_start_time" in cleaned:
            data["scheduled_start_time"] = cleaned["scheduled_start_time"]
        if self.stream is None:
            return data
        stream = self.stream
        now = {
            **{name: getattr(stream, name) for name in data if hasattr(stream, name)},
            "category": stream.category.slug if stream.category_id else None,
            "tags": [tag.name for tag in stream.tags.all()],
        }
        if stream.scheduled_start_time:  # the form shows minutes: a start set to the second is unchanged
            now["scheduled_start_time"] = stream.scheduled_start_time.replace(second=0, microsecond=0)
        changed = {name: value for name, value in data.items() if value != now[name]}
        if "tags" in changed and [tag_normalize(name) for name in data["tags"]] == now["tags"]:
            del changed["tags"]  # the same tags typed another way ("#WAEC" for "waec")
        return changed

    def save(self) -> Stream | None:
        """Create or change the stream through its service; None when the service refused (the refusal is on
        the form). Remembers the time zone on the creator's profile when asked, once the stream is saved."""
        data = self.service_data()
        try:
            if self.stream is None:
                stream = stream_create(creator=self.creator, **data)
            else:
                stream = stream_update(stream=self.stream, data=data) if data else self.stream
        except ValidationError as exc:
            errors_onto(self, exc, SERVICE_TO_FORM_FIELD)
            return None
        except Conflict as exc:
            if exc.code == "stream_publishing":  # a broadcast began while the form was open
                for name in FIXED_WHILE_PUBLISHING & set(data):
                    self.add_error(name, ValidationError(exc.detail, code=exc.code))
            else:
                self.add_error(None, ValidationError(exc.detail, code=exc.code))
            return None
        except DomainError as exc:
            self.add_error(None, ValidationError(exc.detail, code=exc.code))
            return None
        zone = self.cleaned_data.get("timezone")
        if self.cleaned_data.get("remember_timezone") and zone and zone != self.zone:
            creator_profile_update(user=self.creator, data={"timezone": zone})
        return stream


class ThumbnailForm(forms.Form):
    """A creator's own thumbnail, without script: the same service as ``PUT /api/v1/streams/{id}/thumbnail``
    (cropped to 16:9 from the centre, stored at 1280x720, 640x360 and 320x180)."""

    label_suffix = ""

    image = forms.FileField(
        label="Thumbnail image",
        help_text="A JPEG, PNG, WebP or GIF, at least 320×180; cropped to 16:9 from the centre.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )

    def save(self, *, stream: Stream) -> Stream | None:
        try:
            return thumbnail_upload(stream=stream, upload=self.cleaned_data["image"])
        except ValidationError as exc:  # invalid_image, image_too_large, image_too_small: keyed "image"
            errors_onto(self, exc)
        except DomainError as exc:  # images_busy
            self.add_error("image", ValidationError(exc.detail, code=exc.code))
        return None
