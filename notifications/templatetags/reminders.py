from django import template
from django.utils import timezone

from notifications.selectors import reminder_get
from notifications.services import REMINDER_CHOICES, REMINDER_DEFAULT

register = template.Library()


@register.inclusion_tag("notifications/_remind.html", takes_context=True)
def remind_me(context, stream):
    """The "Remind me" control of a scheduled stream (one lookup on the (user, stream) key when signed in)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    start = getattr(stream, "scheduled_start_time", None)
    upcoming = stream.status == "scheduled" and start is not None and start > timezone.now()
    reminder = reminder_get(user=user, stream_id=stream.pk) if upcoming and user and user.is_authenticated else None
    pending = reminder is not None and reminder.sent_at is None
    return {
        "stream": stream,
        "upcoming": upcoming,
        "signed_in": bool(user and user.is_authenticated),
        "reminder_minutes": reminder.minutes_before if pending else None,
        "choices": REMINDER_CHOICES,
        "default": REMINDER_DEFAULT,
        "login_next": request.get_full_path() if request is not None else "/",
    }
