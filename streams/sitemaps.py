"""This app's sitemap sections, mounted by ``livestream/urls.py`` under /sitemap.xml: creators' channels and
public streams. Unlisted and private streams are never listed (nor described: ``streams.selectors.share``)."""

import datetime as dt

from django.urls import reverse

from livestream.sitemaps import SiteSitemap
from streams.models import Stream
from streams.selectors.share import channel_sitemap_list, stream_sitemap_list


class ChannelSitemap(SiteSitemap):
    """Channels of creators with a public stream."""

    changefreq = "daily"
    lastmod_field = "lastmod"

    def items(self):
        return channel_sitemap_list()

    def location(self, item) -> str:
        return reverse("channel", kwargs={"username": item.username})

    def lastmod(self, item) -> dt.datetime:
        return item.lastmod


class StreamSitemap(SiteSitemap):
    """Public streams that have something to watch: live, scheduled, and ended ones with a replay."""

    lastmod_field = "updated_at"

    def items(self):
        return stream_sitemap_list()

    def location(self, item: Stream) -> str:
        return reverse("stream-detail", kwargs={"stream_id": item.pk})

    def lastmod(self, item: Stream) -> dt.datetime:
        return item.updated_at

    def changefreq(self, item: Stream) -> str:
        return "never" if item.status == Stream.Status.ENDED else "hourly"
