"""Pages that share well: the stream and channel pages' heads (description, canonical on SITE_URL, Open Graph,
Twitter card, JSON-LD) per kind and state, a title that cannot break out of the JSON-LD block, unlisted and
private streams left out of everything, /sitemap.xml with its sections, lastmod and pages, and /robots.txt."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams import services
from streams.models import CreatorProfile, Stream
from streams.selectors import share
from streams.selectors.channel import channel_get
from streams.sitemaps import StreamSitemap
from streams.tests.factories import StreamFactory
from streams.tests.test_pages_player import recording_of

pytestmark = pytest.mark.django_db

SITE = "https://live.example.ng"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def html_of(path: str, viewer=None) -> str:
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def head(html: str) -> str:
    return html[: html.index("</head>")]


def meta(html: str, key: str) -> str | None:
    """The content of <meta property=key> or <meta name=key> (unescaped), None when absent."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', head(html))
    return unescape(found.group(1)) if found else None


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def stream_page(stream: Stream, viewer=None) -> str:
    return html_of(f"/streams/{stream.pk}/", viewer)


def with_thumbnail(stream: Stream) -> Stream:
    stream.thumbnail.save("t.webp", ContentFile(b"x"))
    return stream


# --- The stream page's head -----------------------------------------------------------------------------------


def test_a_live_stream_is_a_video_with_a_live_broadcast_event_and_a_large_card():
    stream = with_thumbnail(StreamFactory(live=True, title="Yoruba proverbs", description="Owe l'esin oro."))
    html = stream_page(stream)
    url = f"{SITE}/streams/{stream.pk}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert meta(html, "description") == f"Yoruba proverbs by {stream.creator.public_name}: Owe l'esin oro."
    assert meta(html, "og:type") == "video.other" and meta(html, "og:url") == url
    assert meta(html, "og:title") == "Yoruba proverbs" and meta(html, "og:site_name") == "Great Nigeria Library Live"
    assert meta(html, "og:image") == SITE + stream.thumbnail.url
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1280", "720")
    assert (
        meta(html, "twitter:card") == "summary_large_image"
        and meta(html, "twitter:image") == SITE + stream.thumbnail.url
    )
    video = json_ld(html)
    assert video["@type"] == "VideoObject" and video["name"] == "Yoruba proverbs" and video["url"] == url
    assert video["description"] == "Owe l'esin oro." and video["thumbnailUrl"] == [SITE + stream.thumbnail.url]
    assert video["uploadDate"] == stream.started_at.isoformat()
    assert video["publication"] == {
        "@type": "BroadcastEvent",
        "isLiveBroadcast": True,
        "startDate": stream.started_at.isoformat(),
    }
    assert video["contentUrl"].endswith(f"/{stream.latency_mode}/{stream.pk}.m3u8")  # the free playlist is public
    assert "duration" not in video and video["isAccessibleForFree"] is True
    assert video["author"] == {
        "@type": "Person",
        "name": stream.creator.public_name,
        "url": f"{SITE}/@{stream.creator.username}/",
    }


def test_an_ended_stream_with_a_replay_has_its_end_and_duration_and_no_file_address():
    stream = StreamFactory(ended=True)
    first = recording_of(stream, duration=3600.0)
    first.thumbnail.save("r.webp", ContentFile(b"y"))
    recording_of(stream, duration=125.0)
    html = stream_page(stream)
    video = json_ld(html)
    assert video["publication"]["isLiveBroadcast"] is False
    assert video["publication"]["endDate"] == stream.ended_at.isoformat()
    assert video["duration"] == "PT1H2M5S" and meta(html, "video:duration") == "3725"
    # No thumbnail of its own: the replay's picture stands in.
    assert (
        video["thumbnailUrl"] == [SITE + first.thumbnail.url] and meta(html, "og:image") == SITE + first.thumbnail.url
    )
    # Recordings go by expiring signed links: never named as the video's address.
    assert "contentUrl" not in video and "embedUrl" not in video


def test_a_scheduled_stream_announces_its_start_and_a_premium_live_one_hides_its_playlist():
    start = timezone.now() + dt.timedelta(days=2)
    scheduled = StreamFactory(scheduled_start_time=start)
    video = json_ld(stream_page(scheduled))
    assert video["publication"] == {"@type": "BroadcastEvent", "isLiveBroadcast": False, "startDate": start.isoformat()}
    assert "upcoming live stream" in meta(stream_page(scheduled), "description")
    paid = StreamFactory(live=True, is_premium=True, price_coins=50)
    video = json_ld(stream_page(paid))
    assert video["isAccessibleForFree"] is False and "contentUrl" not in video
    assert video["publication"]["isLiveBroadcast"] is True


