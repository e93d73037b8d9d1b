"""Display names cannot impersonate: no badge look-alikes, no hidden or reordering characters, never empty.

One validator (``accounts.names.display_name_clean``) serves registration, /users/me and creator profiles
(those tests: streams/tests/test_api_creators.py).
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.forms import SignupForm
from accounts.models import User
from accounts.names import display_name_clean

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
ME = "/api/v1/users/me"

RLO, PDF, ZWSP, ZWJ, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u200d", "\u2066", "\u2069"

CLEANED = [
    (f"Ada{ZWSP} Okafor", "Ada Okafor"),
    (f"{RLO}rofakO adA{PDF}", "rofakO adA"),
    (f"Ada {LRI}Okafor{PDI}", "Ada Okafor"),
    (f"A{ZWJ}da\u00ad Oka\ufefffor", "Ada Okafor"),
    ("Ada\tOkafor\n", "Ada Okafor"),
    ("Ada   Okafor", "Ada Okafor"),
    ("\uff21\uff44\uff41 Okafor", "Ada Okafor"),  # fullwidth letters: NFKC
    ("Ada\u3164Okafor", "AdaOkafor"),  # Hangul filler: a blank that is a letter
]
BADGES = ["Ada Okafor ✔", "Ada Okafor ✔\ufe0f", "Ada ✓", "Ada ☑", "Ada ✅", "Ada 🗸", "Ada √", "Ada ⍻"]
BLANK = [ZWSP, f"{RLO}{PDF}", f"{ZWSP} {ZWJ}\u3164", "\u2800"]


@pytest.mark.parametrize(("raw", "clean"), CLEANED)
def test_hidden_and_reordering_characters_are_removed(raw, clean):
    assert display_name_clean(raw) == clean


@pytest.mark.parametrize("raw", BADGES)
def test_a_badge_character_is_reserved(raw):
    with pytest.raises(ValidationError) as refused:
        display_name_clean(raw)
    assert refused.value.error_dict["display_name"][0].code == "display_name_reserved"


@pytest.mark.parametrize("raw", BLANK)
def test_a_name_empty_after_cleaning_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        display_name_clean(raw)
    assert refused.value.error_dict["display_name"][0].code == "display_name_blank"


def test_a_name_long_after_normalising_is_refused():
    with pytest.raises(ValidationError) as refused:
        display_name_clean("\ufdfa" * 4)  # one character each, 18 after NFKC
    assert refused.value.error_dict["display_name"][0].code == "max_length"


def register(client, display_name):
    body = {"username": "ada", "email": "ada@example.com", "password": "Ekpe-mask-1975", "display_name": display_name}
    return client.post(REGISTER, body, format="json")


@pytest.mark.parametrize(("raw", "code"), [("Ada Okafor ✔", "display_name_reserved"), (ZWSP, "display_name_blank")])
def test_registration_refuses_an_impersonating_name(api_client, raw, code):
    response = register(api_client, raw)
    assert response.status_code == 400
    assert response.json()["code"] == code and "display_name" in response.json()
    assert not User.objects.filter(username="ada").exists()


def test_registration_stores_the_cleaned_name(api_client):
    response = register(api_client, f"{RLO}Ada{ZWSP} Okafor")
    assert response.status_code == 201
    assert User.objects.get(username="ada").display_name == "Ada Okafor"


def test_registration_without_a_name_still_uses_the_username(api_client):
    assert register(api_client, "").status_code == 201
    assert User.objects.get(username="ada").display_name == "ada"


def test_the_signup_page_shows_the_error_on_the_name():
    form = SignupForm(
        data={"username": "ada", "email": "ada@example.com", "password": "Ekpe-mask-1975", "display_name": "Ada ✔"}
    )
    assert form.is_valid() and form.save() is None
    assert "display_name" in form.errors and not User.objects.filter(username="ada").exists()


@pytest.mark.parametrize(
    ("raw", "code"), [("Ada Okafor ✅", "display_name_reserved"), (f"{RLO}{ZWSP}", "display_name_blank")]
)
def test_me_refuses_an_impersonating_name(auth_client, raw, code):
    before = User.objects.get(pk=auth_client.user.pk).display_name
    response = auth_client.patch(ME, {"display_name": raw}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert User.objects.get(pk=auth_client.user.pk).display_name == before


def test_me_stores_the_cleaned_name(auth_client):
    response = auth_client.patch(ME, {"display_name": f"Ada{ZWSP} {RLO}Okafor"}, format="json")
    assert response.status_code == 200 and response.json()["display_name"] == "Ada Okafor"
    assert User.objects.get(pk=auth_client.user.pk).display_name == "Ada Okafor"
