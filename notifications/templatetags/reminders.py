from django import template
from django.utils import timezone

from notifications.selectors import reminders_pending
from notifications.services import REMINDER_CHOICES, REMINDER_DEFAULT

register = template.Library()


@register.inclusion_tag("notifications/_remind.html", takes_context=True)
def remind_me(context, stream):
    """The "Remind me" control of a scheduled stream. The user's pending reminders are read once per request
    (one query, however many cards the page shows)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    start = getattr(stream, "scheduled_start_time", None)
    upcoming = stream.status == "scheduled" and start is not None and start > timezone.now()
    minutes = None
    if upcoming and user is not None and user.is_authenticated:
        if not hasattr(request, "_notification_reminders"):
            request._notification_reminders = reminders_pending(user=user)
        minutes = request._notification_reminders.get(stream.pk)
    return {
        "stream": stream,
        "upcoming": upcoming,
        "signed_in": bool(user and user.is_authenticated),
        "reminder_minutes": minutes,
        "choices": REMINDER_CHOICES,
        "default": REMINDER_DEFAULT,
        "login_next": request.get_full_path() if request is not None else "/",
    }