def test_a_title_cannot_end_the_json_ld_block_or_the_meta_tags():
    title = 'Lesson </script><script>alert(1)</script> "quoted" & <b>bold</b>'
    stream = StreamFactory(live=True, title=title, description="</SCRIPT><img src=x onerror=alert(1)>")
    html = stream_page(stream)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "</SCRIPT>" not in html
    video = json_ld(html)  # exactly one block, which parses back to the very same text
    assert video["name"] == title and video["description"] == "</SCRIPT><img src=x onerror=alert(1)>"
    assert meta(html, "og:title") == title


@pytest.mark.parametrize("visibility", [Stream.Visibility.UNLISTED, Stream.Visibility.PRIVATE])
def test_unlisted_and_private_pages_are_noindex_with_no_preview_canonical_or_json_ld(visibility):
    stream = with_thumbnail(StreamFactory(live=True, visibility=visibility, description="Family only"))
    html = stream_page(stream, stream.creator)  # the creator may always see it
    assert '<meta name="robots" content="noindex">' in html
    assert "og:" not in html and "twitter:" not in html and "ld+json" not in html and 'rel="canonical"' not in html
    assert meta(html, "description")  # still a description, for the person who sees it
    shareable = 'class="share"' in html
    assert shareable == (visibility == Stream.Visibility.UNLISTED)  # unlisted: shared by its link, privately


def test_a_public_page_is_indexable_and_has_the_share_buttons():
    stream = StreamFactory(live=True, title="Igbo numbers")
    html = stream_page(stream)
    assert 'name="robots"' not in html
    url = f"{SITE}/streams/{stream.pk}/"
    share_box = re.search(r'<details class="share"[^>]*>', html).group(0)
    assert f'data-share-url="{url}"' in share_box
    quoted = url.replace(":", "%3A").replace("/", "%2F")
    assert f'href="https://wa.me/?text=Igbo%20numbers%20%C2%B7%20{stream.creator.public_name}%20{quoted}"' in html
    assert f'href="https://x.com/intent/post?url={quoted}&amp;text=' in html
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={quoted}"' in html
    assert html.count('target="_blank" rel="noopener noreferrer"') == 3
    assert '<script src="/static/js/share.js" defer></script>' in html


# --- The channel page's head ------------------------------------------------------------------------------------


def test_the_channel_head_comes_from_the_selector_with_a_profile_page():
    creator = UserFactory(username="Ada_Teaches", display_name="Ada Okafor")
    profile = CreatorProfile.objects.create(user=creator, bio="Maths teacher from Enugu.")
    profile.banner.save("b.webp", ContentFile(b"z"))
    html = html_of("/@ada_teaches/")
    url = f"{SITE}/@Ada_Teaches/"
    assert meta(html, "og:type") == "profile" and meta(html, "profile:username") == "Ada_Teaches"
    assert (
        meta(html, "description") == "Maths teacher from Enugu." and meta(html, "twitter:card") == "summary_large_image"
    )
    page = json_ld(html)
    assert page["@type"] == "ProfilePage" and page["mainEntity"]["image"] == SITE + profile.banner.url
    found = share.channel_share(channel_get(username="ada_teaches", viewer=None))
    assert found.structured_data == page and found.url == url
    assert 'class="share"' in html and f'data-share-url="{url}"' in html


def test_the_selectors_image_sizes_are_the_ones_the_services_store():
    assert share.THUMBNAIL_SIZE == services.THUMBNAIL_SIZE
    assert share.BANNER_SIZE == services.BANNER_SIZE and share.AVATAR_SIZE == services.AVATAR_SIZE


# --- sitemap.xml and robots.txt ---------------------------------------------------------------------------------


def locs(path: str) -> list[str]:
    response = Client().get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    return [node.text for node in ET.fromstring(response.content).findall(".//s:loc", NS)]  # noqa: S314 - ours


