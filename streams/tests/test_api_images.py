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


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few bytes (like a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (0, 135, 81)).save(buffer, format="JPEG", quality=50)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("size", "width", "height"),
    [((1280, 720), 6300, 6340), ((1280, 720), 4000, 2200), ((256, 256), 2100, 2100), ((1500, 500), 3000, 2300)],
    ids=["the-40mp-png-as-thumbnail", "over-4k-as-thumbnail", "avatar-over-4.2mp", "banner-over-6.75mp"],
)
def test_an_image_over_its_uses_pixel_cap_is_refused_before_it_is_decoded(monkeypatch, size, width, height):
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(ValidationError) as refused:
        image_process(upload(png_header(width, height)), size=size, crop=True, field="avatar")
    assert refused.value.error_dict["avatar"][0].code == "image_too_large"


def test_the_40mp_png_is_refused_as_an_avatar_through_the_api():
    stream = StreamFactory()
    response = client_for(stream.creator).patch(
        f"/api/v1/creators/{stream.creator.username}", {"avatar": upload(png_header(6300, 6340))}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large" and "avatar" in response.json()


def test_a_large_jpeg_is_decoded_at_reduced_size(monkeypatch):
    from PIL import ImageOps

    decoded = []
    fit = ImageOps.fit

    def spy(image, *args, **kwargs):
        decoded.append(image.size)
        return fit(image, *args, **kwargs)

    monkeypatch.setattr(ImageOps, "fit", spy)
    # 4000x3000 is 12 MP, over the avatar's 4.2 MP cap: accepted because it decodes at 1/8 scale.
    result = image_process(upload(jpeg(4000, 3000), "photo.jpg"), size=(256, 256), crop=True, field="avatar")
    assert decoded == [(500, 375)]
    with Image.open(result) as made:
        assert made.size == (256, 256)


def test_a_large_png_is_decoded_whole_when_under_its_cap(monkeypatch):
    from PIL import ImageOps

    decoded = []
    fit = ImageOps.fit
    monkeypatch.setattr(ImageOps, "fit", lambda image, *a, **k: decoded.append(image.size) or fit(image, *a, **k))
    image_process(upload(png(1024, 600)), size=(256, 256), crop=True)
    assert decoded == [(1024, 600)]  # PNG has no reduced decoding: its cap is on its full size


def test_image_work_is_refused_when_every_slot_stays_busy(monkeypatch):
    import threading

    from livestream import errors

    full = threading.BoundedSemaphore(1)
    full.acquire()
    monkeypatch.setattr("livestream.images._slots", full)
    monkeypatch.setattr("livestream.images.IMAGE_WAIT_SECONDS", 0.01)
    with pytest.raises(errors.RateLimited) as busy:
        image_process(upload(png(64, 64)), size=(32, 32), crop=True)
    assert busy.value.code == "images_busy" and busy.value.retry_after == 1
    full.release()
    assert image_process(upload(png(64, 64)), size=(32, 32), crop=True).size > 0  # a free slot: processed


def test_a_busy_image_slot_is_a_429_with_retry_after(monkeypatch):
    import threading

    full = threading.BoundedSemaphore(1)
    full.acquire()
    monkeypatch.setattr("livestream.images._slots", full)
    monkeypatch.setattr("livestream.images.IMAGE_WAIT_SECONDS", 0.01)
    stream = StreamFactory()
    response = client_for(stream.creator).patch(
        f"/api/v1/creators/{stream.creator.username}", {"avatar": upload(png(300, 300))}, format="multipart"
    )
    assert response.status_code == 429 and response["Retry-After"] == "1"
    assert response.json()["code"] == "images_busy"
    assert not CreatorProfile.objects.filter(user=stream.creator).exclude(avatar="").exists()
