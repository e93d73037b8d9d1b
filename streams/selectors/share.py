"""What a stream's and a channel's pages tell search engines and link previews: the meta description, the
canonical address, Open Graph and Twitter card tags, and JSON-LD (``VideoObject`` with its ``BroadcastEvent``
for a stream, ``ProfilePage`` for a channel). ``templates/_share_meta.html`` renders a ``ShareMeta``.

Only public streams are described: an unlisted or private stream's page (which a permitted viewer still sees)
gets ``noindex`` and no preview, canonical or JSON-LD, and no sitemap lists it (``streams.sitemaps``). Every
address is on SITE_URL's origin (``livestream.seo``). No query: the callers pass what they already read.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from accounts.models import User
from livestream.seo import json_ld, site_url
from streams.models import Recording, Stream
from streams.selectors.channel import Channel

SITE_NAME = "Great Nigeria Library Live"
DESCRIPTION_LENGTH = 160  # what search results show of a description
SOCIAL_DESCRIPTION_LENGTH = 200
# The sizes the image services store (streams.services: THUMBNAIL_SIZE, BANNER_SIZE, AVATAR_SIZE; reads may not
# import writes, and a test keeps the two in step): a preview knows an image's size without opening the file.
THUMBNAIL_SIZE = (1280, 720)
BANNER_SIZE = (1500, 500)
AVATAR_SIZE = (256, 256)


@dataclass(frozen=True)
class ShareImage:
    url: str  # absolute
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class ShareMeta:
    """One page's head: ``indexable`` False means only ``description`` and ``noindex`` are rendered."""

    description: str  # the meta description (plain text; the template escapes it)
    indexable: bool
    title: str = ""  # og:title / twitter:title
    social_description: str = ""
    url: str = ""  # canonical, og:url
    og_type: str = ""
    image: ShareImage | None = None
    structured_data: dict | None = None
    # Extra Open Graph properties for the type (profile:username, video:duration, ...), in order.
    properties: list[tuple[str, str]] = field(default_factory=list)

    @property
    def twitter_card(self) -> str:
        """The large card where the picture is wide (a thumbnail, a banner); the small one for an avatar."""
        wide = self.image is not None and self.image.width > self.image.height
        return "summary_large_image" if wide else "summary"

    @property
    def json_ld(self) -> SafeString:
        return json_ld(self.structured_data) if self.structured_data else SafeString("")


def _short(text: str, length: int) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def _iso_duration(seconds: float) -> str:
    """ISO 8601 (schema.org's Duration): PT1H2M5S."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs or text == "PT" else "")


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _image(file: FieldFile, size: tuple[int, int], alt: str) -> ShareImage | None:
    if not file:
        return None
    return ShareImage(url=site_url(file.url), width=size[0], height=size[1], alt=alt)


def stream_url(stream: Stream) -> str:
    """The stream's page, absolute on SITE_URL."""
    return site_url(reverse("stream-detail", kwargs={"stream_id": stream.pk}))


def channel_url(username: str) -> str:
    return site_url(reverse("channel", kwargs={"username": username}))


def _stream_description(stream: Stream, length: int) -> str:
    creator = stream.creator.public_name
    if stream.description:
        return _short(f"{stream.title} by {creator}: {stream.description}", length)
    if stream.status == Stream.Status.LIVE:
        return _short(f"{stream.title}: {creator} is live now on {SITE_NAME}. Watch and chat.", length)
    if stream.status == Stream.Status.SCHEDULED:
        return _short(f"{stream.title}: an upcoming live stream by {creator} on {SITE_NAME}.", length)
    return _short(f"{stream.title}: watch the replay of {creator}'s live stream on {SITE_NAME}.", length)


