"""Sign-up and log-in keep where the visitor was going (a local path only), password reset by e-mail, the
settings page (its errors shown on the form), and the branded 404 and 500 pages."""

import re
from io import BytesIO

import pytest
from django.core import mail
from django.template import loader
from django.test import Client, RequestFactory
from PIL import Image

from accounts.models import User
from accounts.tests.factories import PASSWORD
from livestream.api.views import server_error
from livestream.origins import local_path

pytestmark = pytest.mark.django_db

UNSAFE_NEXT = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "http://testserver/streams/",
    "javascript:alert(1)",
    "",
]
NEW_USER = {"username": "ngozi", "email": "ngozi@example.com", "password": "Ofala-festival-88"}


def test_local_path_keeps_paths_on_this_site_only():
    assert local_path("/streams/1/?t=2#x") == "/streams/1/?t=2#x"
    for unsafe in [*UNSAFE_NEXT, None, "streams/1/", "/a\tb", "/" + "a" * 500]:
        assert local_path(unsafe) == ""


def test_sign_up_goes_back_to_next():
    response = Client().post("/accounts/signup/", {**NEW_USER, "next": "/streams/1/"})
    assert response.status_code == 302 and response["Location"] == "/streams/1/"


@pytest.mark.parametrize("unsafe", UNSAFE_NEXT)
def test_sign_up_and_log_in_never_follow_an_unsafe_next(unsafe, user):
    client = Client()
    assert client.post("/accounts/signup/", {**NEW_USER, "next": unsafe})["Location"] == "/"
    response = Client().post(f"/accounts/login/?next={unsafe}", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "evil" not in Client().get("/accounts/login/", {"next": unsafe}).content.decode()


def test_log_in_goes_back_to_next_and_the_forms_carry_it(user):
    page = Client().get("/accounts/login/?next=/streams/1/").content.decode()
    assert '<input type="hidden" name="next" value="/streams/1/">' in page
    assert 'href="/accounts/signup/?next=/streams/1/"' in page  # to sign up instead, keeping it
    signup = Client().get("/accounts/signup/?next=/streams/1/").content.decode()
    assert '<input type="hidden" name="next" value="/streams/1/">' in signup
    assert 'href="/accounts/login/?next=/streams/1/"' in signup
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD, "next": "/wallet/"})
    assert response["Location"] == "/wallet/"


def test_the_header_links_keep_the_page_for_visitors_and_show_coins_to_members(user):
    page = Client().get("/?q=1").content.decode()
    assert 'href="/accounts/login/?next=/%3Fq%3D1"' in page and 'href="/accounts/signup/?next=/%3Fq%3D1"' in page
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'aria-label="Wallet: 0 coins"' in page and 'href="/wallet/?next=/"' in page
    assert 'href="/accounts/settings/"' in page


def test_signed_in_visitors_skip_sign_up_to_next(user):
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/signup/?next=/wallet/")["Location"] == "/wallet/"
    assert client.get("/accounts/login/?next=/wallet/")["Location"] == "/wallet/"


def test_password_reset_by_e_mail_end_to_end(user):
    client = Client()
    assert "Reset your password" in client.get("/accounts/password-reset/").content.decode()
    response = client.post("/accounts/password-reset/", {"email": user.email.upper()})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email] and "Reset your password" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token for a session-held one
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = client.post(set_url, {"new_password1": "Brand-new-Pass-42", "new_password2": "Brand-new-Pass-42"})
    assert done["Location"] == "/accounts/reset/done/"
    assert "Your password is changed" in client.get(done["Location"]).content.decode()

    user.refresh_from_db()
    assert user.check_password("Brand-new-Pass-42")
    used = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in used  # once only


def test_password_reset_tells_nobody_who_is_registered():
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


@pytest.fixture
def settings_client(user):
    client = Client()
    client.force_login(user)
    return client


def png(size=(64, 64)) -> BytesIO:
    out = BytesIO()
    Image.new("RGB", size, (0, 135, 81)).save(out, format="PNG")
    out.seek(0)
    out.name = "me.png"
    return out


def test_settings_asks_for_a_log_in():
    assert Client().get("/accounts/settings/")["Location"] == "/accounts/login/?next=/accounts/settings/"


