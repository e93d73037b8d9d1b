"""The base of every app's sitemap sections (each app owns its ``sitemaps.py``; ``livestream/urls.py`` mounts
them under /sitemap.xml), and the sitemap index on the site's public origin."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max


def site_origin() -> tuple[str, str]:
    """SITE_URL's scheme and host (with its port)."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc


class SiteSitemap(Sitemap):
    """A sitemap section whose locations are on SITE_URL's origin, not the host the request came to.

    ``lastmod_field`` names the items' field (or annotation) their ``lastmod`` is: the index asks the database
    for the newest in one query, where Django's default would load every item of the section to compare."""

    lastmod_field = ""

    def get_latest_lastmod(self):
        if not self.lastmod_field:
            return super().get_latest_lastmod()
        return self.items().order_by().aggregate(latest=Max(self.lastmod_field))["latest"]

    def get_protocol(self, protocol=None) -> str:
        return site_origin()[0]

    def get_domain(self, site=None) -> str:
        return site_origin()[1]
