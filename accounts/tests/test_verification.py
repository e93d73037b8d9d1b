"""Verification: a creator applies, staff approve or reject (with a reason) in the admin, the creator is told by
e-mail after commit and on the studio page; one open request at a time; the badge's one path."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User, VerificationRequest
from accounts.services import verification_apply, verification_decide, verification_grant, verification_revoke
from accounts.tests.factories import UserFactory
from conftest import client_for
from livestream.errors import Conflict

pytestmark = pytest.mark.django_db

API = "/api/v1/verification"
APPLICATION = {
    "full_name": "Adaeze Okafor",
    "about": "I teach Igbo to children at the Great Nigeria Library.",
    "links": ["https://example.com/adaeze", "https://library.example.ng/teachers/adaeze"],
    "reason": "Parents look for my lessons and find impostors.",
}


def apply(user, **overrides):
    return verification_apply(user=user, **{**APPLICATION, **overrides})


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


# --- Services ------------------------------------------------------------------------------------


def test_applying_opens_one_request_and_a_second_is_refused():
    user = UserFactory()
    request = apply(user)
    assert (request.status, request.full_name, request.links) == (
        VerificationRequest.Status.PENDING,
        "Adaeze Okafor",
        APPLICATION["links"],
    )
    with pytest.raises(Conflict) as refused:
        apply(user)
    assert refused.value.code == "verification_pending"
    assert VerificationRequest.objects.count() == 1


def test_the_table_holds_one_open_request_even_past_the_service():
    request = apply(UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRequest.objects.create(applicant=request.applicant, full_name="x", about="x", reason="x")


def test_a_verified_user_cannot_apply():
    with pytest.raises(Conflict) as refused:
        apply(UserFactory(is_verified=True))
    assert refused.value.code == "already_verified"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": "  "}, "full_name"),
        ({"reason": ""}, "reason"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"links": [f"https://example.com/{n}" for n in range(6)]}, "links"),
        ({"about": "x" * 1001}, "about"),
    ],
)
def test_an_application_is_checked_field_by_field(overrides, field):
    with pytest.raises(ValidationError) as refused:
        apply(UserFactory(), **overrides)
    assert field in refused.value.message_dict
    assert not VerificationRequest.objects.exists()


def test_approving_sets_the_badge_and_mails_the_applicant_after_commit(staff, django_capture_on_commit_callbacks):
    request = apply(UserFactory(email="ada@example.com"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decided = verification_decide(request_id=request.pk, decided_by=staff, approve=True)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert decided.status == VerificationRequest.Status.APPROVED and decided.decided_by == staff
    assert User.objects.get(pk=request.applicant_id).is_verified is True
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert "approved" in mail.outbox[0].body and "/studio/verification/" in mail.outbox[0].body


def test_a_decision_that_rolls_back_sends_nothing(staff, django_capture_on_commit_callbacks):
    request = apply(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                verification_decide(request_id=request.pk, decided_by=staff, approve=True)
                raise RuntimeError("the caller's transaction fails")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert User.objects.get(pk=request.applicant_id).is_verified is False
    assert VerificationRequest.objects.get().status == VerificationRequest.Status.PENDING


def test_rejecting_needs_a_reason_the_applicant_reads(staff, django_capture_on_commit_callbacks):
    request = apply(UserFactory())
    with pytest.raises(ValidationError) as refused:
        verification_decide(request_id=request.pk, decided_by=staff, approve=False, rejection_reason=" ")
    assert "rejection_reason" in refused.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        verification_decide(
            request_id=request.pk, decided_by=staff, approve=False, rejection_reason="The links do not show you."
        )
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == ("rejected", "The links do not show you.")
    assert User.objects.get(pk=request.applicant_id).is_verified is False
    assert "The links do not show you." in mail.outbox[0].body
    with pytest.raises(Conflict) as again:
        verification_decide(request_id=request.pk, decided_by=staff, approve=True)
    assert again.value.code == "verification_decided"
    assert apply(request.applicant).status == "pending"  # and they may apply again


def test_grant_and_revoke_are_the_badges_other_doors(staff, django_capture_on_commit_callbacks):
    applicant, direct = UserFactory(), UserFactory()
    open_request = apply(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        assert verification_grant(users=[applicant, direct], decided_by=staff) == 2
    assert User.objects.filter(pk__in=[applicant.pk, direct.pk], is_verified=True).count() == 2
    open_request.refresh_from_db()
    assert open_request.status == "approved"
    assert VerificationRequest.objects.filter(applicant=direct, status="approved").exists()
    assert verification_grant(users=[applicant], decided_by=staff) == 0  # already verified
    with pytest.raises(ValidationError):
        verification_revoke(users=[applicant], decided_by=staff, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        assert verification_revoke(users=[applicant], decided_by=staff, reason="Impersonation reported.") == 1
    open_request.refresh_from_db()
    assert (open_request.status, open_request.rejection_reason) == ("revoked", "Impersonation reported.")
    assert User.objects.get(pk=applicant.pk).is_verified is False
    assert len(mail.outbox) == 3 and "Impersonation reported." in mail.outbox[-1].body


# --- Admin -------------------------------------------------------------------------------------


def test_staff_approve_from_the_list(staff_client, django_capture_on_commit_callbacks):
    requests = [apply(UserFactory()) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/accounts/verificationrequest/",
            {"action": "approve", "_selected_action": [r.pk for r in requests]},
            follow=True,
        )
    assert "2 request(s) approved" in response.content.decode()
    assert User.objects.filter(is_verified=True).count() == 2
    assert len(mail.outbox) == 2


def test_the_reject_action_asks_for_a_reason_first(staff_client, django_capture_on_commit_callbacks):
    request = apply(UserFactory())
    url = "/admin/accounts/verificationrequest/"
    page = staff_client.post(url, {"action": "reject", "_selected_action": [request.pk]})
    assert page.status_code == 200 and "rejection_reason" in page.content.decode()
    assert VerificationRequest.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url, {"action": "reject", "_selected_action": [request.pk], "rejection_reason": "Not enough links."}
        )
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == ("rejected", "Not enough links.")
    assert "Not enough links." in mail.outbox[0].body


def test_the_change_form_decides_through_the_service(staff_client, staff, django_capture_on_commit_callbacks):
    request = apply(UserFactory())
    url = f"/admin/accounts/verificationrequest/{request.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200 and 'name="decision"' in page.content.decode()
    refused = staff_client.post(url, {"decision": "reject", "rejection_reason": ""})
    assert refused.status_code == 200 and "Tell the applicant why" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"decision": "approve", "rejection_reason": ""})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", staff)
    assert request.applicant.__class__.objects.get(pk=request.applicant_id).is_verified
    assert len(mail.outbox) == 1
    decided = staff_client.get(url).content.decode()
    assert 'name="decision"' not in decided  # a decided request is read-only


def test_the_admin_list_loads_and_offers_no_add(staff_client):
    apply(UserFactory())
    assert staff_client.get("/admin/accounts/verificationrequest/").status_code == 200
    assert staff_client.get("/admin/accounts/verificationrequest/add/").status_code == 403


# --- API ---------------------------------------------------------------------------------------


def test_the_api_shows_and_opens_the_callers_request():
    user = UserFactory()
    client = client_for(user)
    assert client.get(API).json() == {"is_verified": False, "request": None}
    created = client.post(API, APPLICATION, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["request"]["status"] == "pending" and body["request"]["links"] == APPLICATION["links"]
    assert client.get(API).json()["request"]["id"] == body["request"]["id"]
    again = client.post(API, APPLICATION, format="json")
    assert again.status_code == 409 and again.json()["code"] == "verification_pending"


def test_the_api_refuses_a_verified_caller_and_bad_fields_and_strangers(api_client):
    verified = client_for(UserFactory(is_verified=True))
    refused = verified.post(API, APPLICATION, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "already_verified"
    bad = client_for(UserFactory()).post(API, {**APPLICATION, "links": ["not a link"]}, format="json")
    assert bad.status_code == 400 and "links" in bad.json()
    assert api_client.get(API).status_code == 401


# --- The studio page ---------------------------------------------------------------------------


def test_the_studio_page_applies_then_shows_the_state_and_a_rejections_reason(client, staff):
    user = UserFactory()
    client.force_login(user)
    url = reverse("studio-verification")
    page = client.get(url)
    assert page.status_code == 200 and "Apply for the badge" in page.content.decode()
    form = {**APPLICATION, "links": "\n".join(APPLICATION["links"])}
    response = client.post(url, form, follow=True)
    body = response.content.decode()
    assert "Your request was sent" in body and "Under review" in body and "Apply for the badge" not in body
    assert VerificationRequest.objects.get(applicant=user).links == APPLICATION["links"]
    verification_decide(
        request_id=VerificationRequest.objects.get().pk, decided_by=staff, approve=False, rejection_reason="Who?"
    )
    body = client.get(url).content.decode()
    assert "Not approved" in body and "Who?" in body and "Apply again" in body
    assert 'value="Adaeze Okafor"' in body  # applying again starts from the last request


def test_the_studio_page_shows_field_errors_and_the_verified_state(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("studio-verification")
    response = client.post(url, {**APPLICATION, "links": "ftp://nope"})
    assert response.status_code == 200 and response.context["form"].errors["links"]
    verified = UserFactory(is_verified=True)
    client.force_login(verified)
    body = client.get(url).content.decode()
    assert "You are verified." in body and '<form method="post" class="verification-form"' not in body


def test_the_studio_page_needs_sign_in(client):
    response = client.get(reverse("studio-verification"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
