"""A purchase's callback_url: the gateway sends the payer's browser there, so only the site's own origins."""

import pytest

from conftest import client_for
from wallet.models import Payment
from wallet.tests.factories import CoinPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://live.example"
    settings.ALLOWED_HOSTS = ["testserver", "live.example", "[::1]", ".tenant.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.live.example", "https://*.partner.example"]


def purchase(user, callback_url):
    package = CoinPackageFactory()
    body = {"package_id": str(package.pk), "payment_method": "card", "callback_url": callback_url}
    return client_for(user).post("/api/v1/currency/purchase", body, format="json")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "ftp://live.example/coins",
        "http://[::1]:6379/",
        "http://live.example/coins",  # not SITE_URL's scheme
        "https://live.example:8443/coins",
        "https://live.example.evil.example/",
        "https://evil.example\\@live.example/",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "coins/done",
        "https://www.live.example:444/",
        "https://partner.example.evil/",
    ],
)
def test_a_callback_url_off_the_sites_origins_is_a_field_error(site, user, url):
    response = purchase(user, url)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "untrusted_url" and "callback_url" in response.json()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("/coins/done?from=checkout", "https://live.example/coins/done?from=checkout"),
        ("https://live.example/coins", "https://live.example/coins"),
        ("https://LIVE.example:443/coins", "https://LIVE.example:443/coins"),
        ("https://www.live.example/back", "https://www.live.example/back"),
        ("https://shop.partner.example/back", "https://shop.partner.example/back"),
        ("https://a.tenant.example/back", "https://a.tenant.example/back"),
        ("", ""),
    ],
)
def test_a_path_or_a_url_on_the_sites_origins_is_accepted(site, user, url, stored):
    response = purchase(user, url)
    assert response.status_code == 200, response.json()
    assert Payment.objects.get().callback_url == stored
