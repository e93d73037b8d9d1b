"""The studio's recordings and clips (``/studio/recordings/``): the creator's own across their streams, any
status; play them in place, delete them, change how long they are kept, cut a clip on a recording's timeline.

Every page is the signed-in creator's own: another creator's recording or clip is a 404 (the selectors' NotFound).
The writes are the media services the API and the admin use (``clip_create``, ``recording_delete``,
``clip_delete``, ``recording_retention_set``; the channel's retention through ``creator_profile_update``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from livestream.errors import DomainError
from livestream.text import duration_label
from streams.models import Clip, Recording
from streams.selectors.media import (
    clip_get_for_owner,
    clip_list_for_owner,
    creator_retention_days,
    gated_file_url,
    recording_expires_at,
    recording_get_for_owner,
    recording_list_for_owner,
)
from streams.services import creator_profile_update
from streams.services.media import clip_create, clip_delete, recording_delete, recording_retention_set
from streams.studio.media_forms import (
    ChannelRetentionForm,
    ClipForm,
    RecordingRetentionForm,
    add_retention_errors,
)

PAGE_SIZE = 20


def _file_url(request, item: Recording | Clip) -> str | None:
    if item.status != item.Status.READY:
        return None
    # The creator may always watch their own: the link is made for them and checked again when opened.
    return gated_file_url(item, viewer=request.user, has_access=True, request=request)


def _clip_label(clip: Clip) -> str:
    return clip.title or f"Highlight at {duration_label(clip.start_seconds) or '0:00'}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_recordings(request):
    creator_days = creator_retention_days(creator=request.user)
    form = ChannelRetentionForm(
        request.POST if request.method == "POST" else None, initial={"days": creator_days}, prefix="channel"
    )
    if request.method == "POST" and form.is_valid():
        try:
            creator_profile_update(user=request.user, data={"recording_retention_days": form.cleaned_data["days"]})
        except ValidationError as exc:
            add_retention_errors(form, exc)
        else:
            days = form.cleaned_data["days"]
            messages.success(
                request, f"Recordings are kept {days} days." if days else "Recordings are kept the default time."
            )
            return redirect("studio-recordings")
    recordings = Paginator(recording_list_for_owner(owner=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    clips = Paginator(clip_list_for_owner(owner=request.user), PAGE_SIZE).get_page(request.GET.get("clips"))
    return render(
        request,
        "studio/recordings.html",
        {
            "section": "recordings",
            "retention_form": form,
            "recordings": recordings,
            "recording_rows": [
                {
                    "recording": recording,
                    "url": _file_url(request, recording),
                    "expires_at": recording_expires_at(recording, creator_days=creator_days),
                    "duration": duration_label(recording.duration_seconds),
                }
                for recording in recordings
            ],
            "clips": clips,
            "clip_rows": [
                {
                    "clip": clip,
                    "label": _clip_label(clip),
                    "url": _file_url(request, clip),
                    "start": duration_label(clip.start_seconds) or "0:00",
                    "duration": duration_label(clip.duration_seconds),
                }
                for clip in clips
            ],
            "polling": any(item.status == item.Status.PROCESSING for item in [*recordings, *clips]),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_recording(request, recording_id):
    """A recording's page: play it, cut a clip on its timeline (POST), keep it longer or shorter."""
    recording = recording_get_for_owner(recording_id=recording_id, owner=request.user)
    form = ClipForm(request.POST if request.method == "POST" else None, initial={"start": 0, "duration": 30})
    if request.method == "POST":
        if recording.status != Recording.Status.READY:
            messages.error(request, "This recording is not ready yet.")
            return redirect("studio-recording", recording.pk)
        if form.is_valid():
            try:
                clip = clip_create(
                    stream=recording.stream,
                    user=request.user,
                    start_seconds=form.cleaned_data["start"],
                    duration_seconds=form.cleaned_data["duration"],
                    title=form.cleaned_data["title"],
                    recording_id=recording.pk,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"Your clip “{_clip_label(clip)}” is being made: it shows here when ready.")
                return redirect(f"{reverse('studio-recordings')}#clips-heading")
    creator_days = creator_retention_days(creator=request.user)
    return render(
        request,
        "studio/recording.html",
        {
            "section": "recordings",
            "recording": recording,
            "url": _file_url(request, recording),
            "expires_at": recording_expires_at(recording, creator_days=creator_days),
            "duration": duration_label(recording.duration_seconds),
            "form": form,
            "retention_form": RecordingRetentionForm(initial={"days": recording.retention_days}, prefix="recording"),
            "clip_max": ClipForm.base_fields["duration"].max_value,
        },
    )


@login_required
@require_POST
def studio_recording_retention(request, recording_id):
    recording = recording_get_for_owner(recording_id=recording_id, owner=request.user)
    form = RecordingRetentionForm(request.POST, prefix="recording")
    if form.is_valid():
        try:
            recording_retention_set(recording=recording, days=form.cleaned_data["days"])
        except ValidationError as exc:
            add_retention_errors(form, exc)
    if form.errors:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    else:
        days = form.cleaned_data["days"]
        messages.success(
            request, f"This recording is kept {days} days." if days else "It follows your channel's setting."
        )
    return redirect("studio-recording", recording.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_recording_delete(request, recording_id):
    recording = recording_get_for_owner(recording_id=recording_id, owner=request.user)
    if request.method == "POST":
        recording_delete(recording=recording)
        messages.success(request, f"The recording of “{recording.stream.title}” and its clips were deleted.")
        return redirect("studio-recordings")
    return render(
        request,
        "studio/recordings_delete.html",
        {"section": "recordings", "item": recording, "kind": "recording", "clip_count": recording.clips.count()},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_clip_delete(request, clip_id):
    clip = clip_get_for_owner(clip_id=clip_id, owner=request.user)
    if request.method == "POST":
        clip_delete(clip=clip)
        messages.success(request, f"The clip “{_clip_label(clip)}” was deleted.")
        return redirect("studio-recordings")
    return render(
        request,
        "studio/recordings_delete.html",
        {"section": "recordings", "item": clip, "kind": "clip", "label": _clip_label(clip)},
    )
