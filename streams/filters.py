"""The stream list's query parameters, through django-filter."""

import uuid
from datetime import timedelta

import django_filters
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from streams.models import Category, Stream, tag_normalize


def category_descendant_ids(slug: str) -> list[int]:
    """The category with ``slug`` and every category below it (one query)."""
    rows = list(Category.objects.values_list("id", "slug", "parent_id"))
    root = next((row[0] for row in rows if row[1] == slug), None)
    if root is None:
        return []
    children: dict[int | None, list[int]] = {}
    for pk, _, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    found, frontier = [], [root]
    while frontier:
        pk = frontier.pop()
        if pk in found:
            continue
        found.append(pk)
        frontier.extend(children.get(pk, []))
    return found


def trending_score():
    """Viewers, weighted toward streams that went live recently.

    A stream's current audience divided by an age step (1 in its first hour,
    2 up to 3 h, 4 up to 6 h, 8 after), so a fast-growing new stream outranks
    a large one that has run all day. Plain CASE arithmetic: same on SQLite and PostgreSQL.
    """
    now = timezone.now()
    age_step = Case(
        When(started_at__gte=now - timedelta(hours=1), then=Value(1.0)),
        When(started_at__gte=now - timedelta(hours=3), then=Value(2.0)),
        When(started_at__gte=now - timedelta(hours=6), then=Value(4.0)),
        default=Value(8.0),
        output_field=FloatField(),
    )
    return Cast(F("current_viewers"), FloatField()) / age_step


class StreamFilter(django_filters.FilterSet):
    STATUS_CHOICES = [("live", "live"), ("scheduled", "scheduled"), ("ended", "ended"), ("all", "all")]
    SORT_CHOICES = [("viewers", "viewers"), ("newest", "newest"), ("trending", "trending")]

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    category = django_filters.CharFilter(method="filter_category")
    creator = django_filters.CharFilter(method="filter_creator")
    tag = django_filters.CharFilter(method="filter_tag")
    q = django_filters.CharFilter(method="filter_q", max_length=100)
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Stream
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # The list defaults to live streams (api-contract.md).
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = "live"
        super().__init__(data, *args, **kwargs)

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("sort"):
            queryset = self.filter_sort(queryset, "sort", "")
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=category_descendant_ids(value))

    def filter_creator(self, queryset, name, value):
        try:
            return queryset.filter(creator_id=uuid.UUID(value))
        except ValueError:
            return queryset.filter(creator__username__iexact=value)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=tag_normalize(value))

    def filter_q(self, queryset, name, value):
        words = value.split()[:8]
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(creator__username__icontains=word)
                | Q(creator__display_name__icontains=word)
                | Q(tags__name=word.lower())
            )
        return queryset.distinct() if words else queryset

    def filter_sort(self, queryset, name, value):
        if value == "viewers":
            return queryset.order_by("-current_viewers", "-created_at")
        if value == "trending":
            # The stored score (discovery.TrendingScore, refreshed every minute) through its reverse accessor, so
            # streams imports nothing of discovery; a stream not scored yet (it went live since the last run)
            # falls back to the viewers-by-age estimate.
            return queryset.annotate(trending_estimate=trending_score()).order_by(
                F("trending__score").desc(nulls_last=True), "-trending_estimate", "-current_viewers", "-created_at"
            )
        if value == "newest":
            return queryset.order_by("-created_at")
        # Default: the busiest live rooms first; upcoming streams soonest first.
        if self.form.cleaned_data.get("status") == "scheduled":
            return queryset.order_by(F("scheduled_start_time").asc(nulls_last=True), "-created_at")
        return queryset.order_by("-current_viewers", "-created_at")
