"""Gift sounds: what staff may upload (a short audio file the browsers play), and the demo's own synthesised ones.

A sound is checked by its bytes, not by its name or the browser's word for it: the file must open as one of
the audio containers every current browser plays, be small enough to fetch at the moment a gift lands, and
(for WAV, whose header says so) be short.
"""

import io
import math
import struct
import uuid
import wave

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

GIFT_SOUND_MAX_BYTES = 512 * 1024  # a few seconds of compressed audio; every viewer in the room fetches it
GIFT_SOUND_MAX_SECONDS = 6  # what the WAV header tells us; a gift moment lasts at most a few seconds
# Extension -> the container the bytes must be.
GIFT_SOUND_TYPES = {
    "mp3": "mp3",
    "ogg": "ogg",
    "oga": "ogg",
    "opus": "ogg",
    "wav": "wav",
    "m4a": "mp4",
    "aac": "aac",
    "webm": "webm",
}


def sound_container(head: bytes) -> str | None:
    """The audio container these first bytes begin, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"  # an ID3 tag, or an MPEG audio frame sync (layer III)
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # an ADTS frame sync
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom", b"dash", b"iso5", b"iso6"):
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def validate_gift_sound(file) -> None:
    """ValidationError unless ``file`` is a small audio file its extension names (wav, mp3, ogg/opus, m4a, aac,
    webm); a WAV must also open and last at most GIFT_SOUND_MAX_SECONDS. A file already stored passed this
    when it was uploaded, and is not read again."""
    if getattr(file, "_committed", False):
        return
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in GIFT_SOUND_TYPES:
        raise ValidationError("A gift sound is a .wav, .mp3, .ogg, .opus, .m4a, .aac or .webm file.", code="sound_type")
    size = file.size
    if size > GIFT_SOUND_MAX_BYTES:
        raise ValidationError(
            f"A gift sound is at most {GIFT_SOUND_MAX_BYTES // 1024} KB (this one is {math.ceil(size / 1024)} KB).",
            code="sound_size",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        data = file.read(GIFT_SOUND_MAX_BYTES + 1)
    finally:
        file.seek(position)
    container = sound_container(data[:16])
    if container != GIFT_SOUND_TYPES[extension]:
        raise ValidationError("This file is not the audio its name says it is.", code="sound_type")
    if container == "wav":
        try:
            with wave.open(io.BytesIO(data)) as sound:
                seconds = sound.getnframes() / sound.getframerate()
        # wave raises all of these on malformed headers (RuntimeError for a chunk that runs past the end).
        except (wave.Error, EOFError, ZeroDivisionError, struct.error, RuntimeError, ValueError) as exc:
            raise ValidationError("This WAV file cannot be read.", code="sound_type") from exc
        if seconds > GIFT_SOUND_MAX_SECONDS:
            raise ValidationError(f"A gift sound lasts at most {GIFT_SOUND_MAX_SECONDS} seconds.", code="sound_length")


def upload_to_gift_sound(instance, filename: str) -> str:
    """gifts/<gift>/<random>.<ext>: the uploader's file name is not kept (validation checked the extension)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"gifts/{instance.pk}/{uuid.uuid4().hex}.{extension}"


# --- The demo's sounds ------------------------------------------------------------------------------------------

_RATE = 22_050
# Each rarity's motif: (semitones above the gift's base note, seconds), played as short plucked notes.
_MOTIFS = {
    "common": [(0, 0.12), (7, 0.2)],
    "rare": [(0, 0.1), (4, 0.1), (7, 0.22)],
    "epic": [(0, 0.09), (4, 0.09), (7, 0.09), (12, 0.3)],
    "legendary": [(0, 0.1), (4, 0.1), (7, 0.1), (12, 0.1), (16, 0.1), (19, 0.45)],
}


def synthesised_gift_sound(*, rarity: str, base_hz: float) -> ContentFile:
    """A short chime as 16-bit mono WAV, made here with the standard library (no samples, nothing downloaded):
    an arpeggio up from ``base_hz``, longer and brighter the rarer the gift."""
    frames = bytearray()
    for semitones, seconds in _MOTIFS[rarity]:
        hz = base_hz * 2 ** (semitones / 12)
        count = int(_RATE * seconds)
        for n in range(count):
            t = n / _RATE
            envelope = min(1.0, n / 220) * math.exp(-4.0 * t / seconds)  # a soft attack, then a pluck's decay
            sample = math.sin(2 * math.pi * hz * t) + 0.35 * math.sin(4 * math.pi * hz * t)
            frames += struct.pack("<h", int(max(-1.0, min(1.0, 0.5 * envelope * sample)) * 32_767))
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(_RATE)
        sound.writeframes(bytes(frames))
    return ContentFile(out.getvalue(), name="sound.wav")
