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


def _write_profile(user, data: dict) -> None:
    if data.get("avatar"):  # name and image in one transaction (images checked before anything is written)
        creator_profile_update(user=user, data={"display_name": data["display_name"]}, avatar=data["avatar"])
    else:  # no image: no creator profile is created for a viewer who only renames themselves
        user_update(user=user, display_name=data["display_name"])


# The page's forms, by the ``section`` their submit button names: the form, how it is built for this user, the
# service call that stores its cleaned data, and what the page says once it has.
SECTIONS = {
    "profile": (
        lambda user, *data: ProfileForm(*data, initial={"display_name": user.display_name or user.username}),
        _write_profile,
        "Your profile is saved.",
    ),
    "email": (
        lambda user, *data: EmailForm(*data, user=user, initial={"email": user.email}),
        lambda user, data: user_update(user=user, email=data["email"]),
        "Your e-mail address is changed.",
    ),
    "gifts": (
        lambda user, *data: GiftsForm(*data, initial={"gift_confirm_threshold": user.gift_confirm_threshold}),
        lambda user, data: user_update(user=user, gift_confirm_threshold=data["gift_confirm_threshold"]),
        "Your gift confirmation is saved.",
    ),
}


def _errors_onto(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form's fields (anything else above the form)."""
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _saved(request, section: str, form) -> bool:
    """Store a valid form through its section's service; the service's refusals land on the form."""
    _build, write, done = SECTIONS[section]
    if not form.is_valid():
        return False
    try:
        write(request.user, form.cleaned_data)
    except ValidationError as exc:
        _errors_onto(form, exc)
        return False
    except DomainError as exc:  # images_busy: every image slot taken
        form.add_error(None, exc.detail)
        return False
    messages.success(request, done)
    return True


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("current_password")
def account_settings(request):
    user = request.user
    forms = {section: build(user) for section, (build, _write, _done) in SECTIONS.items()}
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            return HttpResponseBadRequest("Unknown settings section.")
        forms[section] = SECTIONS[section][0](user, request.POST, request.FILES)
        if _saved(request, section, forms[section]):  # after a POST, a GET: reloading the page sends nothing twice
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
