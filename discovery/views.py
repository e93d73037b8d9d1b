"""Server-rendered discovery pages: home, a category's page, a tag's page (a fixed number of queries each) and
the search page."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from discovery.search.query import (
    Q_MAX,
    SORTS,
    STATUSES,
    TYPES,
    categories_search,
    creators_search,
    streams_search,
    tags_search,
)
from discovery.search.suggest import search_suggest
from discovery.selectors import category_page, home_rows, tag_page
from discovery.services import trending_refresh_if_stale

# The pages that rank live streams by trending first refresh the scores when they are older than a minute
# (``trending_refresh_if_stale``: one query when fresh). Beat refreshes them every minute; this keeps `make run`
# (no beat) right. Here, in the views, so that discovery's selectors stay reads.


@require_safe
def home(request):
    trending_refresh_if_stale()
    return render(request, "discovery/home.html", home_rows(user=request.user))


@require_safe
def category_detail(request, slug: str):
    trending_refresh_if_stale()
    return render(request, "discovery/category.html", category_page(slug=slug))


@require_safe
def tag_detail(request, slug: str):
    trending_refresh_if_stale()
    return render(request, "discovery/tag.html", tag_page(slug=slug))


# --- The search page, ``/search/?q=``: a GET form of filters and sort, results as the site's cards, pages. The same
# searches as the API (``discovery.search.query``). Parameters a person can only get wrong by editing the address
# are read leniently (an unknown ``type`` shows everything, an unknown ``sort`` sorts by relevance); an unknown
# category says so instead of ignoring it.


PAGE_SIZE = 24
ALSO_FOUND = 6
TYPE_LABELS = {
    "all": "Everything",
    "streams": "Streams",
    "creators": "Creators",
    "categories": "Categories",
    "tags": "Tags",
}
STATUS_LABELS = {"": "Any time", "live": "Live now", "scheduled": "Upcoming", "ended": "Past broadcasts"}
SORT_LABELS = {"relevance": "Best match", "recent": "Most recent", "viewers": "Most watched", "trending": "Trending"}


def _choice(value: str, choices, default: str) -> str:
    return value if value in choices else default


@require_safe
def search_page(request):
    q = request.GET.get("q", "").strip()[:Q_MAX]
    kind = _choice(request.GET.get("type", ""), TYPES, "all")
    status = _choice(request.GET.get("status", ""), STATUSES, "")
    sort = _choice(request.GET.get("sort", ""), SORTS, "relevance")
    category = request.GET.get("category", "").strip()[:80]
    has_words = any(ch.isalnum() for ch in q)
    context = {
        "q": q,
        "kind": kind,
        "status": status,
        "sort": sort,
        "category": category,
        "types": TYPE_LABELS,
        "statuses": STATUS_LABELS,
        "sorts": SORT_LABELS,
        "all_categories": categories_search(),
        "category_error": "",
        "page": None,
        "creators": [],
        "categories": [],
        "tags": [],
        "searched": has_words or bool(status or category or kind != "all"),
    }
    page_kind = "streams" if kind == "all" else kind
    rows = []
    if page_kind == "streams":
        try:
            rows = streams_search(q=q, status=status, category=category, sort=sort, user=request.user)
        except ValidationError:
            context["category_error"] = "There is no such category; showing every category's streams instead."
            rows = streams_search(q=q, status=status, sort=sort, user=request.user)
    elif page_kind == "creators":
        rows = creators_search(q=q)
    elif page_kind == "categories":
        rows = categories_search(q=q)
    elif page_kind == "tags":
        rows = tags_search(q=q, limit=100)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, page_kind=page_kind, results_heading=TYPE_LABELS[page_kind])
    if kind == "all" and has_words:
        context["creators"] = list(creators_search(q=q)[:ALSO_FOUND])
        context["categories"] = categories_search(q=q)[:ALSO_FOUND]
        context["tags"] = tags_search(q=q, limit=ALSO_FOUND)
    found = page.paginator.count or context["creators"] or context["categories"] or context["tags"]
    context["no_results"] = context["searched"] and not found
    context["suggestions"] = search_suggest(q=q) if context["no_results"] and has_words else []
    keep = {
        key: value
        for key, value in [("q", q), ("type", kind), ("status", status), ("category", category), ("sort", sort)]
        if value
    }
    context["page_query"] = urlencode(keep)
    return render(request, "discovery/search.html", context)
