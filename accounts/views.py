"""The account pages: sign-up, log-in (both keep where the visitor was going), password reset by e-mail.

``next`` is followed only when it is a path on this site (``livestream.origins.local_path``): never another
host, scheme-relative or backslash URL (an open redirect sends a phished visitor anywhere with our name on it).
The settings page lives in ``streams`` (``streams/account_views.py``): it also changes the avatar, which
is the creator profile's, and accounts depends on no other app.
"""

import logging

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import SignupForm
from livestream.client_ip import client_ip
from livestream.origins import local_path

logger = logging.getLogger(__name__)


def next_path(request) -> str:
    """The page to go on to: the form's or the query's ``next`` when it is a local path, else ""."""
    return local_path(request.POST.get("next") or request.GET.get("next"))


@sensitive_post_parameters("password")
def signup(request):
    if request.user.is_authenticated:
        return redirect(next_path(request) or "home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_path(request) or "home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_path(request)})


class LoginView(auth_views.LoginView):
    """Django's log-in page, going on to a local ``next`` only (Django's own check also allows absolute URLs on
    this host; a path is all a page needs)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        return next_path(self.request)


# Reset e-mails per address and per client address in an hour: enough for a lost e-mail or two, not a way
# to flood someone's inbox from our server.
RESET_MAILS_PER_ADDRESS = 3
RESET_MAILS_PER_CLIENT = 10
RESET_WINDOW_SECONDS = 60 * 60


def _reset_allowed(*, email: str, client: str) -> bool:
    """Counts this request against both limits; False once either is used up (within the window)."""
    allowed = True
    for key, limit in (
        (f"password-reset:email:{email.strip().lower()}", RESET_MAILS_PER_ADDRESS),
        (f"password-reset:client:{client}", RESET_MAILS_PER_CLIENT),
    ):
        if cache.add(key, 1, timeout=RESET_WINDOW_SECONDS):
            continue
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=RESET_WINDOW_SECONDS)
            continue
        allowed = allowed and count <= limit
    return allowed


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the account's e-mail and sends a one-time link (the same answer whether or not an account has
    that address, so the page tells nobody who is registered). Past the hourly limits the answer is the same
    and nothing is sent."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    extra_email_context = {"site_name": "Great Nigeria Library Live"}

    def form_valid(self, form):
        if not _reset_allowed(email=form.cleaned_data["email"], client=client_ip(self.request) or ""):
            logger.warning("password reset: hourly limit reached, no e-mail sent")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
