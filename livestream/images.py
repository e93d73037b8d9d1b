"""Uploaded images: validated with Pillow, re-encoded, resized, stripped of metadata.

Re-encoding means what we store is an image we made: no EXIF (camera
location), no polyglot payloads, a bounded size.

Memory is bounded three ways, because a small file can decode to a huge bitmap (a 132 KB PNG of
6,300 x 6,340 pixels costs ~450 MB to process):

* the pixels are capped per use, from the header, before anything is decoded: a few times what the
  output needs (``pixel_cap``), never more than a 4K frame (``MAX_PIXELS``);
* a JPEG is decoded at reduced size (``Image.draft``: 1/2, 1/4 or 1/8 scale in libjpeg), so a phone
  photo for a 256 px avatar never exists at full size in memory, and the cap applies to that size;
* at most ``IMAGE_SLOTS`` images are processed at once per process; a request that waits longer than
  ``IMAGE_WAIT_SECONDS`` for a slot is refused (``RateLimited``, code ``images_busy``, a 429 with
  Retry-After) rather than queued without bound.

With a 4K cap one image costs well under ~100 MB (a few RGBA copies of at most 8.3 MP).
"""

import threading
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from livestream.errors import RateLimited

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 3840 * 2160  # the most any use decodes: a 4K frame (3x a 1280x720 thumbnail each way)
MIN_PIXEL_CAP = 2048 * 2048  # the least any use accepts: small outputs (avatars) still take an ordinary photo
PIXEL_CAP_FACTOR = 9  # a source may have 9x the output's pixels (3x each way) before it is refused
IMAGE_SLOTS = 2  # images processed at once per process
IMAGE_WAIT_SECONDS = 3.0  # how long a request waits for a slot before it is refused

_slots = threading.BoundedSemaphore(IMAGE_SLOTS)


def pixel_cap(size: tuple[int, int]) -> int:
    """The most pixels a source for an output of ``size`` may decode to.

    1280x720 thumbnails and 1500x500 banners: 8.3 MP and 6.75 MP; 256x256 avatars and gift images: 4.2 MP.
    """
    return min(MAX_PIXELS, max(MIN_PIXEL_CAP, PIXEL_CAP_FACTOR * size[0] * size[1]))


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _draft(image: Image.Image, size: tuple[int, int]) -> None:
    """Have a JPEG decode at the smallest scale still at least ``size`` both ways (either orientation,
    as EXIF may turn it); other formats decode whole. Decodes nothing itself."""
    if image.format == "JPEG":
        side = max(size)
        image.draft(image.mode, (side, side))


def image_process(
    upload, *, size: tuple[int, int], crop: bool, min_size: tuple[int, int] = (16, 16), field: str = "image"
) -> ContentFile:
    """Return a WebP of ``upload`` fitted to ``size``.

    ``crop=True`` fills ``size`` exactly (centre crop, e.g. square avatars or
    16:9 thumbnails); ``crop=False`` fits within it, keeping the aspect ratio.
    Anything that is not a reasonable image raises ``ValidationError`` keyed by
    ``field`` (the upload's name in the request), with a code clients can branch
    on: ``invalid_image`` (not an image, damaged, or not JPEG/PNG/WebP/GIF),
    ``image_too_large`` (bytes, or pixels over ``pixel_cap(size)``), ``image_too_small``.
    When every slot is busy for ``IMAGE_WAIT_SECONDS`` it raises ``RateLimited`` (``images_busy``).
    """
    if upload.size is not None and upload.size > settings.MAX_IMAGE_UPLOAD_BYTES:
        raise _refuse(
            field,
            f"Images may be at most {settings.MAX_IMAGE_UPLOAD_BYTES / (1024 * 1024):g} MB.",
            "image_too_large",
        )
    if not _slots.acquire(timeout=IMAGE_WAIT_SECONDS):
        raise RateLimited(
            "The server is busy processing other images; try again in a few seconds.",
            code="images_busy",
            retry_after=IMAGE_WAIT_SECONDS,
        )
    try:
        return _process(upload, size=size, crop=crop, min_size=min_size, field=field)
    finally:
        _slots.release()


def _process(upload, *, size: tuple[int, int], crop: bool, min_size: tuple[int, int], field: str) -> ContentFile:
    cap = pixel_cap(size)
    try:
        upload.seek(0)
        with Image.open(upload) as probe:  # reads the header only
            if probe.format not in ALLOWED_FORMATS:
                raise _refuse(field, "Upload a JPEG, PNG, WebP or GIF image.", "invalid_image")
            width, height = probe.size
            if width < min_size[0] or height < min_size[1]:
                raise _refuse(
                    field,
                    f"Images must be at least {min_size[0]}x{min_size[1]} pixels; this one is {width}x{height}.",
                    "image_too_small",
                )
            _draft(probe, size)
            decoded_width, decoded_height = probe.size  # what decoding would cost
            if decoded_width * decoded_height > cap:
                raise _refuse(
                    field,
                    f"That image has too many pixels ({width}x{height}): at most {cap:,} here.",
                    "image_too_large",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            _draft(image, size)
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB")
            if crop:
                image = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
            else:
                image.thumbnail(size, Image.Resampling.LANCZOS)
            out = BytesIO()
            image.save(out, format="WEBP", quality=85, method=4)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise _refuse(field, "That image has too many pixels.", "image_too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _refuse(field, "Upload a valid image; that file is not one or is damaged.", "invalid_image") from exc
    return ContentFile(out.getvalue(), name="image.webp")
