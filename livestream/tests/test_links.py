from django.test import RequestFactory

from livestream.links import absolute_url


def test_a_link_is_made_absolute_against_the_request_or_the_site(settings):
    settings.SITE_URL = "https://live.example.ng"
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert absolute_url("/media/gifts/rose.webp", request) == "http://testserver/media/gifts/rose.webp"
    assert absolute_url("/media/gifts/rose.webp") == "https://live.example.ng/media/gifts/rose.webp"
    signed = "https://bucket.example.com/gifts/rose.webp?X-Amz-Signature=abc"
    assert absolute_url(signed) == signed and absolute_url(signed, request) == signed
