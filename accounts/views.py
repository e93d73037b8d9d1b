"""The account pages: sign-up, log-in (both keep where the visitor was going), password reset by e-mail.

``next`` is followed only when it is a path on this site (``livestream.origins.local_path``): never another
host, scheme-relative or backslash URL (an open redirect sends a phished visitor anywhere with our name on it).
The settings page lives in ``streams`` (``streams/account_views.py``): it also changes the avatar, which
is the creator profile's, and accounts depends on no other app.
"""

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import SignupForm
from livestream.origins import local_path


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


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the account's e-mail and sends a one-time link (the same answer whether or not an account has
    that address, so the page tells nobody who is registered)."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    extra_email_context = {"site_name": "Great Nigeria Library Live"}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
