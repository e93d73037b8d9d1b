"""Notification pages: the full list (with pages) and the choices table (kind x channel)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import Channel, Kind
from notifications.selectors import notification_list, preferences_get, unread_count
from notifications.services import notifications_mark_read, preferences_set

PAGE_SIZE = 20


@login_required
def notifications_page(request):
    page = Paginator(notification_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": unread_count(user_id=request.user.pk)}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notifications_read_all(request):
    notifications_mark_read(user=request.user, all=True)
    return HttpResponseRedirect(reverse("notifications"), status=303)


@login_required
@require_http_methods(["GET", "POST"])
def notifications_settings(request):
    if request.method == "POST":
        choices = {
            kind: {channel: f"{kind}:{channel}" in request.POST for channel in Channel.values} for kind in Kind.values
        }
        preferences_set(user=request.user, choices=choices)
        messages.success(request, "Your notification choices are saved.")
        return HttpResponseRedirect(reverse("notification-settings"), status=303)
    table = preferences_get(user=request.user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "cells": [(channel, channel_label, table[kind][channel]) for channel, channel_label in Channel.choices],
        }
        for kind, label in Kind.choices
    ]
    return render(request, "notifications/settings.html", {"rows": rows, "channels": Channel.choices})
