"""What the OpenAPI schema promises about the wallet's routes (schemathesis cannot provoke every answer)."""

from drf_spectacular.generators import SchemaGenerator


def test_a_purchase_documents_its_in_progress_conflict_and_gateway_failure():
    purchase = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/currency/purchase"]["post"]
    assert {"409", "502"} <= set(purchase["responses"])
    assert "idempotency_request_in_progress" in purchase["responses"]["409"]["description"]
