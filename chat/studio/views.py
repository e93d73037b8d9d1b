"""The studio's moderation page: the signed-in creator's own channel (staff manage others' in the admin).

Each form posts back here with its ``action``; a stored change answers 303 to the page (a reload sends nothing
twice), a refused one renders the page again, 400, with the error at the form that sent it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.selectors import user_get
from chat.selectors import chat_channel_bans, chat_channel_moderators, chat_channel_settings_of, chat_rules_payload
from chat.services import (
    chat_channel_ban_create,
    chat_channel_ban_lift,
    chat_channel_blocked_term_add,
    chat_channel_blocked_term_remove,
    chat_channel_moderator_add,
    chat_channel_moderator_remove,
    chat_channel_settings_update,
)
from chat.studio.forms import BanForm, ChannelSettingsForm, ModeratorForm, TermForm, UserRowForm
from livestream.errors import DomainError

BANS_SHOWN = 100  # the newest; the API pages through the rest


def _settings(creator, data):
    apply = data.pop("apply_to_streams")
    chat_channel_settings_update(creator=creator, actor=creator, data=data, apply_to_streams=apply)
    return "Chat settings saved." + (" Your scheduled and live streams use them now." if apply else "")


def _moderator_add(creator, data, form):
    _moderator, created = chat_channel_moderator_add(creator=creator, actor=creator, user=form.user)
    name = form.user.username
    return f"{name} now moderates all your streams." if created else f"{name} already moderates your channel."


def _moderator_remove(creator, data, form):
    user = user_get(user_id=data["user_id"])
    chat_channel_moderator_remove(creator=creator, actor=creator, user=user)
    return f"{user.username} no longer moderates your channel."


def _ban(creator, data, form):
    ban = chat_channel_ban_create(
        creator=creator, actor=creator, user=form.user, duration_seconds=data["duration"], reason=data["reason"]
    )
    return f"{form.user.username} is {'banned' if ban.expires_at is None else 'timed out'} in all your streams."


def _ban_lift(creator, data, form):
    user = user_get(user_id=data["user_id"])
    chat_channel_ban_lift(creator=creator, actor=creator, user=user)
    return f"{user.username} may chat in your streams again."


def _term_add(creator, data, form):
    chat_channel_blocked_term_add(creator=creator, actor=creator, term=data["term"])
    return f"“{data['term'].strip()}” is blocked in all your streams."


def _term_remove(creator, data, form):
    chat_channel_blocked_term_remove(creator=creator, actor=creator, term=data["term"])
    return f"“{data['term']}” is no longer blocked."


# The page's forms by the ``action`` their submit button names: the form's class, the key it is shown under,
# and the service call that stores it (returning what the page then says).
ACTIONS = {
    "settings": (ChannelSettingsForm, "settings_form", lambda creator, data, form: _settings(creator, data)),
    "moderator_add": (ModeratorForm, "moderator_form", _moderator_add),
    "moderator_remove": (UserRowForm, "row_form", _moderator_remove),
    "ban": (BanForm, "ban_form", _ban),
    "ban_lift": (UserRowForm, "row_form", _ban_lift),
    "term_add": (TermForm, "term_form", _term_add),
    "term_remove": (TermForm, "row_form", _term_remove),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_moderation(request):
    creator = request.user
    rules = chat_channel_settings_of(creator.pk)
    forms = {
        "settings_form": ChannelSettingsForm(initial=chat_rules_payload(rules), prefix="settings"),
        "moderator_form": ModeratorForm(prefix="moderator"),
        "ban_form": BanForm(prefix="ban"),
        "term_form": TermForm(prefix="term"),
        "row_form": None,  # a row's refused action (its error is shown above the lists)
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponseBadRequest("Unknown moderation action.")
        form_class, key, store = ACTIONS[action]
        form = form_class(request.POST, prefix=None if key == "row_form" else forms[key].prefix)
        forms[key] = form
        if form.is_valid():
            try:
                done = store(creator, dict(form.cleaned_data), form)
            except (ValidationError, DomainError) as exc:
                form.refused(exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("studio-moderation"), status=303)
    bans = list(chat_channel_bans(creator=creator)[: BANS_SHOWN + 1])
    context = {
        "section": "moderation",
        "blocked_terms": rules.blocked_terms,
        "moderators": chat_channel_moderators(creator=creator),
        "bans": bans[:BANS_SHOWN],
        "more_bans": len(bans) > BANS_SHOWN,
        **forms,
    }
    # A form sent back with its errors is a 400, as the API answers the same mistakes.
    return render(request, "studio/moderation.html", context, status=400 if request.method == "POST" else 200)