def stream_share(stream: Stream, *, recordings: Sequence[Recording] = ()) -> ShareMeta:
    """The stream page's head. ``recordings``: the ended stream's ready recordings (the replay), oldest first;
    their length is the video's duration and the first one's picture stands in for a missing thumbnail.
    ``stream`` comes with its creator (``stream_get``)."""
    description = _stream_description(stream, DESCRIPTION_LENGTH)
    if stream.visibility != Stream.Visibility.PUBLIC:
        return ShareMeta(description=description, indexable=False)
    url = stream_url(stream)
    alt = f"{stream.title} by {stream.creator.public_name}"
    image = _image(stream.thumbnail, THUMBNAIL_SIZE, alt)
    if image is None:
        pictured = next((recording for recording in recordings if recording.thumbnail), None)
        image = _image(pictured.thumbnail, THUMBNAIL_SIZE, alt) if pictured else None
    seconds = sum(recording.duration_seconds or 0 for recording in recordings)
    live = stream.status == Stream.Status.LIVE
    broadcast: dict = {"@type": "BroadcastEvent", "isLiveBroadcast": live}
    start = stream.started_at or stream.scheduled_start_time
    if start:
        broadcast["startDate"] = start.isoformat()
    if stream.status == Stream.Status.ENDED:
        broadcast["endDate"] = _iso(stream.ended_at)
    video: dict = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": stream.title,
        "description": _stream_description(stream, 2000) if not stream.description else stream.description,
        "url": url,
        "uploadDate": (stream.started_at or stream.created_at).isoformat(),
        "isAccessibleForFree": not stream.is_premium,
        "author": {
            "@type": "Person",
            "name": stream.creator.public_name,
            "url": channel_url(stream.creator.username),
        },
        "publication": broadcast,
    }
    if image is not None:
        video["thumbnailUrl"] = [image.url]
    if stream.status == Stream.Status.ENDED and seconds:
        video["duration"] = _iso_duration(seconds)
    if live and not stream.is_premium:
        # The free live picture's playlist is public (nginx serves it to anyone); premium playlists are signed
        # per viewer and recordings go by expiring links, so neither is named.
        video["contentUrl"] = site_url(f"{settings.HLS_BASE_URL.rstrip('/')}/{stream.latency_mode}/{stream.pk}.m3u8")
    if stream.category_id and stream.category is not None:
        video["genre"] = stream.category.name
    properties = [("video:release_date", video["uploadDate"])]
    if "duration" in video:
        properties.insert(0, ("video:duration", str(round(seconds))))
    return ShareMeta(
        description=description,
        indexable=True,
        title=stream.title,
        social_description=_stream_description(stream, SOCIAL_DESCRIPTION_LENGTH),
        url=url,
        og_type="video.other",
        image=image,
        structured_data=video,
        properties=properties,
    )


def channel_share(channel: Channel) -> ShareMeta:
    """The channel page's head, with a ``ProfilePage`` whose ``Person`` is the creator (their follower count as
    an ``InteractionCounter``)."""
    creator, profile = channel.creator, channel.creator.profile
    name = f"{creator.public_name} (@{creator.username})"
    bio = " ".join(profile.bio.split())
    fallback = f"{creator.public_name} on {SITE_NAME}: live streams, weekly schedule and past broadcasts."
    url = channel_url(creator.username)
    image = _image(profile.banner, BANNER_SIZE, f"{creator.public_name}'s banner") or _image(
        profile.avatar, AVATAR_SIZE, creator.public_name
    )
    person: dict = {
        "@type": "Person",
        "name": creator.public_name,
        "alternateName": f"@{creator.username}",
        "url": url,
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/FollowAction",
            "userInteractionCount": creator.follower_count,
        },
    }
    if image is not None:
        person["image"] = image.url
    if profile.bio:
        person["description"] = profile.bio
    if profile.social_links:
        person["sameAs"] = list(profile.social_links.values())
    return ShareMeta(
        description=_short(bio, DESCRIPTION_LENGTH) if bio else fallback,
        indexable=True,
        title=name,
        social_description=_short(bio, SOCIAL_DESCRIPTION_LENGTH)
        if bio
        else f"Watch {creator.public_name} live on {SITE_NAME}.",
        url=url,
        og_type="profile",
        image=image,
        structured_data={"@context": "https://schema.org", "@type": "ProfilePage", "url": url, "mainEntity": person},
        properties=[("profile:username", creator.username)],
    )


def channel_sitemap_list() -> QuerySet[User]:
    """Active creators with a public stream (a profile alone is not enough: making any stream, a private one
    included, makes one), in a stable order (the sitemap pages through them), each with ``lastmod``: the latest
    change to the profile or to a public stream of theirs."""
    public = Q(streams__visibility=Stream.Visibility.PUBLIC)
    return (
        User.objects.filter(is_active=True)
        .filter(pk__in=Stream.objects.filter(visibility=Stream.Visibility.PUBLIC).values("creator_id"))
        .annotate(
            lastmod=Greatest(
                Coalesce(Max("streams__updated_at", filter=public), F("creator_profile__updated_at"), F("date_joined")),
                Coalesce(F("creator_profile__updated_at"), Max("streams__updated_at", filter=public), F("date_joined")),
            )
        )
        .only("pk", "username")
        .order_by("pk")
    )


def stream_sitemap_list() -> QuerySet[Stream]:
    """Public streams of active creators that have something to watch: live, scheduled, and ended ones with a
    ready recording (an ended stream without one shows nothing to watch). Oldest first, a stable order."""
    replay = Recording.objects.filter(stream=OuterRef("pk"), status=Recording.Status.READY)
    return (
        Stream.objects.filter(visibility=Stream.Visibility.PUBLIC, creator__is_active=True)
        .filter(
            Q(status__in=[Stream.Status.LIVE, Stream.Status.SCHEDULED]) | Q(Exists(replay), status=Stream.Status.ENDED)
        )
        .only("pk", "status", "updated_at")
        .order_by("created_at", "pk")
    )
