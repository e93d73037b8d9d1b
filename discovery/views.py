"""Server-rendered discovery pages: home, a category's page and a tag's page (a fixed number of queries each)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from discovery.selectors import category_page, home_rows, tag_page


@require_safe
def home(request):
    return render(request, "discovery/home.html", home_rows(user=request.user))


@require_safe
def category_detail(request, slug: str):
    return render(request, "discovery/category.html", category_page(slug=slug))


@require_safe
def tag_detail(request, slug: str):
    return render(request, "discovery/tag.html", tag_page(slug=slug))
