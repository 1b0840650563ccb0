"""GET /admin/users' pagination, as GoTrue speaks it: `page` and `per_page` in the query, the
total in `x-total-count`, and a `link` header with rel="next" (while there is one) and
rel="last".

A DRF `PageNumberPagination` with GoTrue's rules: `page` 1–999999 and `per_page` up to
999999999, served as at most 1000 (a cap rather than an error); empty means the default (the
Python client sends `page=&per_page=` when they are not set); a page past the end is empty, not
a 404. Django's Paginator does the counting and slicing.
"""

from django.core.paginator import EmptyPage
from django.http import JsonResponse
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from .errors import validation_failed
from .representations import AUDIENCE

MAX_PAGE = 999_999
MAX_PER_PAGE_PARAM = 999_999_999


class GoTruePagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "per_page"
    page_size = 50
    max_page_size = 1000  # larger per_page values are served as 1000

    def read_params(self, request: Request) -> None:
        """Check page and per_page (before anything else of the request, as GoTrue does)."""
        self.request = request
        self.number = self._positive_int(request, self.page_query_param, 1, MAX_PAGE)
        size = self._positive_int(
            request, self.page_size_query_param, self.page_size, MAX_PER_PAGE_PARAM
        )
        self.size = min(size, self.max_page_size)

    @staticmethod
    def _positive_int(request: Request, field: str, default: int, maximum: int) -> int:
        raw = request.query_params.get(field)
        if raw in (None, ""):
            return default
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            raise validation_failed(f"Bad Pagination Parameters: {field} must be an integer")
        value = int(raw)
        if not 1 <= value <= maximum:
            raise validation_failed(
                f"Bad Pagination Parameters: {field} must be between 1 and {maximum}"
            )
        return value

    def paginate_queryset(self, queryset, request: Request, view=None) -> list:
        if getattr(self, "request", None) is not request:
            self.read_params(request)
        paginator = self.django_paginator_class(queryset, self.size)
        self.total, self.last_page = paginator.count, paginator.num_pages
        try:
            return list(paginator.page(self.number).object_list)
        except EmptyPage:
            return []

    def _link(self, page: int) -> str:
        return f"<{self.request.path}?page={page}&per_page={self.size}>"

    def get_paginated_response(self, data: list) -> JsonResponse:
        links = []
        if self.number < self.last_page:
            links.append(f'{self._link(self.number + 1)}; rel="next"')
        links.append(f'{self._link(self.last_page)}; rel="last"')
        response = JsonResponse({"aud": AUDIENCE, "users": data})
        response["x-total-count"] = str(self.total)
        response["link"] = ", ".join(links)
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["aud", "users"],
            "properties": {"aud": {"type": "string"}, "users": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": "1–999999; empty means 1 (the Python client sends it empty).",
                "schema": {"type": "string", "pattern": "^([1-9][0-9]{0,5})?$"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": "Page size; served up to 1000; empty means 50.",
                "schema": {"type": "string", "pattern": "^([1-9][0-9]{0,8})?$"},
            },
        ]
