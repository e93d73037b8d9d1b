"""The channel page, /@<username>: what its selector reads (query count, only public streams), what the page
shows (profile, audience, schedule, broadcasts, Open Graph, JSON-LD), and its follow and subscribe forms that
work without script."""

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from livestream.colours import PAGE_BACKGROUND, brand_colours, contrast, luminance, rgb
from streams.models import CreatorProfile, Follow, ScheduleSlot, Stream, Subscription
from streams.selectors.channel import CHANNEL_QUERIES, PAST_BROADCASTS_PER_PAGE, channel_get
from streams.services.monetization import subscription_cancel, subscription_start
from streams.tests.factories import StreamFactory
from streams.tests.test_pages_player import clip_of, recording_of
from wallet.selectors import wallet_balance
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)  # a Monday, 13:00 in Lagos


def creator_with_profile(**profile) -> tuple:
    creator = UserFactory(username="Ada_Teaches", display_name="Ada Okafor", is_verified=True)
    fields = {"bio": "Maths teacher from Enugu.", "brand_colour": "#3366ff", **profile}
    return creator, CreatorProfile.objects.create(user=creator, **fields)


def ended_with_recording(creator, **fields) -> Stream:
    stream = StreamFactory(creator=creator, ended=True, **fields)
    recording_of(stream, duration=3725.0)
    return stream


def get(path: str, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path)


def page(path: str, user=None) -> str:
    response = get(path, user)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def post(path: str, user=None, data=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.post(path, data or {})


# --- The selector -------------------------------------------------------------------------------------------


def test_only_public_streams_are_listed_and_past_broadcasts_need_a_ready_recording():
    creator, _ = creator_with_profile()
    shown = ended_with_recording(creator, title="Shown")
    ended_with_recording(creator, visibility=Stream.Visibility.UNLISTED, title="Unlisted")
    ended_with_recording(creator, visibility=Stream.Visibility.PRIVATE, title="Private")
    StreamFactory(creator=creator, ended=True, title="No recording")
    failed = StreamFactory(creator=creator, ended=True)
    recording_of(failed, status="failed")
    soon = timezone.now() + dt.timedelta(days=1)
    upcoming = StreamFactory(creator=creator, scheduled_start_time=soon)
    StreamFactory(creator=creator, scheduled_start_time=soon, visibility=Stream.Visibility.PRIVATE)
    StreamFactory(creator=creator, live=True, visibility=Stream.Visibility.UNLISTED)
    clip = clip_of(recording_of(shown))
    clip_of(recording_of(Stream.objects.get(title="Private")))
    clip_of(recording_of(shown), status="processing")

    channel = channel_get(username="ada_teaches", viewer=None)
    assert [stream.title for stream in channel.past] == ["Shown"]
    assert channel.past[0].recorded_seconds == 3725.0 + 754.0 * 2  # its ready recordings together
    assert channel.upcoming == [upcoming] and channel.live is None
    assert channel.clips == [clip]


def test_past_broadcasts_are_newest_first_and_paginated():
    creator, _ = creator_with_profile()
    now = timezone.now()
    streams = [
        ended_with_recording(creator, title=f"Lesson {n}", ended_at=now - dt.timedelta(days=n))
        for n in range(PAST_BROADCASTS_PER_PAGE + 2)
    ]
    first = channel_get(username=creator.username, viewer=None)
    assert list(first.past) == streams[:PAST_BROADCASTS_PER_PAGE] and first.past.has_next()
    second = channel_get(username=creator.username, viewer=None, page="2")
    assert list(second.past) == streams[PAST_BROADCASTS_PER_PAGE:]
    assert list(channel_get(username=creator.username, viewer=None, page="nonsense").past) == list(first.past)


def test_the_selector_runs_the_same_number_of_queries_however_much_the_creator_has(django_assert_num_queries):
    creator, profile = creator_with_profile()
    viewer = UserFactory()

    def fill(count: int) -> None:
        soon = timezone.now() + dt.timedelta(days=1)
        for _ in range(count):
            StreamFactory(creator=creator, live=True)
            StreamFactory(creator=creator, scheduled_start_time=soon)
            clip_of(recording_of(ended_with_recording(creator)))
            ScheduleSlot.objects.create(profile=profile, weekday=0, start_time="18:00", duration_minutes=60)
            Follow.objects.create(creator=creator, follower=UserFactory())

    fill(1)
    with django_assert_num_queries(CHANNEL_QUERIES):
        channel_get(username=creator.username, viewer=viewer)
    fill(4)
    with django_assert_num_queries(CHANNEL_QUERIES):
        channel = channel_get(username=creator.username, viewer=viewer)
        assert len(channel.clips) == 5 and len(channel.schedule) == 5 and len(list(channel.past)) == 5
    assert channel.creator.follower_count == 5


def test_the_weekly_schedule_is_soonest_first_with_each_slots_next_start_in_the_creators_zone():
    creator, profile = creator_with_profile(timezone="Africa/Lagos")
    ScheduleSlot.objects.create(profile=profile, weekday=0, start_time="12:00", duration_minutes=60, title="Past")
    ScheduleSlot.objects.create(profile=profile, weekday=3, start_time="18:00", duration_minutes=90, title="Reading")
    schedule = channel_get(username=creator.username, viewer=None, now=MONDAY).schedule
    assert [item.slot.title for item in schedule] == ["Reading", "Past"]
    assert schedule[0].start == dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.UTC)  # Thursday 18:00 WAT
    assert schedule[0].end - schedule[0].start == dt.timedelta(minutes=90)
    assert schedule[1].start == dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)  # Monday 12:00 WAT was an hour ago


