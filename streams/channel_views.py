"""The channel page, ``/@<username>``: a creator's banner, brand colour, bio, links, audience, weekly schedule
and broadcasts, with follow and subscribe.

Follow and subscribe are plain POST forms (CSRF) that work without script: each calls the same service as the
API (``follow_create``/``follow_delete``, ``subscription_start``/``subscription_cancel``) and comes back to
the page with a message. ``static/js/channel.js`` does follow through the API without a reload.
"""

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import user_get
from livestream.colours import brand_colours
from livestream.errors import DomainError
from livestream.text import duration_label
from streams.selectors.channel import channel_get
from streams.selectors.share import channel_share
from streams.services import NOTIFICATION_CHOICES, follow_create, follow_delete
from streams.services.monetization import subscription_cancel, subscription_start
from wallet.services import InsufficientCoins

SOCIAL_LABELS = {
    "website": "Website",
    "x": "X",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
}
NOTIFICATION_LABELS = {"go_live": "When they go live", "scheduled": "When they schedule a stream"}


def _channel_url(username: str) -> str:
    return reverse("channel", kwargs={"username": username})


@require_safe
def channel(request, username: str):
    found = channel_get(username=username, viewer=request.user, page=request.GET.get("page"))
    creator, profile = found.creator, found.creator.profile
    follow = creator.follow
    chosen = set(NOTIFICATION_CHOICES)
    if follow is not None:
        chosen = {name for name in NOTIFICATION_CHOICES if getattr(follow, f"notify_{name}")}
    for stream in found.past:
        stream.length = duration_label(stream.recorded_seconds)
    for clip in found.clips:
        clip.length = duration_label(clip.duration_seconds)
    subscription = found.subscription
    price = profile.subscription_price_coins
    context = {
        "channel": found,
        "creator": creator,
        "profile": profile,
        "colours": brand_colours(profile.brand_colour),
        "is_owner": request.user.pk == creator.pk,
        "share": channel_share(found),
        "social_links": [
            {"network": network, "label": SOCIAL_LABELS.get(network, network), "url": link}
            for network, link in profile.social_links.items()
        ],
        "notifications": [
            {"value": name, "label": NOTIFICATION_LABELS[name], "checked": name in chosen}
            for name in NOTIFICATION_CHOICES
        ],
        "subscription": subscription,
        "subscription_price": price,
        "wallet_url": reverse("wallet") + "?" + urlencode({"next": _channel_url(creator.username)}),
    }
    return render(request, "streams/channel.html", context)


def _day(when) -> str:
    return date_format(timezone.localtime(when, zoneinfo.ZoneInfo(settings.DISPLAY_TIME_ZONE)), "j F Y")


def _back(username: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(_channel_url(username), status=303)


def _signed_in_or_login(request, username: str) -> HttpResponseRedirect | None:
    """For a signed-out visitor, the log-in page that brings them back to the channel (not to this POST URL)."""
    if request.user.is_authenticated:
        return None
    return redirect_to_login(_channel_url(username))


@require_POST
def channel_follow(request, username: str):
    """Follow, or change what the follower is told: the checked ``notifications`` (none checked: none)."""
    creator = user_get(username=username)
    if (login := _signed_in_or_login(request, creator.username)) is not None:
        return login
    try:
        _follow, created = follow_create(
            follower=request.user, creator=creator, notifications=request.POST.getlist("notifications")
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, f"You follow {creator.public_name}.")
        else:
            messages.success(request, "Your notifications are saved.")
    return _back(creator.username)


@require_POST
def channel_unfollow(request, username: str):
    creator = user_get(username=username)
    if (login := _signed_in_or_login(request, creator.username)) is not None:
        return login
    if follow_delete(follower=request.user, creator=creator):
        messages.success(request, f"You no longer follow {creator.public_name}.")
    return _back(creator.username)


@require_POST
def channel_subscribe(request, username: str):
    """Subscribe (charging the first month) or resume a cancelled subscription (no charge). Short of coins:
    the wallet, which comes back here."""
    creator = user_get(username=username)
    if (login := _signed_in_or_login(request, creator.username)) is not None:
        return login
    try:
        subscription, charged = subscription_start(subscriber=request.user, creator=creator)
    except InsufficientCoins:
        messages.error(request, f"You need more coins to subscribe to {creator.public_name}.")
        query = urlencode({"next": _channel_url(creator.username)})
        return HttpResponseRedirect(f"{reverse('wallet')}?{query}", status=303)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _back(creator.username)
    renews = _day(subscription.current_period_end)
    if charged:
        messages.success(
            request, f"You subscribe to {creator.public_name}: {subscription.price_coins} coins, renews {renews}."
        )
    else:
        messages.success(request, f"Your subscription to {creator.public_name} will renew on {renews}.")
    return _back(creator.username)


@require_POST
def channel_unsubscribe(request, username: str):
    """Cancel renewal; what was paid for runs to the end of its period."""
    creator = user_get(username=username)
    if (login := _signed_in_or_login(request, creator.username)) is not None:
        return login
    try:
        subscription = subscription_cancel(subscriber=request.user, creator=creator)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        ends = _day(subscription.current_period_end)
        messages.success(request, f"Subscription cancelled. You keep it until {ends}; it will not renew.")
    return _back(creator.username)
