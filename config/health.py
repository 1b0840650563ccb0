"""Dependency checks shared by the health endpoints (`/readyz`, `GET /v1beta/health`): can the
database answer, can the cache (Redis in production) store and read back a value."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:  # any driver error means "unreachable" here
        logger.warning("health: database check failed: %s", type(exc).__name__)
        return False


def cache_ok() -> bool:
    probe = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(probe, "1", 5)
        ok = cache.get(probe) == "1"
        cache.delete(probe)
        return ok
    except Exception as exc:  # the cache backends raise driver-specific errors
        logger.warning("health: cache check failed: %s", type(exc).__name__)
        return False
