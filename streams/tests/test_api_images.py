"""Image uploads (a stream's thumbnail, a creator's avatar and banner) refused as field errors with a code."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import client_for
from livestream.images import image_process
from streams.models import CreatorProfile, Stream
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def png(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (0, 135, 81)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str = "picture.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


NOT_AN_IMAGE = b"%PDF-1.4 not an image"
DAMAGED = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("field", "content", "code"),
    [
        ("avatar", NOT_AN_IMAGE, "invalid_image"),
        ("avatar", DAMAGED, "invalid_image"),
        ("avatar", png(8, 8), "image_too_small"),
        ("banner", NOT_AN_IMAGE, "invalid_image"),
        ("banner", png(200, 80), "image_too_small"),
    ],
    ids=["avatar-not-an-image", "avatar-damaged", "avatar-tiny", "banner-not-an-image", "banner-small"],
)
def test_a_creator_image_that_is_refused_names_its_field_and_why(field, content, code):
    stream = StreamFactory()
    client = client_for(stream.creator)
    response = client.patch(f"/api/v1/creators/{stream.creator.username}", {field: upload(content)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {field, "code"} and body["code"] == code
    assert isinstance(body[field], list) and body[field][0].endswith(".")
    profile = CreatorProfile.objects.filter(user=stream.creator).first()
    assert profile is None or not getattr(profile, field)


def test_an_image_over_the_size_limit_is_image_too_large(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1024
    stream = StreamFactory()
    client = client_for(stream.creator)
    big = upload(png(400, 400) + b"\x00" * 2048)
    response = client.patch(f"/api/v1/creators/{stream.creator.username}", {"avatar": big}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large" and "avatar" in response.json()


@pytest.mark.parametrize(
    ("content", "code"),
    [(NOT_AN_IMAGE, "invalid_image"), (png(300, 169), "image_too_small"), (png(1280, 170), "image_too_small")],
    ids=["not-an-image", "too-small", "too-short"],
)
def test_a_refused_thumbnail_is_a_field_error_on_image(content, code):
    stream = StreamFactory(live=True)
    response = client_for(stream.creator).put(
        f"/api/v1/streams/{stream.pk}/thumbnail", {"image": upload(content)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json().keys() == {"image", "code"} and response.json()["code"] == code
    assert not Stream.objects.get(pk=stream.pk).thumbnail


def test_image_process_names_the_field_it_was_given():
    with pytest.raises(ValidationError) as refused:
        image_process(upload(NOT_AN_IMAGE), size=(64, 64), crop=True, field="logo")
    assert refused.value.message_dict == {"logo": ["Upload a valid image; that file is not one or is damaged."]}
    assert refused.value.error_dict["logo"][0].code == "invalid_image"


def test_an_image_with_too_many_pixels_is_image_too_large(monkeypatch):
    monkeypatch.setattr("livestream.images.MAX_PIXELS", 100 * 100)
    with pytest.raises(ValidationError) as refused:
        image_process(upload(png(200, 200)), size=(64, 64), crop=True, field="banner")
    assert refused.value.error_dict["banner"][0].code == "image_too_large"
