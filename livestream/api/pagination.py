from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`page` and `limit` (at most 100), answered as {count, next, previous, results}.

    A `page` or `limit` that is not a whole number from 1 is refused (400 with a field error) instead of being
    silently replaced by the default; a larger `limit` gets 100 rows; a page past the end is 404.
    """

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100
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
                "description": f"Rows per page, from 1; at most {self.max_page_size} are returned.",
                "schema": {"type": "integer", "minimum": 1, "default": self.page_size},
            },
        ]


def _positive_int(request, name: str) -> int | None:
    """The query parameter ``name`` as a whole number from 1; None when absent; a 400 field error otherwise."""
    if name not in request.query_params:
        return None
    raw = request.query_params[name].strip()
    digits = raw.lstrip("0")
    if raw.isascii() and raw.isdigit() and digits:
        return int(digits) if len(digits) <= 18 else 10**18  # past any page and any limit, without a huge int
    raise serializers.ValidationError({name: ["A whole number from 1 is required."]})