def test_subscribers_count_running_subscriptions_and_the_viewers_own_is_read():
    creator, _ = creator_with_profile(subscription_price_coins=30)
    fan, gone, viewer = UserFactory(), UserFactory(), UserFactory()
    for user in (fan, gone):
        coins_grant(user=user, coins=100, reason="test")
        subscription_start(subscriber=user, creator=creator)
    subscription_cancel(subscriber=fan, creator=creator)  # still runs to the end of its period
    Subscription.objects.filter(subscriber=gone).update(status=Subscription.Status.LAPSED)
    channel = channel_get(username=creator.username, viewer=fan)
    assert channel.subscriber_count == 1 and channel.subscription.status == Subscription.Status.CANCELLED
    assert channel_get(username=creator.username, viewer=gone).subscription is None
    assert channel_get(username=creator.username, viewer=viewer).subscription is None


# --- The page -----------------------------------------------------------------------------------------------


def test_an_unknown_or_inactive_user_is_the_sites_404():
    UserFactory(username="sleeper", is_active=False)
    for path in ("/@nobody/", "/@sleeper/"):
        response = get(path)
        assert response.status_code == 404 and "<h1" in response.content.decode()


def test_a_user_without_a_creator_profile_gets_a_page_with_defaults():
    UserFactory(username="newbie", display_name="")
    html = page("/@NEWBIE/")  # any case
    assert "<h1>newbie</h1>" in html and "No bio yet." in html and "No weekly schedule yet." in html
    assert 'data-accent="#008751"' in html and "0 followers</span> · <span>0 subscribers" in html
    assert not CreatorProfile.objects.exists()  # reading the page created nothing


def test_the_page_shows_the_profile_its_links_audience_and_brand_colour():
    creator, _profile = creator_with_profile(
        social_links={"website": "https://ada.example/", "youtube": "https://youtube.com/@ada"}
    )
    Follow.objects.create(creator=creator, follower=UserFactory())
    html = page("/@ada_teaches/")
    assert re.search(r"<h1>Ada Okafor <span class=\"verified[^>]*>✔<span class=\"visually-hidden\"> Verified", html)
    assert "@Ada_Teaches" in html and "Maths teacher from Enugu." in html
    assert '<a href="https://youtube.com/@ada" rel="me noopener nofollow">YouTube' in html
    assert "1 follower</span> · <span>0 subscribers" in html
    colours = brand_colours("#3366ff")
    assert f'data-accent="#3366ff" data-accent-ink="{colours["ink"]}" data-accent-on="{colours["on"]}"' in html


@pytest.mark.parametrize("colour", ["#ffcc00", "#ffffff", "#008751", "#3366ff", "#7fff00", "#000000"])
def test_the_brand_colours_text_shade_keeps_aa_contrast_on_the_page(colour):
    colours = brand_colours(colour)
    assert contrast(luminance(rgb(colours["ink"])), luminance(rgb(PAGE_BACKGROUND))) >= 4.5
    assert contrast(luminance(rgb(colours["on"])), luminance(rgb(colour))) >= 4.5


