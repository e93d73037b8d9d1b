from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`page` and `limit` (at most 100), answered as {count, next, previous, results}."""

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100
