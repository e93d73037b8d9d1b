"""The studio's verification page. The request is the signed-in user's own; staff decide in the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import VerificationRequest
from accounts.selectors import verification_request_latest
from accounts.studio.forms import VerificationApplyForm
from livestream.errors import Conflict


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_verification(request):
    latest = verification_request_latest(user=request.user)
    can_apply = not request.user.is_verified and (latest is None or latest.status != VerificationRequest.Status.PENDING)
    initial = {}
    if latest is not None and can_apply:  # applying again: start from what they sent last time
        initial = {"full_name": latest.full_name, "about": latest.about, "links": "\n".join(latest.links)}
    form = VerificationApplyForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = form.save(user=request.user)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return redirect("studio-verification")
        if created is not None:
            messages.success(request, "Your request was sent. We e-mail you when it is decided.")
            return redirect("studio-verification")
    return render(
        request,
        "studio/verification.html",
        {"section": "verification", "latest": latest, "can_apply": can_apply, "form": form},
    )
