"""Pages of the Partner API's lists: DRF's LimitOffsetPagination, speaking the contract.

The body is `{"<items>": [...], "total_count": n, "has_more": bool}` (no next/previous links).
`limit` (1–100, default 50) and `offset` (≥ 0) are validated once, by the view's query serializer
(a `PageQuerySerializer`, together with the list's filters, so that every bad parameter is
reported in one 400 VALIDATION_ERROR). DRF's own parsing would silently replace a bad value by the
default or the maximum; the contract refuses it, so the paginator takes the validated values.
"""

from collections.abc import Mapping

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1


class PartnerApiPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
    template = None  # no browsable-API page controls: the API renders JSON only

    def __init__(self, items_key: str, query: Mapping[str, object]) -> None:
        self.items_key = items_key
        self.query = query  # the validated query string: its "limit" and "offset"

    def get_limit(self, request: Request) -> int:
        return self.query["limit"]

    def get_offset(self, request: Request) -> int:
        return self.query["offset"]

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                self.items_key: data,
                "total_count": self.count,
                "has_more": self.offset + len(data) < self.count,
            }
        )


def paginated_response(
    queryset: QuerySet, request: Request, *, items_key: str, item_serializer, query: Mapping
) -> Response:
    """One page of `queryset`, each item rendered by `item_serializer`, in the contract's body."""
    paginator = PartnerApiPagination(items_key, query)
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(item_serializer(page, many=True).data)
