"""Where the header's "Log in" and "Sign up" links send a visitor back to afterwards."""

from django.urls import reverse

from livestream.origins import local_path


def auth_next(request):
    """``auth_next``: the page being read (a local path), or on the account pages themselves (log in, sign up,
    password reset) the ``next`` they were given, so moving between them keeps where the visitor was going."""
    if request.path.startswith(reverse("login").rsplit("/", 2)[0] + "/"):  # "/accounts/"
        return {"auth_next": local_path(request.GET.get("next") or request.POST.get("next"))}
    return {"auth_next": local_path(request.get_full_path())}
