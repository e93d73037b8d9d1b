"""What the schema promises about errors and inputs, and the input strictness that keeps those promises."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from conftest import client_for
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def responses(openapi, path, method):
    return openapi["paths"][f"/api/v1/{path}"][method]["responses"]


def test_error_responses_come_from_what_each_route_is_made_of(openapi):
    # a public read with no input: a bad token (401) and, naming a stream, 404; nothing else
    assert set(responses(openapi, "streams/{id}", "get")) == {"200", "401", "404"}
    # a creator's write: input, credentials, CSRF/ownership, unknown stream, media type, and its state (409)
    assert set(responses(openapi, "streams/{id}", "patch")) == {"200", "400", "401", "403", "404", "409", "415"}
    # a throttled route without authentication: no 401 or 403, but 429 with Retry-After
    token = responses(openapi, "auth/token", "post")
    assert set(token) == {"200", "400", "415", "429"}
    assert "Retry-After" in token["429"]["headers"]
    # Idempotency-Key routes may answer 422; the gateway's failure is 502
    assert {"422", "502"} <= set(responses(openapi, "currency/purchase", "post"))
    assert "422" in responses(openapi, "streams/{stream_id}/gifts", "post")
    # a paginated list without a path parameter still has its 404 (a page past the end)
    assert "404" in responses(openapi, "currency/transactions", "get")


def test_errors_have_the_contracts_body(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "retry_after", "until"}
    field_errors = openapi["components"]["schemas"]["FieldErrors"]
    assert field_errors["properties"] == {"code": {"type": "string"}}  # {"price_coins": [...], "code": "..."}
    bad_input = responses(openapi, "streams", "post")["400"]["content"]["application/json"]["schema"]
    assert bad_input == {
        "anyOf": [{"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/FieldErrors"}]
    }


def test_no_component_is_described_by_the_plumbing_it_mixes_in(openapi):
    """Classes without a docstring inherited StrictJSONInput's (a note for developers) as their description."""
    leaked = {
        name: schema["description"]
        for name, schema in openapi["components"]["schemas"].items()
        if "Mix into" in schema.get("description", "") or "Validates query parameters" in schema.get("description", "")
    }
    assert leaked == {}


def test_lists_are_documented_as_what_they_return(openapi):
    def body(path):
        return responses(openapi, path, "get")["200"]["content"]["application/json"]["schema"]["$ref"]

    assert body("currency/transactions").endswith("/PaginatedStatementRowList")
    assert body("users/{user_id}/gifts").endswith("/PaginatedSentGiftList")
    assert body("streams/{stream_id}/chat").endswith("/ChatHistory")
    chat_parameters = {p["name"] for p in openapi["paths"]["/api/v1/streams/{stream_id}/chat"]["get"]["parameters"]}
    assert {"before", "limit"} <= chat_parameters


def test_a_sent_gift_documents_its_combo(openapi):
    sent_gift = openapi["components"]["schemas"]["SentGift"]
    assert "combo" in sent_gift["required"] and sent_gift["properties"]["combo"]["type"] == "integer"


def test_adding_a_moderator_twice_documents_its_200(openapi):
    responses = openapi["paths"]["/api/v1/streams/{stream_id}/moderators"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


def test_output_only_some_callers_get_is_not_required(openapi):
    stream = openapi["components"]["schemas"]["Stream"]
    assert {"rtmp_url", "stream_key"}.isdisjoint(stream["required"]) and "rtmp_url" in stream["properties"]
    assert stream["properties"]["hls_url"]["nullable"] is True


def test_request_bodies_are_json_and_multipart_only_for_uploads(openapi):
    assert set(openapi["paths"]["/api/v1/streams"]["post"]["requestBody"]["content"]) == {"application/json"}
    creator = openapi["paths"]["/api/v1/creators/{username}"]["patch"]["requestBody"]["content"]
    assert set(creator) == {"application/json", "multipart/form-data"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("streams", {"title": 0}, "title"),
        ("streams", {"title": "Lesson", "is_premium": 1}, "is_premium"),
        ("streams", {"title": "Lesson", "max_viewers": "10"}, "max_viewers"),
        ("streams", {"title": "Lesson", "tags": ["yoruba", 7]}, "tags"),
        ("streams", {"title": "Lesson", "tags": "yoruba"}, "tags"),
        ("currency/purchase", {"package_id": 12, "payment_method": "card"}, "package_id"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_refused_not_coerced(user, path, body, field):
    response = client_for(user).post(f"/api/v1/{path}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_wrong_types_in_a_gift_and_a_nested_schedule_are_refused(user):
    client = client_for(user)
    coins_grant(user=user, coins=100, reason="test")
    stream, gift = StreamFactory(live=True), GiftFactory()
    response = client.post(
        f"/api/v1/streams/{stream.pk}/gifts", {"gift_id": str(gift.pk), "quantity": "2"}, format="json"
    )
    assert response.status_code == 400 and "quantity" in response.json()
    slot = {"day": "monday", "start_time": "18:00", "duration_minutes": "60"}
    schedule = {"slots": [slot]}  # written in the shape it is read in: {timezone, slots}
    response = client.patch(f"/api/v1/creators/{user.username}", {"schedule": schedule}, format="json")
    assert response.status_code == 400 and "Expected a whole number." in str(response.json()["schedule"])


@pytest.mark.django_db
def test_form_bodies_are_still_read_as_forms(user):
    form = {"bio": "Drummer", "subscription_price_coins": "25"}  # every form value is a string
    response = client_for(user).patch(f"/api/v1/creators/{user.username}", form, format="multipart")
    assert response.status_code == 200
    assert response.json()["bio"] == "Drummer" and response.json()["subscription_price_coins"] == 25


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["sort=", "status=", "sort=loudest", "status=paused", "q=" + "x" * 101])
def test_the_stream_list_refuses_empty_or_unknown_values(api_client, query):
    response = api_client.get(f"/api/v1/streams?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()
