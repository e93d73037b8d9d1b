"""Uploaded images: validated with Pillow, re-encoded, resized, stripped of metadata.

Re-encoding means what we store is an image we made: no EXIF (camera
location), no polyglot payloads, a bounded size.
"""

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well below Pillow's own limit


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def image_process(
    upload, *, size: tuple[int, int], crop: bool, min_size: tuple[int, int] = (16, 16), field: str = "image"
) -> ContentFile:
    """Return a WebP of ``upload`` fitted to ``size``.

    ``crop=True`` fills ``size`` exactly (centre crop, e.g. square avatars or
    16:9 thumbnails); ``crop=False`` fits within it, keeping the aspect ratio.
    Anything that is not a reasonable image raises ``ValidationError`` keyed by
    ``field`` (the upload's name in the request), with a code clients can branch
    on: ``invalid_image`` (not an image, damaged, or not JPEG/PNG/WebP/GIF),
    ``image_too_large`` (bytes or pixels), ``image_too_small``.
    """
    if upload.size is not None and upload.size > settings.MAX_IMAGE_UPLOAD_BYTES:
        raise _refuse(
            field,
            f"Images may be at most {settings.MAX_IMAGE_UPLOAD_BYTES / (1024 * 1024):g} MB.",
            "image_too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise _refuse(field, "Upload a JPEG, PNG, WebP or GIF image.", "invalid_image")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _refuse(
                    field,
                    f"That image has too many pixels: at most {MAX_PIXELS:,} (e.g. 8000x5000).",
                    "image_too_large",
                )
            if width < min_size[0] or height < min_size[1]:
                raise _refuse(
                    field,
                    f"Images must be at least {min_size[0]}x{min_size[1]} pixels; this one is {width}x{height}.",
                    "image_too_small",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
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
