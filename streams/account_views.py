"""The account settings page (``/accounts/settings/``): display name, avatar and e-mail.

It lives in ``streams`` rather than ``accounts`` because the avatar is the creator profile's (``streams``
owns it) and ``accounts`` depends on no other app. Each section is its own form, saved all or nothing by
one service call (``SECTIONS``: profile, e-mail, the gift-confirmation threshold).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import EmailForm, GiftsForm, ProfileForm
from accounts.services import user_update
from livestream.errors import DomainError
from streams.selectors import creator_get
from streams.services import creator_profile_update

# The page's forms, by the ``section`` their submit button names.
SECTIONS = ("profile", "email", "gifts")


def _errors_onto(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form's fields (anything else above the form)."""
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _save_profile(request, form: ProfileForm) -> bool:
    name, avatar = form.cleaned_data["display_name"], form.cleaned_data.get("avatar")
    try:
        if avatar:  # name and image in one transaction (images checked before anything is written)
            creator_profile_update(user=request.user, data={"display_name": name}, avatar=avatar)
        else:  # no image: no creator profile is created for a viewer who only renames themselves
            user_update(user=request.user, display_name=name)
    except ValidationError as exc:
        _errors_onto(form, exc)
        return False
    except DomainError as exc:  # images_busy: every image slot taken
        form.add_error(None, exc.detail)
        return False
    messages.success(request, "Your profile is saved.")
    return True


def _save_email(request, form: EmailForm) -> bool:
    try:
        user_update(user=request.user, email=form.cleaned_data["email"])
    except ValidationError as exc:
        _errors_onto(form, exc)
        return False
    messages.success(request, "Your e-mail address is changed.")
    return True


def _save_gifts(request, form: GiftsForm) -> bool:
    try:
        user_update(user=request.user, gift_confirm_threshold=form.cleaned_data["gift_confirm_threshold"])
    except ValidationError as exc:
        _errors_onto(form, exc)
        return False
    messages.success(request, "Your gift confirmation is saved.")
    return True


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("current_password")
def account_settings(request):
    user = request.user
    forms = {
        "profile": ProfileForm(initial={"display_name": user.display_name or user.username}),
        "email": EmailForm(user=user, initial={"email": user.email}),
        "gifts": GiftsForm(initial={"gift_confirm_threshold": user.gift_confirm_threshold}),
    }
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            return HttpResponseBadRequest("Unknown settings section.")
        if section == "profile":
            forms["profile"] = ProfileForm(request.POST, request.FILES)
            saved = forms["profile"].is_valid() and _save_profile(request, forms["profile"])
        elif section == "email":
            forms["email"] = EmailForm(request.POST, user=user)
            saved = forms["email"].is_valid() and _save_email(request, forms["email"])
        else:
            forms["gifts"] = GiftsForm(request.POST)
            saved = forms["gifts"].is_valid() and _save_gifts(request, forms["gifts"])
        if saved:  # after a POST, a GET: reloading the page sends nothing twice
            return HttpResponseRedirect(reverse("account-settings"), status=303)
    profile = creator_get(username=user.username).profile
    context = {
        "profile_form": forms["profile"],
        "email_form": forms["email"],
        "gifts_form": forms["gifts"],
        "avatar_url": profile.avatar.url if profile.avatar else "",
    }
    # A form sent back with its errors is a 400, as the API answers the same mistakes.
    return render(request, "accounts/settings.html", context, status=400 if request.method == "POST" else 200)
