"""`GET /v1beta/health`: no key, no limit; 503 "degraded" when the database or cache is down."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from .base import PartnerApiView
from .representations import HealthSerializer

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:  # any driver error means "unreachable" here
        logger.warning("health: database check failed: %s", type(exc).__name__)
        return False


def _cache_ok() -> bool:
    probe = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(probe, "1", 5)
        ok = cache.get(probe) == "1"
        cache.delete(probe)
        return ok
    except Exception as exc:  # the cache backends raise driver-specific errors
        logger.warning("health: cache check failed: %s", type(exc).__name__)
        return False


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
            "database": "ok" if _database_ok() else "unavailable",
            "cache": "ok" if _cache_ok() else "unavailable",
        }
        healthy = all(value == "ok" for value in checks.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "timestamp": timezone.now(),
            "checks": checks,
        }
        return Response(HealthSerializer(body).data, status=200 if healthy else 503)
