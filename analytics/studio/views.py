"""The studio's analytics pages: the creator's own numbers over a range of days, and one stream's by minute.

The page is complete without script (totals, and a table behind every chart); ``static/js/analytics.js`` draws
the charts (uPlot) from the same numbers.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from analytics.selectors import (
    RANGE_DEFAULT_DAYS,
    RANGE_PRESETS,
    creator_analytics,
    date_range_resolve,
    stream_analytics,
)
from analytics.services import creator_rollup_if_stale, creator_zone, stream_rollup_if_stale
from analytics.studio.forms import RangeForm
from streams.selectors import stream_get_for_owner


def _range(request, today: dt.date) -> tuple[dt.date, dt.date, object, int | None]:
    """The days asked for: a preset (``days``), or ``from``/``to``; a bad range falls back to the default with
    the form's errors shown."""
    form = RangeForm(request.GET or None)
    preset = RANGE_DEFAULT_DAYS
    start = end = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("from") or data.get("to"):
            preset, start, end = None, data.get("from"), data.get("to")
        elif data.get("days"):
            preset = data["days"]
    if preset:
        end, start = today, today - dt.timedelta(days=preset - 1)
    try:
        start, end = date_range_resolve(start=start, end=end, today=today)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field, message)
        preset = RANGE_DEFAULT_DAYS
        start, end = date_range_resolve(start=None, end=None, today=today)
    return start, end, form, preset


@login_required
@require_safe
def studio_analytics(request):
    zone = creator_zone(request.user)  # their days are their own
    start, end, form, preset = _range(request, timezone.now().astimezone(zone).date())
    creator_rollup_if_stale(creator=request.user)
    data = creator_analytics(creator=request.user, start=start, end=end, zone=zone)
    return render(
        request,
        "analytics/creator.html",
        {"section": "analytics", "data": data, "form": form, "preset": preset, "presets": RANGE_PRESETS},
    )


@login_required
@require_safe
def studio_stream_analytics(request, stream_id):
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    data = stream_analytics(stream=stream, stats=stream_rollup_if_stale(stream=stream))
    return render(request, "analytics/stream.html", {"section": "analytics", "stream": stream, "data": data})
