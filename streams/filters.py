"""The stream list's query parameters, through django-filter."""

import uuid

import django_filters
from django.db.models import F, Q

from streams.models import Stream, tag_normalize
from streams.querysets import category_ids_under, stream_order_trending


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
        return queryset.filter(category_id__in=category_ids_under(slug=value))

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
            return stream_order_trending(queryset)
        if value == "newest":
            return queryset.order_by("-created_at")
        # Default: the busiest live rooms first; upcoming streams soonest first.
        if self.form.cleaned_data.get("status") == "scheduled":
            return queryset.order_by(F("scheduled_start_time").asc(nulls_last=True), "-created_at")
        return queryset.order_by("-current_viewers", "-created_at")
