"""Gated files sent by Django (local storage without nginx, i.e. ``make run``): single byte ranges, so a player
can seek in a recording (206 with Content-Range, 416 for a range past the end, Accept-Ranges), HEAD alike, and
under ASGI (daphne) the bytes stream from the file instead of being read into memory first."""

import asyncio
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.test import RequestFactory
from django.utils.http import http_date

from livestream import views as file_views

DATA = bytes(range(256)) * 40  # 10,240 bytes: more than one block of a file response
SIZE = len(DATA)


@pytest.fixture
def name():
    return default_storage.save("private/recordings/stream/recording.mp4", ContentFile(DATA))


def send(name: str, method: str = "get", **headers):
    request = getattr(RequestFactory(), method)("/files/token/recording.mp4", headers=headers)
    return file_views.file_response(name, request=request)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_whole_file_says_it_accepts_byte_ranges(name):
    response = send(name)
    assert response.status_code == 200 and body(response) == DATA
    assert response["Accept-Ranges"] == "bytes" and response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4" and response["Cache-Control"] == "private"
    assert "Content-Range" not in response


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-3", 0, 3),
        ("bytes=100-4999", 100, 4999),
        ("bytes=10000-", 10000, SIZE - 1),
        ("bytes=0-", 0, SIZE - 1),  # what a <video> asks first
        ("bytes=-5", SIZE - 5, SIZE - 1),
        ("bytes=9000-99999", 9000, SIZE - 1),  # an end past the file ends with it
        ("bytes=-99999", 0, SIZE - 1),  # a suffix longer than the file is all of it
        ("bytes=4096-4096", 4096, 4096),
        ("Bytes=1-2", 1, 2),  # the unit is case-insensitive
    ],
)
def test_a_single_byte_range_is_sent_as_partial_content(name, header, start, end):
    response = send(name, range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == DATA[start : end + 1]
    assert response["Accept-Ranges"] == "bytes" and response["Cache-Control"] == "private"


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0"])
def test_a_range_past_the_end_is_not_satisfiable(name, header):
    response = send(name, range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response["Cache-Control"] == "private"


@pytest.mark.parametrize(
    "header", ["bytes=5-2", "bytes=abc", "items=0-3", "bytes=0-1,4-5", "bytes=", "bytes=-", "0-3", "bytes=1-2-3"]
)
def test_a_malformed_or_multiple_range_is_ignored_and_the_whole_file_sent(name, header):
    response = send(name, range=header)
    assert response.status_code == 200 and body(response) == DATA
    assert "Content-Range" not in response


def test_head_answers_the_same_headers_without_reading_the_file(name):
    with_range = send(name, "head", range="bytes=10-19")
    assert with_range.status_code == 206 and with_range["Content-Range"] == f"bytes 10-19/{SIZE}"
    assert with_range["Content-Length"] == "10" and body(with_range) == b""
    whole = send(name, "head")
    assert whole.status_code == 200 and whole["Content-Length"] == str(SIZE) and body(whole) == b""
    assert whole["Accept-Ranges"] == "bytes"
    assert send(name, "head", range="bytes=99999-").status_code == 416


def test_if_range_sends_the_part_only_while_the_file_is_unchanged(name):
    last_modified = send(name)["Last-Modified"]
    assert last_modified == http_date(default_storage.get_modified_time(name).timestamp())
    assert send(name, range="bytes=0-3", if_range=last_modified).status_code == 206
    older = http_date((default_storage.get_modified_time(name) - timedelta(days=1)).timestamp())
    for validator in (older, '"some-etag"'):
        response = send(name, range="bytes=0-3", if_range=validator)
        assert response.status_code == 200 and body(response) == DATA


def test_without_a_request_no_range_is_offered(name):
    response = file_views.file_response(name, as_attachment=True, download_name="statement.mp4")
    assert response.status_code == 200 and body(response) == DATA
    assert "Accept-Ranges" not in response
    assert response["Content-Disposition"] == 'attachment; filename="statement.mp4"'


def test_under_asgi_the_range_streams_from_the_file_in_blocks(name, monkeypatch):
    monkeypatch.setattr(file_views, "BLOCK_SIZE", 4096)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/files/token/recording.mp4",
        "query_string": b"",
        "headers": [(b"range", b"bytes=1000-")],
    }
    response = file_views.file_response(name, request=ASGIRequest(scope, io.BytesIO()))
    assert response.status_code == 206 and response.is_async  # not read whole into a list by Django first

    async def collect() -> list[bytes]:
        return [part async for part in response.streaming_content]

    parts = asyncio.run(collect())
    assert b"".join(parts) == DATA[1000:] and [len(part) for part in parts] == [4096, 4096, SIZE - 1000 - 8192]


def test_under_nginx_django_leaves_ranges_to_nginx(name, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected-media/"
    response = send(name, range="bytes=0-3")
    assert response.status_code == 200 and body(response) == b""
    assert response["X-Accel-Redirect"] == "/_protected-media/recordings/stream/recording.mp4"
