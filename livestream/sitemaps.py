"""The base of every app's sitemap sections (each app owns its ``sitemaps.py``; ``livestream/urls.py`` mounts
them under /sitemap.xml), and the sitemap index on the site's public origin."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


def site_origin() -> tuple[str, str]:
    """SITE_URL's scheme and host (with its port)."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc


class SiteSitemap(Sitemap):
    """A sitemap section whose locations are on SITE_URL's origin, not the host the request came to."""

    def get_protocol(self, protocol=None) -> str:
        return site_origin()[0]

    def get_domain(self, site=None) -> str:
        return site_origin()[1]