def test_settings_changes_the_display_name(settings_client, user):
    response = settings_client.post("/accounts/settings/", {"section": "profile", "display_name": "  Ngozi   A. "})
    assert response.status_code == 303
    user.refresh_from_db()
    assert user.display_name == "Ngozi A."
    assert "Your profile is saved." in settings_client.get("/accounts/settings/").content.decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Ngozi ✔", "Display names may not contain check marks"),
        ("\u200b\u200b", "Enter a display name with visible letters."),
        ("N" * 61, "at most 60 characters"),
    ],
)
def test_settings_shows_display_name_errors_on_the_form(settings_client, user, name, message):
    response = settings_client.post("/accounts/settings/", {"section": "profile", "display_name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == user.username.title()


def test_settings_uploads_an_avatar_through_the_image_processing(settings_client, user):
    response = settings_client.post(
        "/accounts/settings/", {"section": "profile", "display_name": "Ngozi", "avatar": png()}
    )
    assert response.status_code == 303
    page = settings_client.get("/accounts/settings/").content.decode()
    avatar = re.search(r'<img class="avatar" src="([^"]+)"', page).group(1)
    assert avatar.endswith(".webp") and f"avatars/{user.pk}/" in avatar


def test_settings_shows_image_errors_and_saves_nothing(settings_client, user):
    broken = BytesIO(b"not an image")
    broken.name = "me.png"
    response = settings_client.post(
        "/accounts/settings/", {"section": "profile", "display_name": "Changed", "avatar": broken}
    )
    assert response.status_code == 400
    assert "Upload a valid image" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name != "Changed"


def test_settings_changes_the_e_mail_with_the_current_password(settings_client, user, other_user):
    wrong = settings_client.post(
        "/accounts/settings/", {"section": "email", "email": "new@example.com", "current_password": "nope"}
    )
    assert wrong.status_code == 400 and "That is not your current password." in wrong.content.decode()
    taken = settings_client.post(
        "/accounts/settings/",
        {"section": "email", "email": other_user.email.upper(), "current_password": PASSWORD},
    )
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    invalid = settings_client.post(
        "/accounts/settings/", {"section": "email", "email": "not-an-address", "current_password": PASSWORD}
    )
    assert invalid.status_code == 400 and "Enter a valid email address." in invalid.content.decode()
    ok = settings_client.post(
        "/accounts/settings/", {"section": "email", "email": "New@Example.com", "current_password": PASSWORD}
    )
    assert ok.status_code == 303
    assert User.objects.get(pk=user.pk).email == "new@example.com"


def test_settings_changes_the_gift_confirmation_threshold(settings_client, user):
    page = settings_client.get("/accounts/settings/").content.decode()
    assert 'name="gift_confirm_threshold"' in page and 'value="100"' in page
    response = settings_client.post("/accounts/settings/", {"section": "gifts", "gift_confirm_threshold": "250"})
    assert response.status_code == 303
    user.refresh_from_db()
    assert user.gift_confirm_threshold == 250
    assert "Your gift confirmation is saved." in settings_client.get("/accounts/settings/").content.decode()


@pytest.mark.parametrize("value", ["-1", "1000001", "many", ""])
def test_settings_shows_threshold_errors_and_keeps_the_old_value(settings_client, user, value):
    response = settings_client.post("/accounts/settings/", {"section": "gifts", "gift_confirm_threshold": value})
    assert response.status_code == 400
    assert 'class="field-errors"' in response.content.decode()
    user.refresh_from_db()
    assert user.gift_confirm_threshold == 100


def test_settings_refuses_an_unknown_section(settings_client):
    assert settings_client.post("/accounts/settings/", {"section": "admin"}).status_code == 400


def test_the_404_page_is_branded_with_a_way_home():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page and 'href="/"' in page and "Go to the home page" in page


def test_the_500_page_needs_no_request_context():
    page = loader.get_template("500.html").render()  # no request, no context processors, no user
    assert "Something went wrong on our side" in page and 'href="/"' in page
    response = server_error(RequestFactory().get("/streams/"))
    assert response.status_code == 500 and b"Go to the home page" in response.content


def test_a_crashing_page_answers_the_branded_500(monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("discovery.views.render", crash)  # the home page's view fails
    client = Client(raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 500 and b"Something went wrong on our side" in response.content


def test_a_signed_in_user_changes_their_password_and_stays_signed_in(settings_client, user):
    wrong = settings_client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "Brand-new-Pass-42", "new_password2": "Brand-new-Pass-42"},
    )
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in wrong.content.decode()
    response = settings_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-Pass-42", "new_password2": "Brand-new-Pass-42"},
    )
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password("Brand-new-Pass-42")
    assert Client().get("/accounts/password/")["Location"] == "/accounts/login/?next=/accounts/password/"


def test_password_reset_e_mails_are_limited_per_address_without_saying_so(user):
    for _ in range(5):
        response = Client().post("/accounts/password-reset/", {"email": user.email})
        assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 3
