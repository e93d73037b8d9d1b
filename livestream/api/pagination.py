"""Paging and `limit`, one definition for every list: the paginated lists and the lists that take only a `limit`
(a stream's recent gifts, chat history) cap it, refuse it and describe it alike."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

LIMIT_MAX = 100  # rows a list returns at most; a larger `limit` is capped, not refused
LIMIT_DESCRIPTION = f"Rows per page, from 1; at most {LIMIT_MAX} are returned."
NOT_A_WHOLE_NUMBER = "A whole number from 1 is required."


def whole_number_from_1(raw: str) -> int | None:
    """``raw`` (a query parameter) as a whole number from 1, or None if it is not one: ASCII digits only, with
    surrounding spaces and leading zeros allowed; past 10**18 reads as 10**18 (beyond any page and any limit,
    without building a huge int)."""
    raw = raw.strip()
    digits = raw.lstrip("0")
    if raw.isascii() and raw.isdigit() and digits:
        return int(digits) if len(digits) <= 18 else 10**18
    return None


@extend_schema_field({"type": "integer", "minimum": 1})
class LimitField(serializers.Field):
    """A list's `limit` query parameter in a QuerySerializer: what PagePagination reads, capped at LIMIT_MAX."""

    default_error_messages = {"invalid": NOT_A_WHOLE_NUMBER}

    def __init__(self, *, default: int, **kwargs):
        super().__init__(required=False, default=default, help_text=LIMIT_DESCRIPTION, **kwargs)

    def to_internal_value(self, data) -> int:
        number = whole_number_from_1(data) if isinstance(data, str) else None
        if number is None:
            self.fail("invalid")
        return min(number, LIMIT_MAX)

    def to_representation(self, value) -> int:
        return value


class PagePagination(PageNumberPagination):
    """`page` and `limit` (at most 100), answered as {count, next, previous, results}.

    A `page` or `limit` that is not a whole number from 1 is refused (400 with a field error) instead of being
    silently replaced by the default; a larger `limit` gets 100 rows; a page past the end is 404.
    """

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = LIMIT_MAX
    last_page_strings = ()  # the contract's `page` is a number

    def get_page_size(self, request):
        limit = _positive_int(request, self.page_size_query_param)
        return self.page_size if limit is None else min(limit, self.max_page_size)

    def get_page_number(self, request, paginator):
        page = _positive_int(request, self.page_query_param)
        return 1 if page is None else page

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1 (a page past the end is 404).",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": LIMIT_DESCRIPTION,
                "schema": {"type": "integer", "minimum": 1, "default": self.page_size},
            },
        ]


def _positive_int(request, name: str) -> int | None:
    """The query parameter ``name`` as a whole number from 1; None when absent; a 400 field error otherwise."""
    if name not in request.query_params:
        return None
    number = whole_number_from_1(request.query_params[name])
    if number is None:
        raise serializers.ValidationError({name: [NOT_A_WHOLE_NUMBER]})
    return number