def test_the_sitemap_lists_public_streams_that_have_something_to_watch_and_their_channels():
    live, scheduled = StreamFactory(live=True), StreamFactory()
    replay = StreamFactory(ended=True)
    recording_of(replay)
    nothing_to_watch = StreamFactory(ended=True)
    unlisted = StreamFactory(live=True, visibility=Stream.Visibility.UNLISTED)
    private = StreamFactory(visibility=Stream.Visibility.PRIVATE)
    unlisted_replay = StreamFactory(ended=True, visibility=Stream.Visibility.UNLISTED)
    recording_of(unlisted_replay)
    gone = StreamFactory(live=True)
    gone.creator.is_active = False
    gone.creator.save()
    viewer = UserFactory()  # never streamed, no creator profile: no channel worth listing
    creator = UserFactory(username="profiled")
    CreatorProfile.objects.create(user=creator)  # a profile, but only a private stream: not listed
    StreamFactory(creator=creator, visibility=Stream.Visibility.PRIVATE)
    CreatorProfile.objects.get_or_create(user=private.creator)  # as stream_create gives every stream's creator

    assert locs("/sitemap.xml") == [f"{SITE}/sitemap-channels.xml", f"{SITE}/sitemap-streams.xml"]
    streams = locs("/sitemap-streams.xml")
    assert sorted(streams) == sorted(f"{SITE}/streams/{s.pk}/" for s in (live, scheduled, replay))
    for left_out in (nothing_to_watch, unlisted, private, unlisted_replay, gone):
        assert not any(str(left_out.pk) in loc for loc in streams)
    channels = locs("/sitemap-channels.xml")
    expected = {live.creator, scheduled.creator, replay.creator, nothing_to_watch.creator}
    assert sorted(channels) == sorted(f"{SITE}/@{user.username}/" for user in expected)
    for left_out in (unlisted.creator, private.creator, gone.creator, viewer, creator):
        assert f"{SITE}/@{left_out.username}/" not in channels


def test_lastmod_is_each_pages_latest_change_and_the_index_carries_the_newest():
    old = timezone.now() - dt.timedelta(days=30)
    stream = StreamFactory(live=True)
    Stream.objects.filter(pk=stream.pk).update(updated_at=old)
    creator = stream.creator
    profile = CreatorProfile.objects.create(user=creator)
    CreatorProfile.objects.filter(pk=profile.pk).update(updated_at=old - dt.timedelta(days=5))
    hidden = StreamFactory(creator=creator, visibility=Stream.Visibility.PRIVATE)  # newer, but not public
    assert hidden.updated_at > old
    body = Client().get("/sitemap-streams.xml").content.decode()
    assert f"<lastmod>{old.date().isoformat()}</lastmod>" in body
    channels = Client().get("/sitemap-channels.xml").content.decode()
    # The channel changed last when its public stream did (the private one does not count).
    assert f"<loc>{SITE}/@{creator.username}/</loc><lastmod>{old.date().isoformat()}</lastmod>" in channels
    CreatorProfile.objects.filter(pk=profile.pk).update(updated_at=timezone.now())
    channels = Client().get("/sitemap-channels.xml").content.decode()
    assert f"<lastmod>{timezone.now().date().isoformat()}</lastmod>" in channels
    index = Client().get("/sitemap.xml")
    assert index["X-Robots-Tag"].startswith("noindex") and "Last-Modified" in index
    assert f"<lastmod>{timezone.now().date().isoformat()}" in index.content.decode()


def test_a_large_section_is_paged_and_the_index_lists_every_page(monkeypatch):
    monkeypatch.setattr(StreamSitemap, "limit", 2)
    made = [StreamFactory(live=True) for _ in range(5)]
    index = locs("/sitemap.xml")
    assert [loc for loc in index if "streams" in loc] == [
        f"{SITE}/sitemap-streams.xml",
        f"{SITE}/sitemap-streams.xml?p=2",
        f"{SITE}/sitemap-streams.xml?p=3",
    ]
    pages = locs("/sitemap-streams.xml") + locs("/sitemap-streams.xml?p=2") + locs("/sitemap-streams.xml?p=3")
    assert sorted(pages) == sorted(f"{SITE}/streams/{s.pk}/" for s in made)
    assert Client().get("/sitemap-streams.xml?p=4").status_code == 404
    assert Client().get("/sitemap-streams.xml?p=x").status_code == 404
    assert Client().get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_keeps_crawlers_out_of_what_is_not_a_page_and_names_the_sitemap():
    response = Client().get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/api/", "/admin/", "/media-hooks/", "/files/"):
        assert f"Disallow: {path}" in lines
    # Pages for people stay crawlable, those behind a log-in too: a crawler meets the log-in page there, and a
    # disallowed page fails Lighthouse's SEO audit (is-crawlable) for the log-in page, the wallet and the studio.
    disallowed = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow:")]
    for path in ("/studio/", "/accounts/login/", "/wallet/"):
        assert not any(path.startswith(prefix) for prefix in disallowed), path
    assert "Allow: /" in lines and f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "Disallow: /streams/" not in lines and "Disallow: /" not in lines
    assert Client().post("/robots.txt").status_code == 405
