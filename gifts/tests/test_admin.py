from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.tests.factories import UserFactory
from gifts.models import Gift

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/gifts/gift/",
        "/admin/gifts/gift/add/",
        "/admin/gifts/sentgift/",
        "/admin/wallet/coinpackage/",
        "/admin/wallet/coinpackage/add/",
        "/admin/wallet/transaction/",
        "/admin/wallet/account/",
        "/admin/wallet/payment/",
        "/admin/wallet/payout/",
        "/admin/wallet/payoutdestination/add/",
    ],
)
def test_money_admin_pages_load(staff, url):
    assert staff.get(url).status_code == 200


def gift_form(image):
    return {
        "name": "Talking Drum",
        "description": "",
        "category": "traditional",
        "rarity": "rare",
        "cost_in_coins": 20,
        "naira_value": "100.00",
        "animation": "bounce",
        "is_active": "on",
        "sort_order": 0,
        "image": image,
    }


def test_staff_upload_a_gift_image_resized_and_previewed(staff):
    buffer = BytesIO()
    Image.new("RGB", (800, 600), (200, 120, 20)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("drum.png", buffer.getvalue(), content_type="image/png")
    response = staff.post("/admin/gifts/gift/add/", gift_form(upload))
    assert response.status_code == 302
    gift = Gift.objects.get()
    with Image.open(gift.image.path) as image:
        assert image.format == "WEBP" and max(image.size) == 256
    assert f'src="{gift.image.url}"' in staff.get("/admin/gifts/gift/").content.decode()


def test_a_fake_image_is_refused(staff):
    upload = SimpleUploadedFile("drum.png", b"not an image", content_type="image/png")
    response = staff.post("/admin/gifts/gift/add/", gift_form(upload))
    assert response.status_code == 200 and not Gift.objects.exists()


def test_the_ledger_cannot_be_edited_in_admin(staff):
    assert staff.get("/admin/wallet/transaction/add/").status_code == 403