def test_live_now_upcoming_past_broadcasts_and_clips_each_link_to_the_stream_page():
    creator, _ = creator_with_profile()
    live = StreamFactory(creator=creator, live=True, title="Algebra live")
    soon = StreamFactory(creator=creator, title="Fractions", scheduled_start_time=timezone.now() + dt.timedelta(days=2))
    past = ended_with_recording(creator, title="Geometry", is_premium=True, price_coins=40)
    clip = clip_of(past.recordings.get(), title="The proof")
    html = page("/@ada_teaches/")
    live_section = html[html.index('id="live-heading"') : html.index('id="upcoming-heading"')]
    assert f'href="/streams/{live.pk}/"' in live_section and "LIVE · 0 watching" in live_section
    upcoming = html[html.index('id="upcoming-heading"') : html.index('id="past-heading"')]
    assert f'href="/streams/{soon.pk}/"' in upcoming and 'data-local-time="short"' in upcoming
    past_section = html[html.index('id="past-heading"') : html.index('id="clips-heading"')]
    assert f'href="/streams/{past.pk}/"' in past_section and "Premium · 40 coins" in past_section
    assert "1:02:05" in past_section  # its recordings' length
    clips = html[html.index('id="clips-heading"') :]
    assert f'href="/streams/{clip.stream_id}/"' in clips and "The proof" in clips
    assert f'<a class="channel-live-link" href="/streams/{live.pk}/">Live now</a>' in html


def test_the_schedule_is_rendered_in_the_creators_zone_with_utc_instants_for_the_script(settings):
    _creator, profile = creator_with_profile(timezone="Europe/London")
    ScheduleSlot.objects.create(profile=profile, weekday=2, start_time="19:30", duration_minutes=45, title="Q&A")
    html = page("/@ada_teaches/")
    start, end = re.findall(r'<time datetime="([^"]+)" data-local-time="(?:weekly|clock)">', html)
    start, end = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    assert start.utcoffset() == dt.timedelta(0) and end - start == dt.timedelta(minutes=45)
    assert start.astimezone(dt.UTC).weekday() == 2
    assert re.search(r'data-local-time="weekly">Wednesday 19:30 (GMT|BST)</time>', html)
    assert "Times in Europe/London, Ada Okafor's time zone." in html and "data-local-zone" in html
    assert '<script src="/static/js/local-time.js" defer></script>' in html


def test_open_graph_canonical_and_json_ld_profile_page(settings):
    settings.SITE_URL = "https://live.example.ng"
    creator, _profile = creator_with_profile(
        bio="Maths </script><script>alert(1)</script> & more", social_links={"x": "https://x.com/ada"}
    )
    Follow.objects.create(creator=creator, follower=UserFactory())
    html = page("/@ADA_TEACHES/")
    url = "https://live.example.ng/@Ada_Teaches/"  # SITE_URL's, whatever host the page was asked of
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="profile">' in html and f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Ada Okafor (@Ada_Teaches)">' in html
    assert "og:image" not in html  # neither avatar nor banner yet
    assert "</script><script>alert(1)" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "ProfilePage" and data["url"] == url
    person = data["mainEntity"]
    assert person["name"] == "Ada Okafor" and person["alternateName"] == "@Ada_Teaches"
    assert person["description"] == "Maths </script><script>alert(1)</script> & more"
    assert person["sameAs"] == ["https://x.com/ada"]
    assert person["interactionStatistic"]["userInteractionCount"] == 1
    assert person["interactionStatistic"]["interactionType"] == "https://schema.org/FollowAction"


def test_og_image_is_the_banners_or_avatars_absolute_url(settings):
    from django.core.files.base import ContentFile

    settings.SITE_URL = "https://live.example.ng"
    _creator, profile = creator_with_profile()
    profile.avatar.save("a.webp", ContentFile(b"x"))
    html = page("/@ada_teaches/")
    image = unescape(re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1))
    assert image == "https://live.example.ng" + profile.avatar.url
    assert '<meta property="og:image:width" content="256">' in html
    assert '<meta name="twitter:card" content="summary">' in html  # a square avatar: the small card
    assert json.loads(re.search(r'ld\+json">(.*?)</script>', html).group(1))["mainEntity"]["image"] == image
    profile.banner.save("b.webp", ContentFile(b"y"))
    html = page("/@ada_teaches/")
    assert f'<meta property="og:image" content="https://live.example.ng{profile.banner.url}">' in html
    assert '<meta property="og:image:width" content="1500">' in html and 'og:image:height" content="500">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_the_creators_name_links_to_the_channel_from_cards_and_the_watch_page():
    creator, _ = creator_with_profile()
    live = StreamFactory(creator=creator, live=True)
    link = '<a class="creator-link" href="/@Ada_Teaches/">Ada Okafor</a>'
    assert link in page("/") and link in page(f"/streams/{live.pk}/")


