"""Query building blocks that several of streams' reads share, each defined once: the trending order (the
stream list's ``sort=trending``, search's, the home and category pages' "live now") and a category's subtree
(the list's and search's ``category=``, the category page).

A module of its own because both ``streams.filters`` and ``streams.selectors`` use them, and the selectors
import the filters: neither can be the other's home. streams imports nothing of discovery: the stored trending
score (``discovery.TrendingScore``) is reached by the reverse accessor ``trending``.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from streams.models import Category, Stream


def trending_estimate():
    """What a stream not scored yet (it went live since the last refresh) is ranked by: its viewers divided by an
    age step (1 in its first hour, 2 up to 3 h, 4 up to 6 h, 8 after), so a fast-growing new stream outranks a
    large one that has run all day, as the stored score's decay does. Plain CASE arithmetic: the same on SQLite
    and PostgreSQL."""
    now = timezone.now()
    age_step = Case(
        When(started_at__gte=now - timedelta(hours=1), then=Value(1.0)),
        When(started_at__gte=now - timedelta(hours=3), then=Value(2.0)),
        When(started_at__gte=now - timedelta(hours=6), then=Value(4.0)),
        default=Value(8.0),
        output_field=FloatField(),
    )
    return Cast(F("current_viewers"), FloatField()) / age_step


def stream_order_trending(streams: QuerySet[Stream], *, first: tuple = ()) -> QuerySet[Stream]:
    """``streams`` in trending order, the one definition of it: the stored score first (refreshed every minute by
    beat), a stream not scored yet by ``trending_estimate``, then the busiest room, the latest to start, the
    newest. ``first``: orderings that come before it (recommendations put live streams first)."""
    return streams.annotate(trending_estimate=trending_estimate()).order_by(
        *first,
        F("trending__score").desc(nulls_last=True),
        F("trending_estimate").desc(),
        "-current_viewers",
        F("started_at").desc(nulls_last=True),
        "-created_at",
    )


def category_subtree_ids(categories: Iterable[Category], root_id: int) -> list[int]:
    """``root_id`` and the ids of every category below it among ``categories`` (the root first). The caller passes
    the active categories (``category_active_rows``): an inactive category hides its whole branch, as the home
    page's tree and the category pages do."""
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)
    found: list[int] = []
    seen: set[int] = set()
    frontier = [root_id]
    while frontier:
        pk = frontier.pop()
        if pk in seen:
            continue
        seen.add(pk)
        found.append(pk)
        frontier.extend(children.get(pk, []))
    return found


def category_active_rows() -> list[Category]:
    """Every active category (a few hundred rows at most). One query."""
    return list(Category.objects.filter(is_active=True))


def category_ids_under(*, slug: str) -> list[int]:
    """The active category with ``slug`` and every active category below it; empty for an unknown or inactive
    slug. One query."""
    categories = category_active_rows()
    root = next((category.pk for category in categories if category.slug == slug), None)
    return [] if root is None else category_subtree_ids(categories, root)
