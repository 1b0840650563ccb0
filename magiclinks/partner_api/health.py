"""`GET /v1beta/health`: no key, no limit; 503 "degraded" when the database or cache is down.
The same checks as `/readyz` (config.health), in the Partner API's format."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.health import cache_ok, database_ok

from .base import PartnerApiView
from .representations import HealthSerializer


class HealthView(PartnerApiView):
    # Public and unlimited by contract: load balancers poll it.
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        operation_id="health",
        summary="Service health",
        auth=[],
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, description="Database or cache unreachable."),
        },
    )
    def get(self, request: Request) -> Response:
        checks = {
            "database": "ok" if database_ok() else "unavailable",
            "cache": "ok" if cache_ok() else "unavailable",
        }
        healthy = all(value == "ok" for value in checks.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "timestamp": timezone.now(),
            "checks": checks,
        }
        return Response(HealthSerializer(body).data, status=200 if healthy else 503)
