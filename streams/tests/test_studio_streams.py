"""The studio's stream pages: the dashboard, creating and scheduling (on the creator's own clock), editing,
deleting and the thumbnail without script. The forms save through the API's services, so each rule below is
the API's, shown beside its field."""

import datetime as dt
import zoneinfo
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import client_for
from streams.models import CreatorProfile, Stream
from streams.services import stream_update
from streams.services.monetization import stream_access_buy
from streams.studio.forms import StreamForm, category_choices, local_to_aware
from streams.tests.factories import CategoryFactory, StreamFactory, UserFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1
LAGOS = zoneinfo.ZoneInfo("Africa/Lagos")
LONDON = zoneinfo.ZoneInfo("Europe/London")


def form_data(**changes) -> dict:
    data = {
        "title": "Yoruba for beginners",
        "description": "Greetings and numbers.",
        "category": "",
        "tags": "",
        "start_date": f"{NEXT_YEAR}-07-01",
        "start_time": "19:00",
        "timezone": "Africa/Lagos",
        "visibility": "public",
        "price_coins": "",
        "allow_chat": "on",
        "allow_gifts": "on",
        "latency_mode": "normal",
        "max_viewers": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def png(width: int, height: int) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (0, 135, 81)).save(buffer, format="PNG")
    return SimpleUploadedFile("picture.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def creator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def create(client, **changes):
    return client.post(reverse("studio-stream-new"), form_data(**changes))


def errors(response) -> dict:
    return response.context["form"].errors.get_json_data()


# --- Creating and scheduling ---------------------------------------------------------------------------------


def test_the_studio_pages_need_a_sign_in(client):
    stream = StreamFactory()
    for url in (
        reverse("studio-stream-new"),
        reverse("studio-stream-edit", args=[stream.pk]),
        reverse("studio-stream-delete", args=[stream.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_stream_is_scheduled_on_the_creators_clock_in_lagos(client, creator):
    response = create(client, start_date=f"{NEXT_YEAR}-07-01", start_time="19:00", timezone="Africa/Lagos")
    assert response.status_code == 303 and response["Location"] == reverse("studio")
    stream = Stream.objects.get(creator=creator)
    # Lagos keeps UTC+1 all year: 19:00 there is 18:00 UTC.
    assert stream.scheduled_start_time == dt.datetime(NEXT_YEAR, 7, 1, 18, 0, tzinfo=dt.UTC)
    assert stream.status == Stream.Status.SCHEDULED and stream.title == "Yoruba for beginners"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("01-15", 19), ("07-15", 18)],  # London: GMT (UTC+0) in January, BST (UTC+1) in July
)
def test_a_daylight_saving_zone_stores_the_offset_of_that_day(client, creator, day, utc_hour):
    create(client, start_date=f"{NEXT_YEAR}-{day}", start_time="19:00", timezone="Europe/London")
    stream = Stream.objects.get(creator=creator)
    month, date = (int(part) for part in day.split("-"))
    assert stream.scheduled_start_time == dt.datetime(NEXT_YEAR, month, date, utc_hour, 0, tzinfo=dt.UTC)


def test_a_time_the_clocks_skip_is_refused_beside_the_time():
    # The last Sunday of March, 01:00-02:00 does not exist in London.
    march_31 = dt.date(NEXT_YEAR, 3, 31)
    last_sunday = march_31 - dt.timedelta(days=(march_31.weekday() + 1) % 7)
    with pytest.raises(Exception, match="does not exist"):
        local_to_aware(last_sunday, dt.time(1, 30), "Europe/London")
    assert local_to_aware(last_sunday, dt.time(2, 30), "Europe/London").utcoffset() == dt.timedelta(hours=1)


def test_a_skipped_time_comes_back_as_a_form_error(client, creator):
    march_31 = dt.date(NEXT_YEAR, 3, 31)
    last_sunday = march_31 - dt.timedelta(days=(march_31.weekday() + 1) % 7)
    response = create(client, start_date=last_sunday.isoformat(), start_time="01:30", timezone="Europe/London")
    assert response.status_code == 400
    assert errors(response)["start_time"][0]["code"] == "nonexistent_time"
    assert not Stream.objects.exists()


def test_the_form_starts_in_the_creators_zone_or_the_sites(client, creator, settings):
    settings.DISPLAY_TIME_ZONE = "Africa/Lagos"
    assert client.get(reverse("studio-stream-new")).context["form"]["timezone"].value() == "Africa/Lagos"
    CreatorProfile.objects.create(user=creator, timezone="America/New_York")
    response = client.get(reverse("studio-stream-new"))
    assert response.context["form"]["timezone"].value() == "America/New_York"
    assert '<option value="America/New_York" selected>America/New York</option>' in response.content.decode()


def test_remembering_the_zone_puts_it_on_the_creators_profile(client, creator):
    create(client, timezone="Asia/Tokyo", remember_timezone="on")
    assert CreatorProfile.objects.get(user=creator).timezone == "Asia/Tokyo"
    assert Stream.objects.get(creator=creator).scheduled_start_time == dt.datetime(
        NEXT_YEAR, 7, 1, 10, 0, tzinfo=dt.UTC
    )


def test_a_zone_not_remembered_leaves_the_profile_alone(client, creator):
    CreatorProfile.objects.create(user=creator, timezone="Africa/Lagos")
    create(client, timezone="Asia/Tokyo")
    assert CreatorProfile.objects.get(user=creator).timezone == "Africa/Lagos"


def test_a_start_in_the_past_is_refused_beside_the_date(client, creator):
    response = create(client, start_date=f"{NEXT_YEAR - 2}-07-01")
    assert response.status_code == 400
    assert errors(response)["start_date"][0]["message"] == "The scheduled start must be in the future."
    assert not Stream.objects.exists()


def test_a_date_without_a_time_is_refused(client, creator):
    response = create(client, start_time="")
    assert errors(response)["start_time"][0]["code"] == "required"
    response = create(client, start_date="")
    assert errors(response)["start_date"][0]["code"] == "required"


def test_without_a_date_and_time_the_stream_starts_whenever(client, creator):
    create(client, start_date="", start_time="")
    assert Stream.objects.get(creator=creator).scheduled_start_time is None


def test_premium_needs_a_price_and_a_free_stream_takes_none(client, creator):
    response = create(client, is_premium="on", price_coins="")
    assert errors(response)["price_coins"][0]["code"] == "price_required"
    assert "at least 1 coin" in errors(response)["price_coins"][0]["message"]
    response = create(client, is_premium="on", price_coins="0")
    assert errors(response)["price_coins"][0]["code"] == "price_required"
    response = create(client, price_coins="50")
    assert errors(response)["price_coins"][0]["code"] == "price_without_premium"
    assert not Stream.objects.exists()
    create(client, is_premium="on", price_coins="50")
    stream = Stream.objects.get(creator=creator)
    assert stream.is_premium and stream.price_coins == 50


def test_tags_are_normalised_like_the_apis(client, creator):
    create(client, tags="#WAEC,  Algebra  , jamb prep,, waec")
    assert [tag.name for tag in Stream.objects.get(creator=creator).tags.order_by("name")] == [
        "algebra",
        "jamb prep",
        "waec",
    ]


def test_too_many_or_bad_tags_are_refused_beside_the_tags(client, creator, settings):
    response = create(client, tags=", ".join(f"tag{n}" for n in range(settings.STREAM_MAX_TAGS + 1)))
    assert "at most" in errors(response)["tags"][0]["message"]
    response = create(client, tags="good, <script>")
    assert "is not a valid tag" in errors(response)["tags"][0]["message"]
    assert not Stream.objects.exists()


def test_the_category_comes_from_the_tree(client, creator):
    education = CategoryFactory(name="Education", slug="education")
    CategoryFactory(name="Mathematics", slug="mathematics", parent=education)
    CategoryFactory(name="Talks", slug="talks")
    CategoryFactory(name="Retired", slug="retired", is_active=False)
    choices = category_choices()
    assert choices[0] == ("", "No category")
    assert ("Education", [("education", "Education (general)"), ("mathematics", "Mathematics")]) in choices
    assert ("talks", "Talks") in choices and "retired" not in str(choices)
    page = client.get(reverse("studio-stream-new")).content.decode()
    assert '<optgroup label="Education">' in page
    create(client, category="mathematics")
    assert Stream.objects.get(creator=creator).category.slug == "mathematics"
    assert "category" in errors(create(client, category="retired"))


def test_visibility_chat_gifts_latency_and_limit_are_stored(client, creator):
    data = form_data(visibility="unlisted", latency_mode="low", max_viewers="200")
    del data["allow_chat"], data["allow_gifts"]  # unticked boxes are not sent
    client.post(reverse("studio-stream-new"), data)
    stream = Stream.objects.get(creator=creator)
    assert (stream.visibility, stream.latency_mode, stream.max_viewers) == ("unlisted", "low", 200)
    assert not stream.allow_chat and not stream.allow_gifts
    assert "max_viewers" in errors(create(client, max_viewers="0"))


def test_the_latency_modes_are_each_explained(client, creator):
    page = client.get(reverse("studio-stream-new")).content.decode()
    for words in ("Low: closest to real time", "Normal: a few seconds behind", "High: steadiest on weak mobile"):
        assert words in page


# --- The dashboard ---------------------------------------------------------------------------------------------


def test_the_dashboard_shows_times_in_the_creators_zone_labelled(client, creator):
    CreatorProfile.objects.create(user=creator, timezone="Europe/London")
    StreamFactory(
        creator=creator,
        title="Summer class",
        scheduled_start_time=dt.datetime(NEXT_YEAR, 7, 1, 18, 0, tzinfo=dt.UTC),
        visibility="unlisted",
        is_premium=True,
        price_coins=40,
    )
    live = StreamFactory(creator=creator, live=True, title="On air", current_viewers=12)
    StreamFactory(title="Somebody else's")
    page = client.get(reverse("studio")).content.decode()
    assert "Times are in your time zone, <strong>Europe/London</strong>" in page
    assert f'Starts <time datetime="{NEXT_YEAR}-07-01T19:00:00+01:00">' in page  # 18:00 UTC is 19:00 BST
    assert "19:00 BST" in page
    assert "Unlisted" in page and "Premium · 40 coins" in page
    assert "12 watching" in page and "To delete it, end it first." in page
    assert reverse("studio-stream-edit", args=[live.pk]) in page
    assert reverse("studio-stream-delete", args=[live.pk]) not in page
    assert "Somebody else" not in page


def test_the_dashboard_reads_a_fixed_number_of_queries(client, creator, django_assert_max_num_queries):
    for _ in range(5):
        StreamFactory(creator=creator, category=CategoryFactory())
    with django_assert_max_num_queries(6):  # session, user, streams, zone, messages
        client.get(reverse("studio"))


# --- Editing -----------------------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_stream_on_the_creators_clock(client, creator):
    CreatorProfile.objects.create(user=creator, timezone="Europe/London")
    stream = StreamFactory(creator=creator, scheduled_start_time=dt.datetime(NEXT_YEAR, 1, 10, 18, 30, tzinfo=dt.UTC))
    form = client.get(reverse("studio-stream-edit", args=[stream.pk])).context["form"]
    assert (form["start_date"].value(), form["start_time"].value()) == (
        dt.date(NEXT_YEAR, 1, 10),
        dt.time(18, 30),
    )


def test_editing_changes_what_was_changed(client, creator, django_capture_on_commit_callbacks, room_events):
    stream = StreamFactory(creator=creator, live=True, title="Old title", description="Greetings and numbers.")
    data = form_data(title="New title", tags="yoruba")
    for name in ("start_date", "start_time", "timezone"):
        data.pop(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studio-stream-edit", args=[stream.pk]), data)
    assert response.status_code == 303
    stream.refresh_from_db()
    assert stream.title == "New title" and [tag.name for tag in stream.tags.all()] == ["yoruba"]
    # The same service as the API: the live room hears what changed, and only that.
    assert room_events == [(str(stream.pk), {"type": "stream_updated", "title": "New title"})]


def test_a_live_or_ended_stream_has_no_start_to_change(client, creator):
    for stream in (StreamFactory(creator=creator, live=True), StreamFactory(creator=creator, ended=True)):
        form = client.get(reverse("studio-stream-edit", args=[stream.pk])).context["form"]
        assert "start_date" not in form.fields and "timezone" not in form.fields


def test_a_stream_made_free_drops_the_price_left_in_its_box(client, creator):
    stream = StreamFactory(creator=creator, is_premium=True, price_coins=50)
    response = client.post(
        reverse("studio-stream-edit", args=[stream.pk]), form_data(price_coins="50", start_date="", start_time="")
    )
    assert response.status_code == 303
    stream.refresh_from_db()
    assert not stream.is_premium and stream.price_coins is None


def test_an_unchanged_past_start_does_not_block_other_changes(client, creator):
    stream = StreamFactory(creator=creator, title="Late", scheduled_start_time=timezone.now() - dt.timedelta(hours=1))
    local = stream.scheduled_start_time.astimezone(LAGOS)
    data = form_data(title="Late, renamed", start_date=local.date().isoformat(), start_time=f"{local:%H:%M}")
    assert client.post(reverse("studio-stream-edit", args=[stream.pk]), data).status_code == 303
    stream.refresh_from_db()
    assert stream.title == "Late, renamed"


def test_premium_and_latency_are_fixed_while_an_encoder_publishes(client, creator):
    stream = StreamFactory(creator=creator, live=True, publisher_client_id="42")
    form = client.get(reverse("studio-stream-edit", args=[stream.pk])).context["form"]
    assert form.fields["is_premium"].disabled and form.fields["latency_mode"].disabled
    # A broadcast that begins while the form is open: the service's conflict lands beside the field.
    stream = StreamFactory(creator=creator, live=True)
    form = StreamForm(
        form_data(latency_mode="low", start_date=None, start_time=None, timezone=None),
        creator=creator,
        zone="Africa/Lagos",
        stream=stream,
    )
    Stream.objects.filter(pk=stream.pk).update(publisher_client_id="43")
    assert form.is_valid() and form.save() is None
    assert form.errors.get_json_data()["latency_mode"][0]["code"] == "stream_publishing"


def test_another_creators_stream_is_a_404_on_every_page(client, creator):
    other = StreamFactory(title="Not yours")
    for name in ("studio-stream-edit", "studio-stream-delete"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
        assert client.post(reverse(name, args=[other.pk]), form_data()).status_code == 404
    response = client.post(reverse("studio-stream-thumbnail", args=[other.pk]), {"image": png(640, 360)})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "Not yours" and not other.thumbnail


# --- Deleting ----------------------------------------------------------------------------------------------------


def test_deleting_asks_first_then_deletes(client, creator):
    stream = StreamFactory(creator=creator, title="Old class")
    page = client.get(reverse("studio-stream-delete", args=[stream.pk]))
    assert page.status_code == 200 and "Delete the stream" in page.content.decode()
    assert Stream.objects.filter(pk=stream.pk).exists()
    response = client.post(reverse("studio-stream-delete", args=[stream.pk]))
    assert response.status_code == 303 and not Stream.objects.filter(pk=stream.pk).exists()


def test_a_live_stream_is_not_deleted_end_it_first(client, creator):
    stream = StreamFactory(creator=creator, live=True)
    page = client.get(reverse("studio-stream-delete", args=[stream.pk])).content.decode()
    assert "End it first" in page and "Delete the stream" not in page
    response = client.post(reverse("studio-stream-delete", args=[stream.pk]))
    assert response.status_code == 409 and "Stop the live stream before deleting it." in response.content.decode()
    assert Stream.objects.filter(pk=stream.pk).exists()


def test_a_stream_viewers_paid_on_is_kept(client, creator):
    stream = StreamFactory(creator=creator, is_premium=True, price_coins=20)
    buyer = UserFactory()
    coins_grant(user=buyer, coins=20, reason="test")
    stream_access_buy(stream=stream, user=buyer)
    response = client.post(reverse("studio-stream-delete", args=[stream.pk]))
    assert response.status_code == 409 and "make it private" in response.content.decode()
    assert Stream.objects.filter(pk=stream.pk).exists()
    # The API's DELETE is the same service: a 409 with its code, not a server error.
    refused = client_for(creator).delete(f"/api/v1/streams/{stream.pk}")
    assert refused.status_code == 409 and refused.json()["code"] == "stream_has_payments"


# --- The thumbnail without script ----------------------------------------------------------------------------


def test_a_thumbnail_upload_without_script_uses_the_service(client, creator):
    stream = StreamFactory(creator=creator)
    url = reverse("studio-stream-thumbnail", args=[stream.pk])
    response = client.post(url, {"image": png(1600, 1200)})
    assert response.status_code == 303 and response["Location"].endswith("/edit/#thumbnail")
    stream.refresh_from_db()
    assert stream.thumbnail_source == "custom" and set(stream.thumbnail_variants) == {"640x360", "320x180"}
    with Image.open(stream.thumbnail) as image:
        assert image.size == (1280, 720)  # the centre 16:9 of a 4:3 picture
    page = client.get(reverse("studio-stream-edit", args=[stream.pk])).content.decode()
    assert stream.thumbnail.storage.url(stream.thumbnail_variants["640x360"]) in page
    assert client.post(url, {"remove": "1"}).status_code == 303
    stream.refresh_from_db()
    assert stream.thumbnail_source == "" and not stream.thumbnail


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda: png(200, 100), "image_too_small"),
        (lambda: SimpleUploadedFile("a.png", b"%PDF-1.4 not an image", content_type="image/png"), "invalid_image"),
    ],
)
def test_a_refused_thumbnail_is_an_error_beside_the_field(client, creator, upload, code):
    stream = StreamFactory(creator=creator)
    response = client.post(reverse("studio-stream-thumbnail", args=[stream.pk]), {"image": upload()})
    assert response.status_code == 400
    assert response.context["thumbnail_form"].errors.get_json_data()["image"][0]["code"] == code
    stream.refresh_from_db()
    assert not stream.thumbnail


def test_a_thumbnail_while_images_are_busy_is_a_429_beside_the_field(client, creator, monkeypatch):
    from livestream import images

    monkeypatch.setattr(images, "IMAGE_WAIT_SECONDS", 0)
    stream = StreamFactory(creator=creator)
    for _ in range(images.IMAGE_SLOTS):
        images._slots.acquire()
    try:
        response = client.post(reverse("studio-stream-thumbnail", args=[stream.pk]), {"image": png(640, 360)})
    finally:
        for _ in range(images.IMAGE_SLOTS):
            images._slots.release()
    assert response.status_code == 429
    assert response.context["thumbnail_form"].errors.get_json_data()["image"][0]["code"] == "images_busy"


def test_stream_update_is_what_the_edit_form_calls(creator):
    """The form adds no rule of its own: what it refuses, the service refuses the same way."""
    stream = StreamFactory(creator=creator)
    form = StreamForm(
        form_data(price_coins="5", start_date="", start_time=""), creator=creator, zone="Africa/Lagos", stream=stream
    )
    assert form.is_valid() and form.save() is None
    with pytest.raises(Exception, match="Only a premium stream has a price"):
        stream_update(stream=stream, data={"price_coins": 5})
