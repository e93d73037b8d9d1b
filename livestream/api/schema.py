"""The OpenAPI schema documents every answer a route gives, errors included, without per-view boilerplate.

``AutoSchema`` (DRF's ``DEFAULT_SCHEMA_CLASS``) adds to each operation the error responses it can produce,
read from what the route is made of:

- 400 (the error body or DRF's field errors) when it takes a body or query parameters, or writes;
- 401 when it authenticates (a bad token is refused even where no user is needed);
- 403 when it writes as a user (CSRF, the platform's rules) or checks object permissions;
- 404 when its path names something (or it is a paginated list: a page past the end);
- 415 when it takes a body; 422 when it honours an ``Idempotency-Key``; 429 when it is throttled.

What only a service knows (a 409 state conflict, a 429 slow mode, a 502 gateway failure) a view declares with
``extend_schema(responses={..., **error_responses(409)})``. Every error body is the contract's
``{"detail", "code", "retry_after"?, "until"?}`` (``Error``), or, for invalid fields, ``{"field": ["..."]}``.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Permissions that never refuse a signed-in caller: anything else may answer 403.
NEVER_FORBID = {permissions.AllowAny, permissions.IsAuthenticated, permissions.IsAuthenticatedOrReadOnly}


class ErrorSerializer(serializers.Serializer):
    """An error: a sentence for people and a stable code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable, for programs: not_found, invalid_transition, slow_mode, ...")
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait before trying again.")
    until = serializers.DateTimeField(required=False, help_text="When the restriction (a timeout) ends.")

    class Meta:
        ref_name = "Error"


# DRF's shape for invalid input: each field (or non_field_errors) with its messages; nested input nests; a
# refusal the contract names adds its stable `code` beside the field.
FIELD_ERRORS = {
    "type": "object",
    "description": 'Invalid input: each field with its messages, e.g. {"title": ["This field is required."]}, '
    "and a `code` where the refusal has one.",
    "properties": {"code": {"type": "string"}},
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}

DESCRIPTIONS = {
    400: "Bad input: the error body, or the invalid fields with their messages.",
    401: "Not authenticated, or the credentials are invalid (code `not_authenticated`, `authentication_failed`).",
    403: "Authenticated but not allowed (code `permission_denied` or the rule's code).",
    404: "No such thing, or one the caller may not see (code `not_found`).",
    409: "The current state refuses the request (code `invalid_transition` or the conflict's code).",
    415: "The request body's content type is not accepted (code `unsupported_media_type`).",
    422: "This Idempotency-Key was used for a different request (code `idempotency_key_reused`).",
    429: "Too many requests (code `throttled` or the rule's); `Retry-After` says when to try again.",
    502: "A service the platform relies on (the payment gateway) failed; nothing was done.",
}

# A URL the caller may not be given (not live, no access, no image): null.
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}

RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Responses to declare in ``extend_schema`` for errors only a service knows of (409, 429, 502, ...)."""
    return {status: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS.get(status, "")) for status in statuses}


def results_of(serializer_class, name: str):
    """The schema of ``{"results": [...]}``, the body of a short list that is not paginated."""
    return type(name, (serializers.Serializer,), {"results": serializer_class(many=True)})


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in sorted(self.error_statuses(operation)):
            if str(status) not in responses:
                responses[str(status)] = self.error_response(status)
            if status == 429:
                responses[str(status)].setdefault("headers", {}).update(RETRY_AFTER)
        return operation

    def _map_basic_serializer(self, serializer, direction):
        """Output fields only some callers get (``Meta.optional_fields``, e.g. the owner's stream key) are not
        required: drf-spectacular marks every read-only field required."""
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(getattr(serializer, "Meta", None), "optional_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def error_statuses(self, operation: dict) -> set[int]:
        """The error statuses this route can answer with, from its method, inputs, authentication and policy."""
        statuses = set()
        has_body = "requestBody" in operation
        takes_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
        names_something = any(parameter["in"] == "path" for parameter in operation.get("parameters", []))
        writes = self.method in UNSAFE_METHODS
        authenticates = bool(self.view.get_authenticators())
        if has_body or takes_query or writes:
            statuses.add(400)
        if authenticates:
            statuses.add(401)
        if authenticates and (writes or self._may_forbid()):
            statuses.add(403)
        if names_something or (self._is_list_view() and self._get_paginator() is not None):
            statuses.add(404)
        if has_body:
            statuses.add(415)
        if any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in operation.get("parameters", [])):
            statuses.add(422)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _may_forbid(self) -> bool:
        """A read can be forbidden when a permission beyond "signed in" applies to it."""
        public = getattr(self.view, "public_read_actions", None)
        if public is not None and getattr(self.view, "action", None) in public:
            return False
        return any(type(permission) not in NEVER_FORBID for permission in self.view.get_permissions())

    def error_response(self, status: int) -> dict:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        if status == 400:
            field_errors = ResolvedComponent(
                name="FieldErrors", type=ResolvedComponent.SCHEMA, schema=FIELD_ERRORS, object="FieldErrors"
            )
            self.registry.register_on_missing(field_errors)
            schema = {"anyOf": [error, field_errors.ref]}
        else:
            schema = error
        media_types = self.map_renderers("media_type")
        return {
            "content": {media_type: {"schema": schema} for media_type in media_types},
            "description": DESCRIPTIONS[status],
        }
