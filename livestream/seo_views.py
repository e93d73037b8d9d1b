"""/robots.txt and the /sitemap.xml index: plumbing (they know no app; ``livestream/urls.py`` hands them the
apps' sitemap sections). Every address in them is on SITE_URL's origin, as the sections' own entries are."""

from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from livestream.seo import site_url

# What is not a page for people: the API, admin, the media server's callbacks, and the signed links to
# recordings. Pages behind a log-in (the studio, the wallet, account settings) stay crawlable: a crawler is sent
# to the log-in page there, which may be found; disallowing them would only fail search engines' (and
# Lighthouse's) crawlability checks for the log-in page itself.
ROBOTS_DISALLOW = ["/api/", "/admin/", "/media-hooks/", "/files/"]


@require_safe
def robots_txt(request) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /", ""]
    lines.append(f"Sitemap: {site_url(reverse('sitemap-index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@x_robots_tag
def sitemap_index(request, sitemaps: dict) -> TemplateResponse:
    """As ``django.contrib.sitemaps.views.index`` (one entry per section and page, each with its newest
    lastmod), but on SITE_URL rather than the host the request came to."""
    items, newest = [], None
    for section, sitemap in sitemaps.items():
        sitemap = sitemap() if callable(sitemap) else sitemap
        url = site_url(reverse("sitemap-section", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        if lastmod is not None:
            newest = lastmod if newest is None else max(newest, lastmod)
        items.append(SitemapIndexItem(url, lastmod))
        items.extend(SitemapIndexItem(f"{url}?p={page}", lastmod) for page in range(2, sitemap.paginator.num_pages + 1))
    headers = {"Last-Modified": http_date(newest.timestamp())} if newest is not None else None
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml", headers=headers
    )