def test_the_page_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    creator, profile = creator_with_profile(subscription_price_coins=30)
    viewer = UserFactory()
    for _ in range(3):
        clip_of(recording_of(ended_with_recording(creator)))
        StreamFactory(creator=creator, scheduled_start_time=timezone.now() + dt.timedelta(days=1))
        ScheduleSlot.objects.create(profile=profile, weekday=1, start_time="09:00", duration_minutes=60)
    client = Client()
    client.force_login(viewer)
    # The selector's, the session and its user, the header's coin balance and unread notifications, and the
    # viewer's pending reminders (one query for every upcoming card's "Remind me").
    with django_assert_max_num_queries(CHANNEL_QUERIES + 5):
        assert client.get("/@ada_teaches/").status_code == 200


# --- Follow and subscribe without script ---------------------------------------------------------------------


def test_signed_out_the_forms_are_log_in_links_that_come_back():
    creator_with_profile(subscription_price_coins=30)
    html = page("/@ada_teaches/")
    assert 'href="/accounts/login/?next=/%40ada_teaches/">Log in to follow' in html
    assert "Log in to subscribe" in html and "30 coins</strong> a month" in html
    response = post("/@ada_teaches/follow/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/%40Ada_Teaches/"
    assert not Follow.objects.exists()


def test_follow_with_notification_choices_change_them_and_unfollow():
    creator, _ = creator_with_profile()
    viewer = UserFactory()
    html = page("/@ada_teaches/", viewer)
    assert html.count('name="notifications"') == 2 and 'value="go_live" checked' in html
    response = post("/@ada_teaches/follow/", viewer, {"notifications": ["scheduled"]})
    assert response.status_code == 303 and response["Location"] == "/@Ada_Teaches/"
    follow = Follow.objects.get(creator=creator, follower=viewer)
    assert (follow.notify_go_live, follow.notify_scheduled) == (False, True)
    html = page("/@ada_teaches/", viewer)
    assert 'value="go_live">' in html and 'value="scheduled" checked>' in html and "Save notifications" in html
    assert "1 follower<" in html and 'class="channel-unfollow" method="post"' in html
    post("/@ada_teaches/follow/", viewer, {})  # nothing checked: no notifications, still following
    follow.refresh_from_db()
    assert (follow.notify_go_live, follow.notify_scheduled) == (False, False)
    assert post("/@ada_teaches/unfollow/", viewer).status_code == 303
    assert not Follow.objects.exists()


def test_the_creator_sees_the_studio_not_follow_or_subscribe():
    creator, _ = creator_with_profile(subscription_price_coins=30)
    html = page("/@ada_teaches/", creator)
    assert "Open the studio" in html and "channel-follow" not in html and "subscribe-heading" not in html
    post("/@ada_teaches/follow/", creator)
    assert not Follow.objects.exists()


def test_subscribe_shows_the_renewal_date_then_cancel_keeps_it_to_the_period_end():
    _creator, _ = creator_with_profile(subscription_price_coins=30)
    viewer = UserFactory()
    coins_grant(user=viewer, coins=100, reason="test")
    html = page("/@ada_teaches/", viewer)
    assert "Subscribe · 30 coins a month" in html and "You have 100 coins." in html
    response = post("/@ada_teaches/subscribe/", viewer)
    assert response.status_code == 303 and response["Location"] == "/@Ada_Teaches/"
    subscription = Subscription.objects.get(subscriber=viewer)
    assert wallet_balance(user=viewer) == 70
    html = page("/@ada_teaches/", viewer)
    end = subscription.current_period_end.astimezone(dt.UTC).isoformat()
    assert "You subscribe. It renews on" in html and end in html and "1 subscriber<" in html
    assert "<summary>Cancel subscription</summary>" in html
    post("/@ada_teaches/unsubscribe/", viewer)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED and not subscription.renews
    html = page("/@ada_teaches/", viewer)
    assert "Cancelled: your subscription ends on" in html and "Resume subscription" in html
    post("/@ada_teaches/subscribe/", viewer)  # resumes without charging
    subscription.refresh_from_db()
    assert subscription.renews and wallet_balance(user=viewer) == 70


def test_subscribing_short_of_coins_goes_to_the_wallet_which_comes_back():
    creator_with_profile(subscription_price_coins=30)
    viewer = UserFactory()
    html = page("/@ada_teaches/", viewer)
    assert "You have 0 coins: not enough yet." in html and 'href="/wallet/?next=%2F%40Ada_Teaches%2F">Buy coins' in html
    response = post("/@ada_teaches/subscribe/", viewer)
    assert response.status_code == 303 and response["Location"] == "/wallet/?next=%2F%40Ada_Teaches%2F"
    assert not Subscription.objects.filter(status=Subscription.Status.ACTIVE).exists()


def test_no_subscribe_box_when_the_creator_offers_none():
    creator_with_profile()
    assert "subscribe-heading" not in page("/@ada_teaches/", UserFactory())
